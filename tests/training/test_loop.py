"""The one-fit-call training loop: batch order, whole-epoch steps, early stopping."""

import gc
import weakref

import numpy as np
import pytest

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae._tf.memory import float32_copy
from sk_sparse_ae.training import _loop as training
from sk_sparse_ae.training._callbacks import ValidationStopping
from sk_sparse_ae.training._loop import fit_shuffled, shuffled_epochs


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


def _two_identical_models(params, X):
    sae = SparseAutoencoderTransformer(**params)
    sae._resolve_auto_settings(X, "fit")
    hidden = list(sae.hidden_layer_sizes_)
    center = X.mean(axis=0) if sae.sparsity == "topk" else None
    return [
        sae._build_model(X.shape[1], hidden, np.random.default_rng(3), center, 4.0)[0]
        for _ in range(2)
    ]


@pytest.mark.parametrize(
    "params",
    [
        dict(sparsity="kl", batch_size=32),
        dict(sparsity="l1", optimizer="adam", batch_size=7),
        dict(sparsity="topk", k=4, loss="squared_error", optimizer="rmsprop"),
        # AuxK in most steps: the counter and the added loss go through the
        # compiled loop too.
        dict(sparsity="topk", k=2, optimizer="adam", dead_after_samples=40),
        dict(sparsity=None, activation="relu", batch_size=400),
    ],
)
@pytest.mark.parametrize("rows_per_call", [16384, 40])
def test_compiled_loop_equals_one_keras_step_per_batch(
    digits_small, params, rows_per_call, monkeypatch
):
    # fit_shuffled runs the steps in compiled loops under TensorFlow (a whole
    # epoch per call, or rows_per_call rows); it must train exactly as Keras's
    # own fit does, one step per batch, on the batches of shuffled_epochs:
    # the same weights, optimizer state and history, to float32 rounding (the
    # loop's full batches have a static shape, for which TensorFlow may pick
    # other kernels; up to 3e-8 apart after 3 epochs here).
    monkeypatch.setattr(training, "_ROWS_PER_CALL", rows_per_call)
    _check_loop_equals_keras_fit(digits_small[0], params, jit_compile=False)


@pytest.mark.parametrize(
    "params",
    [
        dict(sparsity="kl", batch_size=32),
        dict(sparsity="topk", k=2, optimizer="adam", dead_after_samples=40),
    ],
)
def test_the_xla_loop_equals_one_xla_step_per_batch(digits_small, params, monkeypatch):
    # Under XLA the loop over the full batches is one XLA program and the
    # smaller last batch an XLA-compiled step of its own; Keras's fit runs
    # every step as an XLA-compiled step. Several calls per epoch (40 rows
    # each), starting mid-epoch: the same batches, steps and results.
    monkeypatch.setattr(training, "_ROWS_PER_CALL", 40)
    _check_loop_equals_keras_fit(digits_small[0], params, jit_compile=True)


def _check_loop_equals_keras_fit(X, params, jit_compile):
    X = float32_copy(X[:203])  # 203 rows: a smaller last batch
    params = {"n_components": 16, "hidden_layer_sizes": (8,), **params}
    batch_size = params.get("batch_size", 32)
    compiled, per_step = _two_identical_models(params, X)
    for model in (compiled, per_step):
        model.jit_compile = jit_compile
    fit = dict(verbose=0, validation_data=(X[:50], X[:50]))
    history = fit_shuffled(
        compiled,
        X,
        batch_size=batch_size,
        epochs=3,
        rng=np.random.default_rng(4),
        **fit,
    )
    reference = per_step.fit(
        shuffled_epochs(X, batch_size, 3, np.random.default_rng(4)),
        epochs=3,
        steps_per_epoch=-(-len(X) // batch_size),
        shuffle=False,
        **fit,
    )
    assert history.history.keys() == reference.history.keys()
    for name, values in history.history.items():
        np.testing.assert_allclose(values, reference.history[name], rtol=1e-5)
    for model in (compiled, per_step):
        assert int(model.optimizer.iterations) == 3 * -(-len(X) // batch_size)
    for got, expected in zip(
        [*compiled.weights, *compiled.optimizer.variables],
        [*per_step.weights, *per_step.optimizer.variables],
        strict=True,
    ):
        np.testing.assert_allclose(
            np.asarray(got), np.asarray(expected), rtol=1e-4, atol=1e-6
        )


def test_the_compiled_loop_does_not_keep_its_model_alive():
    # fit_shuffled keeps one compiled loop per model, for as long as the model
    # lives (the model pool reuses models); a dropped model must be freed.
    X = float32_copy(np.random.default_rng(0).random((50, 6)))
    model = _two_identical_models({"n_components": 3, "hidden_layer_sizes": ()}, X)[0]
    fit_shuffled(
        model, X, batch_size=16, epochs=1, rng=np.random.default_rng(0), verbose=0
    )
    model_ref = weakref.ref(model)
    del model
    gc.collect()
    assert model_ref() is None
