"""Sparsity penalties on the coding layer, as serializable Keras regularizers.

Each penalty means the same on every supported Keras: the loss gains
:meth:`penalty` (a per-sample mean for L1, a statistic of the batch for KL).
Keras 3.14 and later divide the value an activity regularizer returns by the
batch size before adding it to the loss; Keras 3.8 to 3.13 add it as it is
(:func:`~sk_sparse_ae._compat.keras_divides_activity_penalty` asks the
installed Keras once). ``__call__`` returns what the installed Keras needs.
"""

import numbers

import keras
from keras import ops

from .._compat import keras_divides_activity_penalty

__all__ = ["KLDivergenceSparsity", "L1Sparsity"]

# Keeps log() finite when a unit's mean activation reaches exactly 0 or 1.
_EPSILON = 1e-7


def _in_loss_precision(penalty_of, x):
    """``penalty_of(x)`` computed in at least float32, returned in Keras's floatx.

    Under a mixed or float64 dtype policy the codings are float16, bfloat16
    or float64, while Keras adds the losses up in floatx (float32): a
    penalty in another dtype made the train step fail, and in float16
    ``1 - _EPSILON`` rounds to 1, so the KL's log() would be infinite.
    """
    dtype = (
        "float64"
        if keras.backend.standardize_dtype(x.dtype) == "float64"
        else "float32"
    )
    return ops.cast(penalty_of(ops.cast(x, dtype)), keras.config.floatx())


def _check_non_negative(name, value):
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not value >= 0
        or value == float("inf")
    ):
        raise ValueError(f"{name} must be a finite float >= 0, got {value!r}.")
    return float(value)


def _batch_size(x, dtype):
    return ops.cast(ops.shape(x)[0], dtype)


def _kl(p, q):
    """Bernoulli KL divergence ``KL(p || q)``, elementwise."""
    return p * ops.log(p / q) + (1 - p) * ops.log((1 - p) / (1 - q))


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class L1Sparsity(keras.regularizers.Regularizer):
    """L1 activity penalty: ``l1 * sum(|codings|)`` per sample.

    The loss gains ``l1 * sum(|codings|)`` averaged over the batch's samples,
    what the book's ``keras.layers.ActivityRegularization(l1=1e-3)`` added
    under the Keras of its time, which divided activity penalties by the
    batch size. Cost: O(batch_size * n_units).

    Parameters
    ----------
    l1 : float, default=1e-3
        Weight of the penalty, ``>= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.nn._regularizers import L1Sparsity
    >>> reg = L1Sparsity(l1=0.5)
    >>> codings = np.array([[0.2, -0.4], [0.0, 1.0]], dtype="float32")
    >>> round(float(reg.penalty(codings)), 6)  # 0.5 * (0.6 + 1.0) / 2 samples
    0.4
    """

    def __init__(self, l1=1e-3):
        self.l1 = _check_non_negative("l1", l1)

    def penalty(self, x):
        """The penalty the loss gains for the batch of codings ``x``."""
        return _in_loss_precision(
            lambda x: self.l1 * ops.sum(ops.abs(x)) / _batch_size(x, x.dtype), x
        )

    def __call__(self, x):
        def for_keras(x):
            total = self.l1 * ops.sum(ops.abs(x))
            if keras_divides_activity_penalty():
                return total
            return total / _batch_size(x, total.dtype)

        return _in_loss_precision(for_keras, x)

    def get_config(self):
        return {"l1": self.l1}


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class KLDivergenceSparsity(keras.regularizers.Regularizer):
    """KL-divergence sparsity penalty on the batch-mean activation of each unit.

    With ``q`` the mean activation of each coding unit over the batch and ``p``
    the target, the penalty added to the loss is one Bernoulli KL divergence
    per unit, as in Géron's *Hands-On Machine Learning*, chapter 17::

        weight * sum_units [p log(p / q) + (1 - p) log((1 - p) / (1 - q))]

    (the book writes it ``kl_divergence(p, q) + kl_divergence(1 - p, 1 - q)``
    with Keras's ``kullback_leibler_divergence``, ``sum(y_true * log(y_true /
    y_pred))``: its two terms are the two halves of this sum). ``q`` is
    clipped to ``[1e-7, 1 - 1e-7]`` so that the penalty stays finite for
    saturated units. Cost: O(batch_size * n_units).

    The penalty is a statistic of the batch, not a sum over samples, and it
    reaches the loss as it is, whatever the batch size. The book's
    regularizer returned it unscaled to a Keras that divided it by the batch
    size, which weakened it ``batch_size``-fold: the book's ``weight=0.05`` at
    batch 32 equals ``weight=0.05 / 32`` here.

    Parameters
    ----------
    weight : float, default=1e-3
        Weight of the penalty, ``>= 0``.
    target : float, default=0.1
        Target mean activation ``p`` of each unit, in ``(0, 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.nn import KLDivergenceSparsity
    >>> reg = KLDivergenceSparsity(weight=1.0, target=0.1)
    >>> codings = np.full((4, 3), 0.1, dtype="float32")  # already on target
    >>> abs(float(reg.penalty(codings))) < 1e-6
    True
    """

    def __init__(self, weight=1e-3, target=0.1):
        self.weight = _check_non_negative("weight", weight)
        if (
            not isinstance(target, numbers.Real)
            or isinstance(target, bool)
            or not 0 < target < 1
        ):
            raise ValueError(f"target must be a float in (0, 1), got {target!r}.")
        self.target = float(target)

    def penalty(self, x):
        """The penalty the loss gains for the batch of codings ``x``."""
        return _in_loss_precision(self._penalty, x)

    def __call__(self, x):
        def for_keras(x):
            penalty = self._penalty(x)
            if keras_divides_activity_penalty():
                return penalty * _batch_size(x, penalty.dtype)
            return penalty

        return _in_loss_precision(for_keras, x)

    def _penalty(self, x):
        q = ops.clip(ops.mean(x, axis=0), _EPSILON, 1 - _EPSILON)
        return self.weight * ops.sum(_kl(self.target, q))

    def get_config(self):
        return {"weight": self.weight, "target": self.target}
