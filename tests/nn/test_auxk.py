"""The TopK autoencoder's dead-unit counter and AuxK loss, against NumPy."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from sk_sparse_ae.nn import Centering, TopKActivation, TopKAutoencoder
from sk_sparse_ae.nn import _topk_autoencoder as topk_autoencoder


def tiny_model(n_features, n_components, k, *, auxk_k, auxk_weight=0.5, dead_after=8):
    encoder = keras.Sequential(
        [
            keras.Input((n_features,)),
            Centering(name="centering"),
            keras.layers.Dense(n_components, name="codings"),
            TopKActivation(k, "relu", name="codings_topk"),
        ],
        name="encoder",
    )
    decoder = keras.Sequential(
        [keras.Input((n_components,)), keras.layers.Dense(n_features, name="recon")],
        name="decoder",
    )
    return TopKAutoencoder(
        encoder,
        decoder,
        auxk_k=auxk_k,
        auxk_weight=auxk_weight,
        dead_after_samples=dead_after,
    )


def counts(model):
    return keras.ops.convert_to_numpy(model.samples_since_fired.value)


def test_counter_follows_a_hand_made_sequence_of_batches():
    # Identity encoder, k=1: a one-hot sample fires exactly its own unit, a
    # zero sample fires none (its kept code is ReLU(0) = 0).
    model = tiny_model(4, 4, 1, auxk_k=1, auxk_weight=0.0)
    model.encoder.get_layer("codings").set_weights([np.eye(4), np.zeros(4)])
    eye = np.eye(4, dtype="float32")
    batches = [eye[[0, 1]], eye[[0]], np.zeros((3, 4), "float32"), eye[[2, 2, 3]]]
    expected = [[0, 0, 2, 2], [0, 1, 3, 3], [3, 4, 6, 6], [6, 7, 0, 0]]
    for batch, after in zip(batches, expected, strict=True):
        model(batch, training=True)
        np.testing.assert_array_equal(counts(model), after)
    # Inference never counts.
    model(np.zeros((5, 4), "float32"), training=False)
    np.testing.assert_array_equal(counts(model), expected[-1])
    # dead_fraction(n): units without a positive code in the last n samples.
    assert model.dead_fraction(6) == 0.5
    assert model.dead_fraction(7) == 0.25
    assert model.dead_fraction(8) == 0.0


def test_counter_saturates_instead_of_overflowing():
    model = tiny_model(2, 2, 1, auxk_k=1, auxk_weight=0.0)
    model.samples_since_fired.assign(np.array([2**30 - 1, 0], dtype="int32"))
    model.encoder.get_layer("codings").set_weights([np.eye(2), np.zeros(2)])
    model(np.array([[0.0, 1.0], [0.0, 1.0]], dtype="float32"), training=True)
    np.testing.assert_array_equal(counts(model), [2**30, 0])


def numpy_topk_relu(z, k):
    """ReLU of each row's k largest entries (distinct values), 0 elsewhere."""
    keep = np.zeros_like(z, dtype=bool)
    np.put_along_axis(keep, np.argsort(-z, axis=1)[:, :k], True, axis=1)
    return np.where(keep, np.maximum(z, 0), 0), keep


# auxk_k=1: fewer than the dead units, so AuxK selects among them; 8: all kept.
@pytest.mark.parametrize("auxk_k", [1, 3, 8])
@pytest.mark.parametrize("gather_dead_columns", [True, False])
def test_auxk_loss_and_gradient_match_numpy(auxk_k, gather_dead_columns, monkeypatch):
    monkeypatch.setattr(
        topk_autoencoder, "_gather_dead_columns", lambda: gather_dead_columns
    )
    rng = np.random.default_rng(0)
    n_features, n_components, k, weight, dead_after = 5, 8, 2, 0.5, 8
    model = tiny_model(
        n_features,
        n_components,
        k,
        auxk_k=auxk_k,
        auxk_weight=weight,
        dead_after=dead_after,
    )
    centering = model.encoder.get_layer("centering")
    coding = model.encoder.get_layer("codings")
    recon = model.decoder.get_layer("recon")
    offset = rng.normal(size=n_features)
    W_enc, b_enc = rng.normal(size=(n_features, n_components)), rng.normal(size=8)
    W_dec, b_dec = rng.normal(size=(n_components, n_features)), rng.normal(size=5)
    centering.offset.assign(offset.astype("float32"))
    coding.set_weights([W_enc, b_enc])
    recon.set_weights([W_dec, b_dec])
    before = np.array([8, 8, 8, 8, 0, 0, 3, 7], dtype="int32")
    model.samples_since_fired.assign(before)
    x = rng.normal(size=(6, n_features)).astype("float32")

    with tf.GradientTape() as tape:
        model(x, training=True)
        (aux_loss,) = model.losses
    variables = [coding.kernel, coding.bias, recon.kernel, recon.bias]
    # The gathered computation's kernel gradient is IndexedSlices (dead rows).
    grads = [
        None if g is None else np.asarray(tf.convert_to_tensor(g))
        for g in tape.gradient(aux_loss, variables)
    ]

    # NumPy, in float64, with the float32 weights the model holds.
    W_enc, b_enc, W_dec, b_dec = (np.asarray(v, dtype=np.float64) for v in variables)
    xc = x.astype(np.float64) - np.asarray(centering.offset, dtype=np.float64)
    pre = xc @ W_enc + b_enc
    codes, _ = numpy_topk_relu(pre, k)
    fired = (codes > 0).any(axis=0)
    after = np.where(fired, 0, before + len(x))
    np.testing.assert_array_equal(counts(model), after)
    dead = after >= dead_after
    assert 1 < dead.sum() < n_components  # some dead, some alive
    residual = xc + np.asarray(centering.offset) - (codes @ W_dec + b_dec)
    dead_pre = np.where(dead, pre, -np.inf)
    aux_codes, aux_kept = numpy_topk_relu(dead_pre, auxk_k)
    aux_codes = np.where(dead, aux_codes, 0)
    diff = aux_codes @ W_dec - residual
    expected = weight * np.mean(diff**2)
    np.testing.assert_allclose(float(aux_loss), expected, rtol=1e-5)

    scale = weight * 2 / diff.size
    d_recon = scale * diff  # d loss / d (decoder output)
    d_aux = (d_recon @ W_dec.T) * (aux_kept & dead & (pre > 0))
    np.testing.assert_allclose(grads[2], aux_codes.T @ d_recon, rtol=1e-4, atol=1e-7)
    # decode(codes + aux) - decode(codes) does not depend on the bias.
    assert grads[3] is None or np.all(grads[3] == 0)
    np.testing.assert_allclose(grads[0], xc.T @ d_aux, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(grads[1], d_aux.sum(axis=0), rtol=1e-4, atol=1e-7)
    # Only dead units' encoder weights move; live units get nothing from it.
    assert np.all(grads[0][:, ~dead] == 0) and np.any(grads[0][:, dead] != 0)


def test_no_auxk_loss_without_dead_units():
    model = tiny_model(3, 4, 1, auxk_k=2, dead_after=100)
    model(np.random.default_rng(0).normal(size=(4, 3)).astype("float32"), training=True)
    (aux_loss,) = model.losses
    assert float(aux_loss) == 0.0


@pytest.mark.parametrize("auxk_weight", [0.0, 0.25])
def test_config_round_trip(auxk_weight):
    model = tiny_model(3, 4, 2, auxk_k=2, auxk_weight=auxk_weight, dead_after=9)
    again = TopKAutoencoder.from_config(model.get_config())
    assert (again.auxk_k, again.auxk_weight, again.dead_after_samples) == (
        2,
        auxk_weight,
        9,
    )
    assert [layer.name for layer in again.encoder.layers] == [
        "centering",
        "codings",
        "codings_topk",
    ]


def test_encoder_must_end_in_topk():
    encoder = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="must end in a TopKActivation"):
        TopKAutoencoder(
            encoder, decoder, auxk_k=1, auxk_weight=0.1, dead_after_samples=1
        )


def test_deep_decoder_auxk_uses_the_change_the_dead_units_make():
    """decode(codes + aux) - decode(codes), with a hidden decoder layer."""
    rng = np.random.default_rng(3)  # dead units with positive pre-activations
    model = tiny_model(4, 6, 2, auxk_k=2, auxk_weight=1.0, dead_after=5)
    model.decoder = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(3, activation="tanh", name="hidden"),
            keras.layers.Dense(4, name="recon"),
        ],
        name="decoder",
    )
    coding = model.encoder.get_layer("codings")
    coding.set_weights([rng.normal(size=(4, 6)), rng.normal(size=6)])
    before = np.array([5, 5, 5, 0, 0, 0], dtype="int32")
    model.samples_since_fired.assign(before)
    x = rng.normal(size=(5, 4)).astype("float32")
    with tf.GradientTape() as tape:
        outputs = model(x, training=True)
        (aux_loss,) = model.losses
    grad_kernel = np.asarray(tape.gradient(aux_loss, coding.kernel))

    (w1, b1), (w2, b2) = (
        [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
        for layer in model.decoder.layers
    )

    def decode(c):
        return np.tanh(c @ w1 + b1) @ w2 + b2

    W, b = (np.asarray(w, dtype=np.float64) for w in coding.get_weights())
    pre = x @ W + b
    codes, _ = numpy_topk_relu(pre, 2)
    dead = np.where((codes > 0).any(axis=0), 0, before + 5) >= 5
    aux, _ = numpy_topk_relu(np.where(dead, pre, -np.inf), 2)
    aux = np.where(dead, aux, 0)
    residual = x - decode(codes)
    np.testing.assert_allclose(outputs, decode(codes), rtol=1e-5, atol=1e-6)
    expected = np.mean((decode(codes + aux) - decode(codes) - residual) ** 2)
    np.testing.assert_allclose(float(aux_loss), expected, rtol=1e-5)
    # The live units' codes are held fixed: their encoder weights get nothing.
    assert np.all(grad_kernel[:, ~dead] == 0) and np.any(grad_kernel[:, dead] != 0)


@pytest.mark.parametrize("auxk_k", [1, 8])
def test_gathered_auxk_gives_the_masked_training_gradient(auxk_k, monkeypatch):
    """With the reconstruction loss too: the dead rows' AuxK gradient lands
    on the same kernel gradient as plain automatic differentiation gives."""
    rng = np.random.default_rng(1)
    model = tiny_model(5, 8, 2, auxk_k=auxk_k, auxk_weight=0.5, dead_after=8)
    for layer in (model.encoder.get_layer("codings"), model.decoder.layers[0]):
        layer.set_weights([rng.normal(size=w.shape) for w in layer.get_weights()])
    # Units 0-3 (counters at 8) lose to the others; some stay positive for AuxK.
    model.encoder.get_layer("codings").bias.assign([-1, -2, -1, -2, 3, 3, 3, 3])
    before = np.array([8, 8, 8, 8, 0, 0, 3, 7], dtype="int32")
    x = rng.normal(size=(6, 5)).astype("float32")

    def gradients(gather):
        monkeypatch.setattr(topk_autoencoder, "_gather_dead_columns", lambda: gather)
        model.samples_since_fired.assign(before)
        with tf.GradientTape() as tape:
            outputs = model(x, training=True)
            loss = tf.reduce_mean((x - outputs) ** 2) + tf.add_n(model.losses)
        dead = counts(model) >= 8
        grads = tape.gradient(loss, model.trainable_variables)
        return float(loss), [np.asarray(tf.convert_to_tensor(g)) for g in grads], dead

    loss_gathered, grads_gathered, dead = gradients(True)
    loss_masked, grads_masked, _ = gradients(False)
    assert 1 < dead.sum() < 8
    W, b = model.encoder.get_layer("codings").get_weights()
    offset = np.asarray(model.encoder.get_layer("centering").offset)
    assert ((x - offset) @ W + b)[:, dead].max() > 0  # AuxK codes are not all 0
    np.testing.assert_allclose(loss_gathered, loss_masked, rtol=1e-6)
    for gathered, masked in zip(grads_gathered, grads_masked, strict=True):
        np.testing.assert_allclose(gathered, masked, rtol=1e-5, atol=1e-6)


def test_auxk_trains_under_xla():
    """XLA cannot gather a changing number of dead columns: the masked loss
    is used there, with the same value."""
    model = tiny_model(5, 8, 2, auxk_k=3, auxk_weight=0.5, dead_after=8)
    model.encoder.get_layer("codings").bias.assign([-9, -9, -9, -9, 3, 3, 3, 3])
    x = np.random.default_rng(2).normal(size=(6, 5)).astype("float32")

    def aux_loss(x):
        model.samples_since_fired.assign(np.full(8, 8, dtype="int32"))
        model(x, training=True)
        return tf.add_n(model.losses)

    compiled = tf.function(aux_loss, jit_compile=True)(x)
    plain = tf.function(aux_loss)(x)
    assert float(plain) > 0
    np.testing.assert_allclose(float(compiled), float(plain), rtol=1e-5)
