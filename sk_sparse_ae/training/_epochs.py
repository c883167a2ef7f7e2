"""A whole training run of a compiled model: epochs, early stopping, divergence."""

import scipy.sparse

from ._callbacks import FiniteWeightsCheck, ValidationStopping, check_loss_finite
from ._loop import fit_shuffled
from ._sparse_rows import SparseRows, ordered_batches
from ._xla import use_jit_compile

__all__ = ["fit_epochs"]


def fit_epochs(
    model,
    X_train,
    X_val,
    rng,
    *,
    batch_size,
    epochs,
    tol,
    n_iter_no_change,
    learning_rate,
    verbose,
    jit_compile,
):
    """Train ``model`` on ``X_train`` for up to ``epochs`` epochs, in one Keras fit.

    Each epoch's order comes from ``rng`` (:func:`fit_shuffled`), so a seed
    gives the same order in any process without Keras's global seed. With
    ``X_val``, training stops after ``n_iter_no_change`` epochs without a
    ``tol`` improvement of its loss and the best epoch's weights are kept.

    Returns
    -------
    history : dict of str to list of float
        Per-epoch ``"loss"`` (and ``"val_loss"``); as many entries as epochs ran.

    Raises
    ------
    FloatingPointError
        If the loss or a weight became NaN or inf.
    """
    stopping = None
    callbacks = [FiniteWeightsCheck(learning_rate)]
    if X_val is not None:
        stopping = ValidationStopping(tol, n_iter_no_change)
        callbacks.append(stopping)
    use_jit_compile(model, jit_compile)
    keras_history = fit_shuffled(
        model,
        X_train,
        batch_size=batch_size,
        epochs=epochs,
        rng=rng,
        verbose=verbose,
        callbacks=callbacks,
        **_validation(X_val, batch_size),
    )
    history = {
        key: [float(v) for v in values] for key, values in keras_history.history.items()
    }
    n_epochs = len(history["loss"])
    check_loss_finite(history["loss"][-1], f"at epoch {n_epochs}", learning_rate)
    if stopping is not None and stopping.best_weights is not None:
        model.set_weights(stopping.best_weights)
    return history


def _validation(X_val, batch_size):
    """``model.fit``'s validation arguments for X_val (ndarray, CSR or None)."""
    if X_val is None:
        return {}
    if scipy.sparse.issparse(X_val):
        return {"validation_data": ordered_batches(SparseRows(X_val), batch_size)}
    return {"validation_data": (X_val, X_val), "validation_batch_size": batch_size}
