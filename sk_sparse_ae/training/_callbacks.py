"""Keras callbacks of a fit, and the one way divergence is reported."""

import keras
import numpy as np

from .._tf.variables import current_value

__all__ = [
    "FiniteWeightsCheck",
    "ValidationStopping",
    "check_loss_finite",
    "check_weights_finite",
]


def _diverged(where, what, learning_rate):
    return FloatingPointError(
        f"Training diverged {where}: {what}. Lower learning_rate "
        f"(now {learning_rate!r})."
    )


def check_loss_finite(loss, where, learning_rate):
    """Raise FloatingPointError if ``loss`` is NaN or inf; ``where`` says when
    (``"at epoch 3"``, ``"in partial_fit call 2"``)."""
    if not np.isfinite(loss):
        raise _diverged(where, f"loss={loss}", learning_rate)


def check_weights_finite(model, where, learning_rate):
    """Raise FloatingPointError if any weight of ``model`` is NaN or inf.

    An epoch's reported loss is computed before each step's update, so the
    last step of a fit can turn the weights non-finite while every reported
    loss is finite; ``transform`` would then return NaN codings.
    """
    for variable in model.weights:
        if not np.isfinite(current_value(variable)).all():
            raise _diverged(
                where, f"weight {variable.path!r} became NaN or inf", learning_rate
            )


class ValidationStopping(keras.callbacks.Callback):
    """Stop when ``val_loss`` has not improved by ``tol`` for ``patience`` epochs.

    Keeps a copy of the weights of the best epoch in ``best_weights`` (``None``
    until an epoch improves on infinity). An epoch improves when its
    ``val_loss < best - tol``, as in scikit-learn's ``MLPClassifier``.

    Parameters
    ----------
    tol : float
        Smallest decrease that counts as an improvement.
    patience : int
        Epochs without improvement before training stops.
    """

    def __init__(self, tol, patience):
        super().__init__()
        self.tol = tol
        self.patience = patience
        self.best_loss = np.inf
        self.best_weights = None
        self.epochs_without_improvement = 0

    def on_epoch_end(self, epoch, logs=None):
        val_loss = float(logs["val_loss"])
        if val_loss < self.best_loss - self.tol:
            self.best_loss, self.epochs_without_improvement = val_loss, 0
            self.best_weights = self.model.get_weights()
        else:
            self.epochs_without_improvement += 1
            if self.epochs_without_improvement >= self.patience:
                self.model.stop_training = True


class FiniteWeightsCheck(keras.callbacks.Callback):
    """Stop after an epoch whose loss is not finite; raise FloatingPointError
    after an epoch whose weights are not finite.

    The caller reports a non-finite loss. The checks run per epoch, not per
    batch as ``keras.callbacks.TerminateOnNaN`` does: that callback prints a
    line even at ``verbose=0``, makes Keras wait for every batch's loss (no
    asynchronous dispatch), and a fit stopped after a batch or two leaves
    TensorFlow's retracing detector, which counts calls to Keras's train
    function across all models, seeing mostly traces: after a few fits of new
    models that diverged early it warns of "excessive retracing".

    Parameters
    ----------
    learning_rate : float or str
        Quoted in the error message.
    """

    def __init__(self, learning_rate):
        super().__init__()
        self.learning_rate = learning_rate

    def on_epoch_end(self, epoch, logs=None):
        if np.isfinite(logs["loss"]):
            check_weights_finite(
                self.model, f"at epoch {epoch + 1}", self.learning_rate
            )
        else:
            self.model.stop_training = True
