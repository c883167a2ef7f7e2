"""The one-fit-call training pipeline: batch order and early stopping."""

import numpy as np
import pytest

from sk_sparse_ae.training import ValidationStopping, shuffled_epochs


@pytest.mark.parametrize("n_samples, batch_size", [(10, 3), (12, 4), (5, 8)])
def test_batches_follow_in_place_shuffles_of_the_rows(n_samples, batch_size):
    X = np.arange(n_samples * 2, dtype=np.float32).reshape(n_samples, 2)
    epochs = 3
    dataset = shuffled_epochs(X, batch_size, epochs, np.random.default_rng(5))
    got = [(x.numpy(), y.numpy()) for x, y in dataset]

    # What shuffling the rows in place before each epoch gives, batch by batch.
    reference_rng, rows, expected = np.random.default_rng(5), X.copy(), []
    for _ in range(epochs):
        reference_rng.shuffle(rows)
        expected += [
            rows[i : i + batch_size].copy() for i in range(0, n_samples, batch_size)
        ]
    assert len(got) == len(expected) == epochs * -(-n_samples // batch_size)
    for (x, y), rows_batch in zip(got, expected, strict=True):
        np.testing.assert_array_equal(x, rows_batch)
        np.testing.assert_array_equal(y, rows_batch)


def test_orders_are_drawn_lazily_from_the_given_generator():
    X = np.zeros((6, 1), dtype=np.float32)
    rng = np.random.default_rng(1)
    dataset = shuffled_epochs(X, 2, 4, rng)
    state = rng.bit_generator.state
    iterator = iter(dataset)
    next(iterator)  # the first epoch needs one order (prefetch may draw more)
    assert rng.bit_generator.state != state
    for _ in iterator:
        pass
    reference = np.random.default_rng(1)
    for _ in range(4):
        reference.shuffle(np.arange(6))
    assert rng.bit_generator.state == reference.bit_generator.state


class _FakeModel:
    def __init__(self):
        self.stop_training = False
        self.epoch = 0

    def get_weights(self):
        return [np.array(self.epoch)]


@pytest.mark.parametrize(
    "val_losses, tol, patience, n_run, best_epoch",
    [
        ([1.0, 0.9, 0.95, 0.91, 0.8], 0.0, 2, 4, 1),
        ([1.0, 0.9, 0.95, 0.85, 0.8], 0.0, 2, 5, 4),
        ([1.0, 0.99, 0.98, 0.97], 0.05, 3, 4, 0),
        ([1.0, 0.99, 0.98, 0.97], 0.005, 3, 4, 3),
    ],
)
def test_validation_stopping_matches_mlp_rule(
    val_losses, tol, patience, n_run, best_epoch
):
    model = _FakeModel()
    stopping = ValidationStopping(tol, patience)
    stopping.set_model(model)
    ran = 0
    for epoch, val_loss in enumerate(val_losses):
        model.epoch = epoch
        stopping.on_epoch_end(epoch, {"loss": 1.0, "val_loss": val_loss})
        ran += 1
        if model.stop_training:
            break
    assert ran == n_run
    assert int(stopping.best_weights[0]) == best_epoch
