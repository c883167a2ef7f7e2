"""SigmoidCrossEntropy: Keras's binary cross-entropy, from the logits in fewer ops."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from sk_sparse_ae.nn import SigmoidCrossEntropy


def _data(seed=0, scale=4.0):
    rng = np.random.default_rng(seed)
    logits = (scale * rng.standard_normal((16, 10))).astype(np.float32)
    logits[0, :4] = [-60.0, 60.0, -17.0, 17.0]  # saturated sigmoids
    targets = rng.random((16, 10)).astype(np.float32)
    targets[1] = np.round(targets[1])
    return logits, targets


def _loss_and_gradient(loss, logits, targets):
    z = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(z)
        value = loss(targets, keras.activations.sigmoid(z))
    return float(value), tape.gradient(value, z).numpy()


def test_value_and_gradient_match_numpy():
    logits, y = _data()
    value, gradient = _loss_and_gradient(SigmoidCrossEntropy(), logits, y)
    z = logits.astype(np.float64)
    # log(sigmoid(z)) = -logaddexp(0, -z), log(1 - sigmoid(z)) = -logaddexp(0, z)
    per_entry = y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)
    np.testing.assert_allclose(value, per_entry.mean(), rtol=1e-6)
    expected = (1 / (1 + np.exp(-z)) - y) / z.size
    # sigmoid(z) - y cancels: float32 leaves an absolute error near 1e-7 / size.
    np.testing.assert_allclose(gradient, expected, rtol=1e-5, atol=1e-8)


def test_same_as_kerass_binary_crossentropy_to_float32_rounding():
    logits, y = _data(seed=1)
    ours = _loss_and_gradient(SigmoidCrossEntropy(), logits, y)
    theirs = _loss_and_gradient(keras.losses.BinaryCrossentropy(), logits, y)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-8)


def test_without_logits_it_is_kerass_loss():
    _, y = _data()
    p = np.random.default_rng(2).random(y.shape).astype(np.float32)
    expected = keras.losses.BinaryCrossentropy()(y, p)
    assert float(SigmoidCrossEntropy()(y, p)) == float(expected)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None])
def test_serialization_round_trip(reduction):
    loss = SigmoidCrossEntropy(reduction=reduction)
    copy = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(copy) is SigmoidCrossEntropy
    assert copy.get_config() == loss.get_config()
    logits, y = _data()
    p = keras.activations.sigmoid(tf.constant(logits))
    np.testing.assert_array_equal(np.asarray(copy(y, p)), np.asarray(loss(y, p)))
