"""The fused SGD and Adam against Keras's own, step by step."""

import keras
import numpy as np
import pytest

from sk_sparse_ae.nn._optimizers import FusedAdam, FusedSGD


def _train(optimizer, n_steps=20):
    """Weights and optimizer variables after ``n_steps`` on a small model."""
    rng = np.random.default_rng(0)
    X = rng.random((64, 6), dtype=np.float32)
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(
                5, "selu", kernel_initializer=keras.initializers.GlorotUniform(1)
            ),
            keras.layers.Dense(
                6, "sigmoid", kernel_initializer=keras.initializers.GlorotUniform(2)
            ),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer=optimizer)
    model.fit(X, X, batch_size=16, epochs=n_steps // 4, shuffle=False, verbose=0)
    return [np.asarray(v) for v in [*model.weights, *model.optimizer.variables]]


@pytest.mark.parametrize("learning_rate", [1.0, 0.3, 1e-2])
def test_fused_sgd_is_bit_identical_to_keras_sgd(learning_rate):
    fused = _train(FusedSGD(learning_rate=learning_rate))
    reference = _train(keras.optimizers.SGD(learning_rate=learning_rate))
    for got, expected in zip(fused, reference, strict=True):
        np.testing.assert_array_equal(got, expected)


def test_fused_sgd_with_momentum_is_keras_sgd():
    fused = _train(FusedSGD(learning_rate=0.1, momentum=0.9, nesterov=True))
    reference = _train(
        keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    )
    for got, expected in zip(fused, reference, strict=True):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "params", [{"learning_rate": 1e-2}, {"learning_rate": 3e-3, "beta_1": 0.8}]
)
def test_fused_adam_matches_keras_adam_to_float32_rounding(params):
    fused = _train(FusedAdam(**params))
    reference = _train(keras.optimizers.Adam(**params))
    changed = False
    for got, expected in zip(fused, reference, strict=True):
        # (1 - beta_1) is rounded differently (module docstring): a relative
        # difference of a few float32 ulps per step, nothing more.
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-6)
        changed |= not np.array_equal(got, expected)
    assert changed  # the rounding difference exists, as documented


def test_fused_optimizers_round_trip_through_config():
    for optimizer in (FusedSGD(learning_rate=0.5), FusedAdam(learning_rate=2e-3)):
        config = keras.optimizers.serialize(optimizer)
        restored = keras.optimizers.deserialize(config)
        assert type(restored) is type(optimizer)
        assert restored.get_config() == optimizer.get_config()
