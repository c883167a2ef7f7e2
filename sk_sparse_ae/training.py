"""The training input pipeline and early stopping, for one Keras ``fit`` call.

All epochs run in a single ``Model.fit``: a ``fit`` call per epoch costs a new
input pipeline, a copy of the data into a tensor and a pipeline warm-up each
time (about 0.1 s on small data and 1 s per epoch on Fashion-MNIST), which
made the estimator up to twice as slow as plain Keras.

The batches come from a ``tf.data`` pipeline (TensorFlow is a dependency of
this package, and Keras accepts ``tf.data`` input under every backend) whose
per-epoch order is drawn from the estimator's own NumPy generator, so a seed
gives the same order in any process without touching global seeds. Each
epoch's order is the one ``rng.shuffle`` of the rows would give, drawn lazily
at the start of the epoch.
"""

import keras
import numpy as np
import tensorflow as tf

from ._fit_safety import check_weights_finite
from ._memory import as_tf_variable

__all__ = ["FiniteWeightsCheck", "ValidationStopping", "shuffled_epochs"]


def shuffled_epochs(X, batch_size, epochs, rng):
    """``(x, x)`` batches of X for ``epochs`` passes, each in a new order.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float32
        The training data; TensorFlow reads it in place if it is 64-byte
        aligned (``_memory.float32_copy``), else from one copy. Do not
        modify it while the dataset is in use.
    batch_size : int
        Rows per batch; the last batch of each epoch may be smaller.
    epochs : int
        Number of passes.
    rng : numpy.random.Generator
        Draws the order of each pass: pass ``e`` visits the rows in the order
        ``X`` would have after ``e + 1`` in-place ``rng.shuffle`` calls.

    Returns
    -------
    dataset : tf.data.Dataset
        ``epochs * ceil(n_samples / batch_size)`` batches; give ``fit``
        ``steps_per_epoch=ceil(n_samples / batch_size)``.
    """
    n_samples = len(X)
    order = np.arange(n_samples, dtype=np.int64)
    n_full = n_samples // batch_size

    # from_generator registers this function with TensorFlow's global graph,
    # which keeps it for the life of the process: it holds the order array
    # and the generator only until its one iteration ends.
    state = [order, rng]

    def orders():
        if not state:
            raise RuntimeError("A shuffled_epochs dataset can be iterated once.")
        epoch_order, epoch_rng = state
        try:
            for _ in range(epochs):
                epoch_rng.shuffle(epoch_order)
                yield epoch_order.copy()
        finally:
            state.clear()

    def batches_of(epoch_order):
        full = tf.reshape(epoch_order[: n_full * batch_size], (n_full, batch_size))
        batches = tf.data.Dataset.from_tensor_slices(full)
        if n_samples % batch_size:
            rest = tf.data.Dataset.from_tensors(epoch_order[n_full * batch_size :])
            batches = batches.concatenate(rest)
        return batches

    # Shares X's memory and is captured by handle: no copy of the data.
    data = as_tf_variable(X)

    def gather(indices):
        # Gather from a dense read: gathering from the variable itself would
        # switch it to copy-on-read and copy the whole buffer.
        rows = tf.gather(data.read_value(), indices)
        return rows, rows

    return (
        tf.data.Dataset.from_generator(
            orders, output_signature=tf.TensorSpec((n_samples,), tf.int64)
        )
        .flat_map(batches_of)
        .map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
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
            check_weights_finite(self.model, epoch + 1, self.learning_rate)
        else:
            self.model.stop_training = True
