"""Fits on a pooled (already traced) model equal fits on a new model."""

import numpy as np
import pytest

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae.training import _pool as model_pool
from tests.conftest import SMALL


def _fit(X, monkeypatch, pooled, **params):
    monkeypatch.setattr(model_pool, "enabled", lambda: pooled)
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
