import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae._compat import InvalidParameterError
from tests.conftest import SMALL


@pytest.fixture(scope="module")
def fitted(digits_small):
    X, _ = digits_small
    return SparseAutoencoderTransformer(**SMALL).fit(X)


def numpy_bce(X, X_hat):
    X_hat = np.clip(X_hat.astype(np.float64), 1e-7, 1 - 1e-7)
    return -np.mean(X * np.log(X_hat) + (1 - X) * np.log(1 - X_hat))


def numpy_kl(codings, target):
    q = np.clip(codings.mean(axis=0, dtype=np.float64), 1e-7, 1 - 1e-7)
    p = target
    kl = p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))
    return kl.sum()  # one Bernoulli KL per unit, the book's formula


def test_fit_returns_self_and_sets_fitted_attributes(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**SMALL)
    assert sae.fit(X) is sae
    assert sae.n_features_in_ == 64
    assert sae.n_iter_ == 3
    assert sorted(sae.history_) == ["loss"]
    assert len(sae.history_["loss"]) == 3
    assert sae.encoder_.output_shape == (None, 16)
    assert sae.decoder_.output_shape == (None, 64)


def test_transform_shape_range_and_dtype(fitted, digits):
    X, _ = digits
    codings = fitted.transform(X)
    assert codings.shape == (len(X), 16)
    assert codings.dtype == np.float64
    assert codings.min() >= 0 and codings.max() <= 1
    codings32 = fitted.transform(X.astype(np.float32))
    assert codings32.dtype == np.float32
    np.testing.assert_allclose(codings32, codings, rtol=0, atol=1e-6)


def test_transform_matches_numpy_forward_pass(fitted, digits):
    X, _ = digits
    (w1, b1), (w2, b2) = [layer.get_weights() for layer in fitted.encoder_.layers]
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    z = X @ w1 + b1
    hidden = scale * np.where(z > 0, z, alpha * (np.exp(z) - 1))
    expected = 1 / (1 + np.exp(-(hidden @ w2 + b2)))
    np.testing.assert_allclose(fitted.transform(X), expected, atol=2e-6)


def test_transform_is_invariant_to_row_order_and_batching(fitted, digits):
    X, _ = digits
    order = np.random.default_rng(0).permutation(len(X))
    full = fitted.transform(X)
    np.testing.assert_allclose(fitted.transform(X[order]), full[order], atol=1e-6)
    np.testing.assert_allclose(fitted.transform(X[:7]), full[:7], atol=1e-6)


def test_inverse_transform_decodes_codings(fitted, digits_small):
    X, _ = digits_small
    reconstruction = fitted.inverse_transform(fitted.transform(X))
    assert reconstruction.shape == X.shape
    assert reconstruction.dtype == np.float32
    through_model = fitted.model_.predict(X, verbose=0)
    np.testing.assert_allclose(reconstruction, through_model, atol=1e-5)


def test_score_is_negative_reconstruction_loss(fitted, digits):
    X, _ = digits
    X_hat = fitted.inverse_transform(fitted.transform(X))
    assert fitted.score(X) == pytest.approx(-numpy_bce(X, X_hat), rel=1e-4)


def test_score_with_squared_error(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**SMALL, loss="squared_error").fit(X)
    X_hat = sae.inverse_transform(sae.transform(X))
    expected = -np.mean((X.astype(np.float64) - X_hat) ** 2)
    assert sae.score(X) == pytest.approx(expected, rel=1e-4)


def test_training_reduces_reconstruction_loss(digits_small):
    X, _ = digits_small
    params = {**SMALL, "sparsity": None}
    short = SparseAutoencoderTransformer(**{**params, "epochs": 1}).fit(X)
    longer = SparseAutoencoderTransformer(**{**params, "epochs": 8}).fit(X)
    assert longer.score(X) > short.score(X) + 0.02
    assert longer.history_["loss"][-1] < longer.history_["loss"][0]


def test_penalty_in_loss_is_weight_times_kl_at_every_batch_size(fitted, digits_small):
    """sparsity_weight means the same at every batch size."""
    X, _ = digits_small
    weight = fitted.sparsity_weight_
    for batch in (X[:16], X[:128]):
        codings = fitted.transform(batch)
        X_hat = fitted.inverse_transform(codings)
        expected = numpy_bce(batch, X_hat) + weight * numpy_kl(codings, 0.1)
        total = fitted.model_.evaluate(batch, batch, batch_size=len(batch), verbose=0)
        assert total == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize(
    "sparsity, weight",
    [("kl", 0.05), ("l1", 0.02)],
)
def test_sparsity_lowers_mean_activation(digits_small, sparsity, weight):
    X, _ = digits_small
    params = {**SMALL, "epochs": 10, "n_components": 32}
    dense = SparseAutoencoderTransformer(**params, sparsity=None).fit(X)
    sparse = SparseAutoencoderTransformer(
        **params, sparsity=sparsity, sparsity_weight=weight, sparsity_target=0.05
    ).fit(X)
    dense_mean = dense.transform(X).mean()
    sparse_mean = sparse.transform(X).mean()
    assert sparse_mean < 0.5 * dense_mean
    if sparsity == "kl":
        assert sparse_mean == pytest.approx(0.05, abs=0.03)


def test_early_stopping_stops_and_keeps_validation_history(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(
        **{**SMALL, "epochs": 20},
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=2,
        tol=10.0,  # no epoch can improve by this much
    ).fit(X)
    assert sae.n_iter_ == 3
    assert len(sae.history_["val_loss"]) == 3


def test_fit_does_not_modify_input(digits_small):
    X, _ = digits_small
    X_before = X.copy()
    SparseAutoencoderTransformer(**{**SMALL, "epochs": 1}).fit(X)
    np.testing.assert_array_equal(X, X_before)


def test_diverging_fit_raises_naming_epoch():
    X = np.random.default_rng(0).normal(scale=1e3, size=(64, 5))
    sae = SparseAutoencoderTransformer(
        n_components=3,
        hidden_layer_sizes=(4,),
        loss="squared_error",
        learning_rate=1e3,
        epochs=5,
        random_state=0,
    )
    with pytest.raises(
        FloatingPointError, match=r"diverged at epoch [12]: loss=(nan|inf)"
    ):
        sae.fit(X)


# --- reproducibility and global state ----------------------------------------


def test_same_random_state_gives_identical_codings(fitted, digits_small):
    X, _ = digits_small
    again = SparseAutoencoderTransformer(**SMALL).fit(X)
    np.testing.assert_array_equal(again.transform(X), fitted.transform(X))


def test_fit_leaves_global_random_state_alone(digits_small):
    import tensorflow as tf
    from tensorflow.python.framework.config import is_op_determinism_enabled

    X, _ = digits_small
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    tf_seed = tf.random.get_global_generator().state.numpy().copy()
    seeded = SparseAutoencoderTransformer(**{**SMALL, "epochs": 1}).fit(X)
    unseeded = SparseAutoencoderTransformer(
        **{**SMALL, "epochs": 1, "random_state": None}
    ).fit(X)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)  # noqa: NPY002
    np.testing.assert_array_equal(
        tf.random.get_global_generator().state.numpy(), tf_seed
    )
    assert not is_op_determinism_enabled()
    assert not np.array_equal(seeded.transform(X), unseeded.transform(X))


def test_fresh_process_reproduces_codings_and_loads_pickle(
    fitted, digits_small, tmp_path
):
    X, _ = digits_small
    script = textwrap.dedent(
        f"""
        import pickle, numpy as np
        from sk_sparse_ae import SparseAutoencoderTransformer
        X = np.load({str(tmp_path / "X.npy")!r})
        sae = SparseAutoencoderTransformer(**{SMALL!r}).fit(X)
        np.save({str(tmp_path / "codings.npy")!r}, sae.transform(X))
        with open({str(tmp_path / "sae.pkl")!r}, "wb") as f:
            pickle.dump(sae, f)
        """
    )
    np.save(tmp_path / "X.npy", X)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
    codings = fitted.transform(X)
    np.testing.assert_array_equal(np.load(tmp_path / "codings.npy"), codings)
    with open(tmp_path / "sae.pkl", "rb") as f:
        loaded = pickle.load(f)
    np.testing.assert_array_equal(loaded.transform(X), codings)


# --- scikit-learn API ---------------------------------------------------------


def test_clone_keeps_every_parameter():
    params = dict(
        n_components=7,
        hidden_layer_sizes=(20, 10),
        activation="relu",
        sparsity="l1",
        sparsity_weight=0.3,
        sparsity_target=0.2,
        k=5,
        auxk_weight=0.5,
        auxk_k=9,
        dead_after_samples=123,
        loss="squared_error",
        optimizer="adam",
        learning_rate=0.01,
        batch_size=64,
        epochs=4,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        tol=0.5,
        random_state=11,
        verbose=1,
        jit_compile=True,
        sparse_output=True,
    )
    assert set(params) == set(SparseAutoencoderTransformer().get_params())
    cloned = clone(SparseAutoencoderTransformer(**params))
    assert cloned.get_params() == params


def test_init_stores_parameters_untouched():
    sizes = [100, 50]
    sae = SparseAutoencoderTransformer(hidden_layer_sizes=sizes)
    assert sae.hidden_layer_sizes is sizes


@pytest.mark.parametrize("dump, load", [(pickle.dumps, pickle.loads), ("joblib", None)])
def test_pickle_round_trip_gives_identical_codings(
    fitted, digits_small, tmp_path, dump, load
):
    X, _ = digits_small
    if dump == "joblib":
        joblib.dump(fitted, tmp_path / "sae.joblib")
        restored = joblib.load(tmp_path / "sae.joblib")
    else:
        restored = load(dump(fitted))
    np.testing.assert_array_equal(restored.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(
        restored.inverse_transform(restored.transform(X)),
        fitted.inverse_transform(fitted.transform(X)),
    )
    # encoder_ and decoder_ still share their weights with model_
    assert restored.encoder_ is restored.model_.get_layer("encoder")
    assert restored.decoder_ is restored.model_.get_layer("decoder")


def test_pandas_output_and_feature_names(digits_small):
    pd = pytest.importorskip("pandas")
    X, _ = digits_small
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(64)])
    sae = SparseAutoencoderTransformer(**{**SMALL, "epochs": 1}).fit(frame)
    np.testing.assert_array_equal(sae.feature_names_in_, frame.columns)
    names = [f"sparseautoencodertransformer{i}" for i in range(16)]
    np.testing.assert_array_equal(sae.get_feature_names_out(), names)
    out = sae.set_output(transform="pandas").transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == names
    assert list(out.index) == list(frame.index)


# --- errors -------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_rejected(fitted, digits_small, bad):
    X, _ = digits_small
    X_bad = X.copy()
    X_bad[3, 5] = bad
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        SparseAutoencoderTransformer(**SMALL).fit(X_bad)
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        fitted.transform(X_bad)


def test_wrong_width_at_transform(fitted, digits_small):
    X, _ = digits_small
    with pytest.raises(ValueError, match=r"X has 63 features, but .* is expecting 64"):
        fitted.transform(X[:, :63])


def test_wrong_width_at_inverse_transform(fitted):
    with pytest.raises(ValueError, match="X has 5 features, but inverse_transform"):
        fitted.inverse_transform(np.zeros((2, 5)))


def test_transform_before_fit():
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        SparseAutoencoderTransformer().transform(np.zeros((2, 3)))


def test_cross_entropy_rejects_training_data_outside_unit_interval(digits_small):
    X, _ = digits_small
    with pytest.raises(
        ValueError,
        match=r"needs fit data in \[0, 1\], got values in \[-0.5, 1\].*MinMaxScaler"
        r".*loss='squared_error'",
    ):
        SparseAutoencoderTransformer(**SMALL, loss="binary_crossentropy").fit(
            X - 0.5 * (X == 0)
        )


def test_transform_accepts_values_slightly_outside_unit_interval(fitted, digits_small):
    X, _ = digits_small
    codings = fitted.transform(X * 1.05 - 0.02)
    assert np.isfinite(codings).all()


@pytest.mark.parametrize(
    "params, match",
    [
        ({"sparsity": "l2"}, r"'sparsity' parameter .* Got 'l2' instead"),
        ({"n_components": 0}, r"'n_components' parameter .* Got 0 instead"),
        ({"sparsity_weight": -1.0}, r"'sparsity_weight' parameter .* Got -1.0"),
        ({"sparsity_target": 1.0}, r"'sparsity_target' parameter .* Got 1.0"),
        ({"loss": "mse"}, r"'loss' parameter .* Got 'mse' instead"),
        ({"batch_size": 0}, r"'batch_size' parameter .* Got 0 instead"),
        ({"activation": "softmax"}, r"'activation' parameter .* Got 'softmax'"),
    ],
)
def test_invalid_parameters_are_named(digits_small, params, match):
    X, _ = digits_small
    with pytest.raises(InvalidParameterError, match=match):
        SparseAutoencoderTransformer(**params).fit(X)


@pytest.mark.parametrize("sizes", [(0,), (10, -2), (2.5,), ((3, 4),)])
def test_invalid_hidden_layer_sizes(digits_small, sizes):
    X, _ = digits_small
    with pytest.raises(ValueError, match=r"hidden_layer_sizes must be a sequence"):
        SparseAutoencoderTransformer(hidden_layer_sizes=sizes).fit(X)


def test_early_stopping_needs_two_samples():
    sae = SparseAutoencoderTransformer(early_stopping=True, loss="squared_error")
    with pytest.raises(ValueError, match=r"got n_samples=1"):
        sae.fit(np.zeros((1, 4)))
