"""Divergence and interrupts during fit."""

import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sk_sparse_ae import SparseAutoencoderTransformer

TINY = dict(n_components=3, hidden_layer_sizes=(4,), epochs=3, random_state=0)


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).random((64, 5))


def test_divergence_in_the_last_step_is_caught():
    # One step per epoch: the reported loss is computed before the update,
    # so it is finite while the update makes the weights (and so the
    # codings) NaN. fit must not return such a model.
    X = np.random.default_rng(0).normal(scale=1e3, size=(64, 5))
    sae = SparseAutoencoderTransformer(
        **{**TINY, "epochs": 1, "batch_size": 64},
        loss="squared_error",
        learning_rate=1e38,
    )
    with pytest.raises(
        FloatingPointError,
        match=r"diverged at epoch 1: weight '[\w/]+' became NaN or inf\. "
        r"Lower learning_rate \(now 1e\+38\)",
    ):
        sae.fit(X)
    assert not hasattr(sae, "model_")


class _Interrupt(keras.callbacks.Callback):
    """Once armed, raise KeyboardInterrupt after the first batch callback of the
    2nd Keras epoch: its weight updates have run, its end has not. (Under
    TensorFlow a small epoch is one compiled call: one batch callback.)"""

    def __init__(self):
        super().__init__()
        self.armed, self.epochs_begun = False, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs_begun += self.armed

    def on_train_batch_end(self, batch, logs=None):
        if self.armed and self.epochs_begun == 2 and batch == 0:
            raise KeyboardInterrupt


@pytest.fixture
def interrupt(monkeypatch):
    """A Ctrl-C inside keras.Model.fit, mid-way through an epoch, once armed."""
    callback = _Interrupt()
    original_fit = keras.Model.fit

    def fit(self, *args, callbacks=None, **kwargs):
        callbacks = [*(callbacks or []), callback]
        return original_fit(self, *args, callbacks=callbacks, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit)
    return callback


def test_interrupted_first_fit_leaves_estimator_unfitted(X, interrupt):
    sae = SparseAutoencoderTransformer(**TINY)
    interrupt.armed = True
    with pytest.raises(KeyboardInterrupt):
        sae.fit(X)
    assert interrupt.epochs_begun == 2  # it did stop inside training
    assert not hasattr(sae, "n_features_in_")
    with pytest.raises(NotFittedError):
        sae.transform(X)


def test_interrupted_refit_keeps_the_earlier_fit(X, interrupt):
    sae = SparseAutoencoderTransformer(**TINY).fit(X)
    model, history, codings = sae.model_, sae.history_, sae.transform(X)
    weights = [w.copy() for w in model.get_weights()]

    interrupt.armed = True
    wider = np.random.default_rng(1).random((64, 7))
    with pytest.raises(KeyboardInterrupt):
        sae.set_params(sparsity="l1").fit(wider)
    assert interrupt.epochs_begun == 2
    interrupt.armed = False

    assert sae.model_ is model and sae.history_ is history
    assert sae.n_features_in_ == 5
    for now, before in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(now, before)
    np.testing.assert_array_equal(sae.transform(X), codings)
    # And it can be refitted normally afterwards.
    assert sae.fit(wider).transform(wider).shape == (64, 3)


def test_second_interrupt_during_partial_fit_rollback_restores_everything(
    X, interrupt, monkeypatch
):
    sae = SparseAutoencoderTransformer(**TINY).partial_fit(X)
    sae.partial_fit(X)
    model = sae.model_
    weights = [keras.ops.convert_to_numpy(v) for v in model.weights]
    optimizer = [keras.ops.convert_to_numpy(v) for v in model.optimizer.variables]
    n_iter, codings = sae.n_iter_, sae.transform(X)

    # The rollback assigns the saved values back; a second Ctrl-C arrives
    # while it is half way through them.
    variable_type = type(model.weights[0])
    original_assign = variable_type.assign
    assigns = {"count": 0, "interrupted": False}

    def assign(self, value):
        # Only the rollback assigns saved NumPy values; training assigns tensors.
        assigns["count"] += isinstance(value, np.ndarray)
        if assigns["count"] == 3 and not assigns["interrupted"]:
            assigns["interrupted"] = True
            raise KeyboardInterrupt
        return original_assign(self, value)

    interrupt.armed = True
    interrupt.epochs_begun = 1  # partial_fit runs one Keras epoch
    monkeypatch.setattr(variable_type, "assign", assign)
    with pytest.raises(KeyboardInterrupt):
        sae.partial_fit(X)
    monkeypatch.setattr(variable_type, "assign", original_assign)
    interrupt.armed = False

    assert assigns["interrupted"]
    assert sae.n_iter_ == n_iter
    for now, before in zip(model.weights, weights, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(now), before)
    for now, before in zip(model.optimizer.variables, optimizer, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(now), before)
    np.testing.assert_array_equal(sae.transform(X), codings)
