"""Fits on a pooled (already traced) model equal fits on a new model."""

import numpy as np
import pytest

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae.training import _pool as model_pool
from tests.conftest import SMALL


def _fit(X, monkeypatch, pooled, **params):
    monkeypatch.setattr(model_pool, "enabled", lambda n_weights=0: pooled)
    return SparseAutoencoderTransformer(**{**SMALL, **params}).fit(X)


@pytest.mark.parametrize(
    "params",
    [
        {"sparsity": "kl"},
        {"sparsity": "l1", "optimizer": "adam"},
        {"sparsity": "kl", "early_stopping": True, "n_iter_no_change": 1},
    ],
)
def test_pooled_fit_equals_new_model_fit(digits_small, monkeypatch, params):
    X, _ = digits_small
    # Put a model of this architecture, trained with another weight and
    # learning rate, in the pool.
    _fit(X, monkeypatch, True, sparsity_weight=0.5, learning_rate=0.05, **params)
    for weight in (1e-4, 3e-2):
        new = _fit(X, monkeypatch, False, sparsity_weight=weight, **params)
        pooled = _fit(X, monkeypatch, True, sparsity_weight=weight, **params)
        assert pooled.history_ == new.history_
        np.testing.assert_array_equal(pooled.transform(X), new.transform(X))
        # The optimizer state came along: training continues identically.
        new.partial_fit(X[:100])
        pooled.partial_fit(X[:100])
        np.testing.assert_array_equal(pooled.transform(X), new.transform(X))


def test_fitted_estimators_own_their_models(digits_small, monkeypatch):
    X, _ = digits_small
    first = _fit(X, monkeypatch, True, sparsity_weight=1e-3)
    codings = first.transform(X)
    second = _fit(X, monkeypatch, True, sparsity_weight=1e-2, random_state=1)
    assert second.model_ is not first.model_
    np.testing.assert_array_equal(first.transform(X), codings)


def test_pooled_topk_fit_takes_the_new_datas_centre_and_loss_scale(
    digits_small, monkeypatch
):
    X, _ = digits_small
    params = dict(sparsity="topk", k=4, loss="squared_error")
    _fit(X * 0.25 + 0.5, monkeypatch, True, **params)  # another mean and variance
    new = _fit(X, monkeypatch, False, **params)
    pooled = _fit(X, monkeypatch, True, **params)
    assert pooled.history_ == new.history_
    np.testing.assert_array_equal(pooled.transform(X), new.transform(X))


def test_large_models_are_not_pooled(digits_small, monkeypatch):
    X, _ = digits_small

    def refuse(*args, **kwargs):
        raise AssertionError("a large model was pooled")

    monkeypatch.setattr(model_pool, "checkout", refuse)
    units = model_pool.MAX_POOLED_WEIGHTS // (2 * X.shape[1]) + 1
    sae = SparseAutoencoderTransformer(
        n_components=units, hidden_layer_sizes=(), sparsity="topk", k=8, epochs=1
    ).fit(X[:64])
    assert sae.model_.count_params() > model_pool.MAX_POOLED_WEIGHTS
