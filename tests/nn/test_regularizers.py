import keras
import numpy as np
import pytest

from sk_sparse_ae import KLDivergenceSparsity, L1Sparsity


def keras_kullback_leibler_divergence(y_true, y_pred):
    """Keras's ``kullback_leibler_divergence`` as the book calls it: a scalar
    ``y_true`` against the units' mean activations, summed over the units."""
    return np.sum(y_true * np.log(y_true / y_pred), axis=-1)


def numpy_kl_penalty(codings, weight, target):
    """The book's regularizer in float64, q clipped to float32's [1e-7, 1-1e-7]:
    ``weight * (kl_divergence(p, q) + kl_divergence(1 - p, 1 - q))``."""
    bounds = np.float32(1e-7), np.float32(1 - 1e-7)
    q = np.clip(codings.mean(axis=0, dtype=np.float64), *bounds)
    p = target
    return weight * (
        keras_kullback_leibler_divergence(p, q)
        + keras_kullback_leibler_divergence(1 - p, 1 - q)
    )


def numpy_l1_penalty(codings, l1):
    return l1 * np.abs(codings.astype(np.float64)).sum(axis=1).mean()


@pytest.fixture
def codings():
    return np.random.default_rng(0).uniform(0.0, 0.6, size=(32, 7)).astype("float32")


def loss_added_by_layer(regularizer, codings):
    """The penalty Keras adds to the loss for an activity regularizer."""
    layer = keras.layers.Activation("linear", activity_regularizer=regularizer)
    layer(codings)
    (loss,) = layer.losses
    return float(keras.ops.convert_to_numpy(loss))


@pytest.mark.parametrize("batch_size", [1, 8, 32])
def test_kl_penalty_in_loss_matches_formula_at_every_batch_size(codings, batch_size):
    batch = codings[:batch_size]
    reg = KLDivergenceSparsity(weight=0.3, target=0.1)
    expected = numpy_kl_penalty(batch, 0.3, 0.1)
    assert loss_added_by_layer(reg, batch) == pytest.approx(expected, rel=1e-5)
    assert float(reg.penalty(batch)) == pytest.approx(expected, rel=1e-5)


def test_kl_is_one_bernoulli_kl_per_unit(codings):
    # The formula written out per unit, not through Keras's loss: the two
    # halves of the book's sum are the two terms of one Bernoulli KL.
    q = np.clip(codings.mean(axis=0, dtype=np.float64), 1e-7, 1 - 1e-7)
    per_unit = 0.1 * np.log(0.1 / q) + 0.9 * np.log(0.9 / (1 - q))
    reg = KLDivergenceSparsity(weight=0.5, target=0.1)
    assert float(reg.penalty(codings)) == pytest.approx(0.5 * per_unit.sum(), rel=1e-5)


@pytest.mark.parametrize("batch_size", [1, 8, 32])
def test_l1_penalty_in_loss_is_per_sample_mean(codings, batch_size):
    batch = codings[:batch_size] - 0.3  # negative values too
    reg = L1Sparsity(l1=0.01)
    expected = numpy_l1_penalty(batch, 0.01)
    assert loss_added_by_layer(reg, batch) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("batch_size", [16, 32])
def test_l1_is_the_books_activity_regularization_over_the_batch_size(
    codings, batch_size
):
    # The book's ActivityRegularization(l1=1e-3) under the Keras of its time,
    # which divided activity penalties by the batch size.
    batch = np.resize(codings, (batch_size, codings.shape[1]))
    book = 1e-3 * np.abs(batch.astype(np.float64)).sum() / batch_size
    assert loss_added_by_layer(L1Sparsity(l1=1e-3), batch) == pytest.approx(
        book, rel=1e-6
    )


def test_kl_is_zero_on_target_and_grows_away_from_it():
    reg = KLDivergenceSparsity(weight=1.0, target=0.2)
    on_target = np.full((10, 4), 0.2, dtype="float32")
    near = np.full((10, 4), 0.25, dtype="float32")
    far = np.full((10, 4), 0.5, dtype="float32")
    values = [loss_added_by_layer(reg, x) for x in (on_target, near, far)]
    assert values[0] == pytest.approx(0.0, abs=1e-6)
    assert 0 < values[1] < values[2]


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_kl_is_finite_for_saturated_units(value):
    reg = KLDivergenceSparsity(weight=1.0, target=0.1)
    saturated = np.full((8, 3), value, dtype="float32")
    penalty = loss_added_by_layer(reg, saturated)
    expected = numpy_kl_penalty(saturated, 1.0, 0.1)
    assert np.isfinite(penalty)
    # At the clip bound 1 - q loses digits in float32 (1 - (1 - 1e-7) is
    # 1.19e-7), so agreement is to 1%, not to float32 rounding.
    assert penalty == pytest.approx(expected, rel=1e-2)


def test_kl_gradient_pulls_mean_toward_target():
    reg = KLDivergenceSparsity(weight=1.0, target=0.1)
    x = keras.Variable(np.full((4, 2), 0.5, dtype="float32"))
    import tensorflow as tf

    with tf.GradientTape() as tape:
        value = reg(x.value)
    grad = keras.ops.convert_to_numpy(tape.gradient(value, x.value))
    assert np.all(grad > 0)  # lowering activations lowers the penalty


@pytest.mark.parametrize(
    "regularizer", [KLDivergenceSparsity(weight=0.2, target=0.05), L1Sparsity(l1=0.4)]
)
def test_config_round_trip(regularizer, codings):
    config = keras.regularizers.serialize(regularizer)
    restored = keras.regularizers.deserialize(config)
    assert type(restored) is type(regularizer)
    assert restored.get_config() == regularizer.get_config()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(restored(codings)),
        keras.ops.convert_to_numpy(regularizer(codings)),
    )


def test_registered_names():
    assert (
        keras.saving.get_registered_name(KLDivergenceSparsity)
        == "sk_sparse_ae>KLDivergenceSparsity"
    )
    assert keras.saving.get_registered_name(L1Sparsity) == "sk_sparse_ae>L1Sparsity"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"weight": -1.0}, r"weight must be a finite float >= 0, got -1.0"),
        ({"weight": float("nan")}, r"weight must be a finite float >= 0, got nan"),
        ({"target": 0.0}, r"target must be a float in \(0, 1\), got 0.0"),
        ({"target": 1.5}, r"target must be a float in \(0, 1\), got 1.5"),
    ],
)
def test_kl_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KLDivergenceSparsity(**kwargs)


def test_l1_rejects_bad_parameters():
    with pytest.raises(ValueError, match=r"l1 must be a finite float >= 0, got 'a'"):
        L1Sparsity(l1="a")
