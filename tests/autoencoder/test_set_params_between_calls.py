"""partial_fit after set_params: changes are applied exactly or refused."""

import numpy as np
import pytest
from scipy.special import expit

from sk_sparse_ae import SparseAutoencoderTransformer, load

# One layer each way and SGD: a chunk of batch_size rows is one plain step.
BASE = dict(
    n_components=8,
    hidden_layer_sizes=(),
    batch_size=32,
    optimizer="sgd",
    random_state=0,
)


@pytest.fixture(scope="module")
def X(digits):
    return digits[0][:96]


def _started(X, **params):
    return SparseAutoencoderTransformer(**{**BASE, **params}).partial_fit(X[:64])


def _step(sae, chunk):
    before = [w.copy() for w in sae.model_.get_weights()]
    sae.partial_fit(chunk)
    return [
        after - b for after, b in zip(sae.model_.get_weights(), before, strict=True)
    ]


def test_learning_rate_change_is_applied(X):
    chunk = X[64:96]
    default, changed = _started(X), _started(X)
    step_at_1 = _step(default, chunk)
    step_at_001 = _step(changed.set_params(learning_rate=0.01), chunk)
    # SGD: the same gradient, scaled by the learning rate.
    for fast, slow in zip(step_at_1, step_at_001, strict=True):
        np.testing.assert_allclose(slow, 0.01 * fast, rtol=1e-3, atol=1e-7)
    rate = changed.model_.optimizer.learning_rate.numpy()
    assert rate == np.float32(0.01) and changed.learning_rate_ == 0.01
    # "auto" was resolved by the first call: it keeps the current rate.
    changed.set_params(learning_rate="auto").partial_fit(chunk)
    assert changed.model_.optimizer.learning_rate.numpy() == np.float32(0.01)


def _kl(p, q):
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


@pytest.mark.parametrize("sparsity", ["kl", "l1"])
def test_sparsity_weight_and_target_changes_are_applied(X, sparsity):
    chunk = X[64:96].astype(np.float64)
    sae = _started(X, sparsity=sparsity)
    W1, b1, W2, b2 = (w.astype(np.float64) for w in sae.model_.get_weights())
    weight, target = 0.5, 0.3
    sae.set_params(sparsity_weight=weight, sparsity_target=target).partial_fit(chunk)
    # The reported loss of a one-step call is the loss before the step: the
    # mean binary cross-entropy plus the new penalty, computed here in NumPy.
    codings = expit(chunk @ W1 + b1)
    output = np.clip(expit(codings @ W2 + b2), 1e-7, 1 - 1e-7)
    bce = -np.mean(chunk * np.log(output) + (1 - chunk) * np.log(1 - output))
    if sparsity == "kl":
        q = np.clip(codings.mean(axis=0), 1e-7, 1 - 1e-7)
        penalty = weight * np.sum(_kl(target, q))  # the book's formula
    else:
        penalty = weight * np.abs(codings).sum(axis=1).mean()
    np.testing.assert_allclose(sae.history_["loss"][-1], bce + penalty, rtol=2e-4)


@pytest.mark.parametrize(
    "params, change",
    [
        ({}, {"n_components": 9}),
        ({}, {"hidden_layer_sizes": (4,)}),
        ({"hidden_layer_sizes": (4,)}, {"activation": "relu"}),
        ({}, {"loss": "squared_error"}),
        ({}, {"optimizer": "adam"}),
        ({}, {"sparsity": "l1"}),
        ({}, {"sparsity": None}),
        ({"sparsity": "topk", "k": 3}, {"k": 5}),
        ({"sparsity": "topk", "k": 3, "auxk_k": 2}, {"auxk_k": 4}),
    ],
)
def test_changes_that_need_a_new_model_are_refused(X, params, change):
    sae = _started(X, **params)
    weights = [w.copy() for w in sae.model_.get_weights()]
    n_iter, history = sae.n_iter_, sae.history_
    (name,) = change
    original = sae.get_params()[name]
    with pytest.raises(ValueError, match=rf"{name}=.*call fit"):
        sae.set_params(**change).partial_fit(X[64:])
    assert sae.n_iter_ == n_iter and sae.history_ == history
    for before, after in zip(weights, sae.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)
    # Setting it back continues the model; fit starts over with the change.
    sae.set_params(**{name: original}).partial_fit(X[64:])
    assert sae.n_iter_ == n_iter + 1
    sae.set_params(**change).fit(X)


def test_issue_example_loss_and_learning_rate(X):
    sae = _started(X)
    with pytest.raises(ValueError, match=r"loss='squared_error'.*call fit"):
        sae.set_params(learning_rate=0.01, loss="squared_error").partial_fit(
            X * 50 - 10
        )
    assert sae.model_.optimizer.learning_rate.numpy() == np.float32(1.0)


def test_failed_call_undoes_applied_changes(X):
    sae = _started(X)
    regularizer = sae.model_.get_layer("encoder").get_layer("codings")
    regularizer = regularizer.activity_regularizer
    before = dict(vars(regularizer))
    with pytest.raises(FloatingPointError, match=r"learning_rate \(now 1e\+30\)"):
        sae.set_params(learning_rate=1e30, sparsity_weight=1e30).partial_fit(X)
    assert dict(vars(regularizer)) == before
    assert sae.model_.optimizer.learning_rate.numpy() == np.float32(1.0)
    assert sae.learning_rate_ == 1.0


def test_applied_changes_are_saved(X, tmp_path):
    sae = _started(X).set_params(sparsity_weight=0.25, learning_rate=0.5)
    sae.partial_fit(X[64:])
    sae.save(tmp_path / "changed.skae")
    loaded = load(tmp_path / "changed.skae")
    assert loaded.get_params() == sae.get_params()
    np.testing.assert_array_equal(loaded.transform(X), sae.transform(X))


def test_auxk_settings_of_a_topk_model_are_applied(X, tmp_path):
    sae = _started(X, sparsity="topk", k=3)
    sae.set_params(auxk_weight=0.5, dead_after_samples=10).partial_fit(X[64:])
    assert (sae.model_.auxk_weight, sae.model_.dead_after_samples) == (0.5, 10)
    sae.save(tmp_path / "topk.skae")
    assert load(tmp_path / "topk.skae").get_params() == sae.get_params()
