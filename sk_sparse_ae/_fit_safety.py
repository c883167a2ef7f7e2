"""Failed or interrupted fits: keep the earlier state, and catch divergence."""

import functools

import numpy as np

from ._variables import current_value

__all__ = ["check_weights_finite", "restore_state_on_failure"]


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


def check_weights_finite(model, epoch, learning_rate):
    """Raise FloatingPointError if any weight of ``model`` is NaN or inf.

    An epoch's reported loss is computed before each step's update, so the
    last step of a fit can turn the weights non-finite while every reported
    loss is finite; ``transform`` would then return NaN codings.
    """
    for variable in model.weights:
        if not np.isfinite(current_value(variable)).all():
            raise FloatingPointError(
                f"Training diverged at epoch {epoch}: weight "
                f"{variable.path!r} became NaN or inf. Lower learning_rate "
                f"(now {learning_rate!r})."
            )
