"""The NumPy inference path for small inputs agrees with Keras."""

import keras
import numpy as np
import pytest

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae.autoencoder._inference import NUMPY_MAX_ROWS as _NUMPY_MAX_ROWS
from sk_sparse_ae.autoencoder._numpy_forward import dense_stack, forward
from sk_sparse_ae.nn._builder import build_autoencoder
from sk_sparse_ae.nn._options import ACTIVATIONS as _ACTIVATIONS
from tests.conftest import SMALL


def _keras(model, X):
    return keras.ops.convert_to_numpy(model(X, training=False))


@pytest.fixture(scope="module")
def wide_inputs():
    # Pre-activations well into both tails, so that every activation's
    # negative branch and the sigmoid's saturation are exercised.
    rng = np.random.default_rng(0)
    return (4 * rng.standard_normal((50, 12))).astype(np.float32)


@pytest.mark.parametrize("output_activation", ["sigmoid", "linear"])
@pytest.mark.parametrize("activation", sorted(_ACTIVATIONS))
def test_forward_matches_keras_for_every_activation(
    activation, output_activation, wide_inputs
):
    autoencoder, encoder, decoder = build_autoencoder(
        12,
        n_components=7,
        hidden_layer_sizes=[9, 5],
        activation=activation,
        output_activation=output_activation,
        activity_regularizer=None,
        seeds=range(6),
    )
    X = wide_inputs
    for model in (encoder, decoder, autoencoder):
        X_in = X if model is not decoder else _keras(encoder, X)
        stack = dense_stack(model)
        assert stack is not None
        expected = _keras(model, X_in)
        got = forward(stack, X_in)
        assert got.dtype == np.float32
        scale = max(1.0, float(np.abs(expected).max()))
        np.testing.assert_allclose(got, expected, rtol=2e-6, atol=2e-6 * scale)


def test_forward_reads_the_current_weights(wide_inputs):
    _, encoder, _ = build_autoencoder(
        12,
        n_components=4,
        hidden_layer_sizes=[],
        activation="relu",
        output_activation="sigmoid",
        activity_regularizer=None,
        seeds=[0, 1],
    )
    before = forward(dense_stack(encoder), wide_inputs)
    kernel, bias = encoder.layers[0].get_weights()
    encoder.layers[0].set_weights([-kernel, bias + 1])
    after = forward(dense_stack(encoder), wide_inputs)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, _keras(encoder, wide_inputs), atol=2e-6)


class _ScaledDense(keras.layers.Dense):
    def call(self, inputs):
        return 2 * super().call(inputs)


@pytest.mark.parametrize(
    "layer",
    [
        keras.layers.Dropout(0.5),
        keras.layers.Activation("relu"),
        _ScaledDense(3),
        keras.layers.Dense(3, activation="softplus"),
        keras.layers.Dense(3, use_bias=False),
        keras.layers.Dense(3, dtype="mixed_float16"),
    ],
    ids=lambda layer: type(layer).__name__ + "-" + layer.dtype_policy.name,
)
def test_dense_stack_refuses_what_it_cannot_reproduce(layer):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4), layer])
    assert dense_stack(model) is None


def test_dense_stack_refuses_top_k_codings():
    layers = pytest.importorskip("sk_sparse_ae.nn._layers")
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(4), layers.TopKActivation(2)]
    )
    assert dense_stack(model) is None


@pytest.fixture(scope="module")
def fitted(digits_small):
    X, _ = digits_small
    return SparseAutoencoderTransformer(**SMALL).fit(X)


@pytest.mark.parametrize("n_rows", [1, 2, 31, _NUMPY_MAX_ROWS])
def test_small_inputs_match_the_keras_path(fitted, digits, n_rows):
    X = digits[0][:n_rows]
    codings = fitted.transform(X)
    np.testing.assert_allclose(
        codings, _keras(fitted.encoder_, X.astype(np.float32)), rtol=0, atol=1e-6
    )
    reconstruction = fitted.inverse_transform(codings)
    np.testing.assert_allclose(
        reconstruction,
        _keras(fitted.decoder_, codings.astype(np.float32)),
        rtol=0,
        atol=1e-6,
    )
    X_hat = _keras(fitted.model_, X.astype(np.float32))
    X_hat = np.clip(X_hat.astype(np.float64), 1e-7, 1 - 1e-7)
    bce = -np.mean(X * np.log(X_hat) + (1 - X) * np.log(1 - X_hat))
    assert fitted.score(X) == pytest.approx(-bce, rel=1e-5)


def test_small_and_large_inputs_agree_row_by_row(fitted, digits):
    X = digits[0][: 2 * _NUMPY_MAX_ROWS]
    large = fitted.transform(X)  # over the threshold: Keras
    small = np.vstack([fitted.transform(X[i : i + 64]) for i in range(0, len(X), 64)])
    np.testing.assert_allclose(small, large, rtol=0, atol=1e-6)


def test_only_large_inputs_call_keras(fitted, digits, monkeypatch):
    def keras_called(*args, **kwargs):
        raise AssertionError("Keras was called")

    X = digits[0]
    expected = fitted.transform(X[: _NUMPY_MAX_ROWS + 1])
    monkeypatch.setattr(keras.Sequential, "__call__", keras_called)
    np.testing.assert_allclose(fitted.transform(X[:5]), expected[:5], rtol=0, atol=1e-6)
    with pytest.raises(AssertionError, match="Keras was called"):
        fitted.transform(X[: _NUMPY_MAX_ROWS + 1])


def test_top_k_models_use_keras_for_small_inputs(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**{**SMALL, "epochs": 1}, sparsity="topk", k=4)
    sae.fit(X)
    codings = sae.transform(X[:3])
    np.testing.assert_array_equal(codings, _keras(sae.encoder_, X[:3]))
    assert ((codings > 0).sum(axis=1) == 4).all()


def _shift_every_weight(model):
    model.set_weights([w + 0.01 for w in model.get_weights()])


def _assign_the_codings_kernel(model):
    kernel = model.get_layer("encoder").get_layer("codings").kernel
    kernel.assign(-kernel.numpy())


def _train_with_keras(model):
    # Keras's own fit: the weights change inside a traced train step.
    X = np.random.default_rng(1).random((64, model.input_shape[-1]))
    model.fit(X, X, epochs=1, batch_size=16, verbose=0)


@pytest.mark.parametrize(
    "change", [_shift_every_weight, _assign_the_codings_kernel, _train_with_keras]
)
def test_small_transforms_see_every_change_to_the_weights(digits_small, change):
    # The NumPy path reads the variables on every call, so no change made to
    # the Keras model, whatever its route, leaves it computing with old weights.
    X = digits_small[0][:5]
    sae = SparseAutoencoderTransformer(**{**SMALL, "epochs": 1}).fit(X)
    before = sae.transform(X)
    change(sae.model_)
    after = sae.transform(X)
    assert not np.allclose(before, after, rtol=0, atol=1e-6)
    np.testing.assert_allclose(after, _keras(sae.encoder_, X), rtol=0, atol=1e-6)
    codings = after.astype(np.float32)
    np.testing.assert_allclose(
        sae.inverse_transform(codings), _keras(sae.decoder_, codings), atol=1e-6
    )


def test_dense_stack_weights_are_read_only_snapshots(fitted):
    stack = dense_stack(fitted.encoder_)
    kernel = stack[0][0]
    assert not kernel.flags.writeable
    snapshot = kernel.copy()
    original = fitted.encoder_.layers[0].get_weights()
    try:
        fitted.encoder_.layers[0].set_weights([w * 2 for w in original])
        np.testing.assert_array_equal(kernel, snapshot)  # unchanged by the update
        np.testing.assert_array_equal(dense_stack(fitted.encoder_)[0][0], 2 * snapshot)
    finally:
        fitted.encoder_.layers[0].set_weights(original)
