"""Failed or interrupted fits leave the estimator as it was before the call."""

import contextlib
import functools

from .._tf.variables import to_numpy

__all__ = ["restore_state_on_failure", "restore_variables_on_failure"]


def restore_state_on_failure(fit):
    """Make ``fit`` all-or-nothing on the estimator's attributes.

    If ``fit`` raises anything, ``KeyboardInterrupt`` included, every
    attribute is put back as it was before the call: a fitted estimator keeps
    its earlier model and ``n_features_in_`` (still usable), an unfitted one
    stays unfitted. Without this, ``validate_data`` would already have reset
    ``n_features_in_`` to the new data's width when a later check fails.
    A new fit builds a new Keras model, so the earlier one is never touched.
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        saved = dict(vars(self))
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            vars(self).clear()
            vars(self).update(saved)
            raise

    return wrapper


@contextlib.contextmanager
def restore_variables_on_failure(model, undo=None):
    """Put ``model``'s weights and optimizer state back if the block raises.

    Keras trains a model in place, so :func:`restore_state_on_failure`, which
    puts the attributes back, cannot undo a failed ``partial_fit`` on the
    fitted model; this keeps the values and assigns them back. ``undo`` is
    called after them (the ``set_params`` changes the call applied).
    """
    variables = [*model.weights, *model.optimizer.variables]
    saved = [to_numpy(v) for v in variables]

    def restore():
        for variable, value in zip(variables, saved, strict=True):
            variable.assign(value)
        if undo is not None:
            undo()

    try:
        yield
    except BaseException:
        _finish_despite_interrupts(restore)
        raise


def _finish_despite_interrupts(restore):
    """Run ``restore`` to the end even if Ctrl-C is pressed again meanwhile.

    A second KeyboardInterrupt during the restore would leave the weights
    half restored: ``restore`` (which sets values, so it can run again) is
    run again from the start until it completes; the first exception is then
    the one raised.
    """
    while True:
        try:
            restore()
            return
        except KeyboardInterrupt:
            continue
