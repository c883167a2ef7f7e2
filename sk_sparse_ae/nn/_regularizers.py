"""Sparsity penalties on the coding layer, as serializable Keras regularizers.

Both follow Keras's activity-regularizer contract: Keras divides the value a
layer's activity regularizer returns by the batch size before adding it to the
loss (``keras.layers.Layer.__call__``). A regularizer therefore returns a *sum
over the batch*, and the penalty that reaches the loss is a per-sample mean.
"""

import numbers

import keras
from keras import ops

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


def _kl(p, q):
    """Bernoulli KL divergence ``KL(p || q)``, elementwise."""
    return p * ops.log(p / q) + (1 - p) * ops.log((1 - p) / (1 - q))


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class L1Sparsity(keras.regularizers.Regularizer):
    """L1 activity penalty: ``l1 * sum(|codings|)`` per sample.

    Returns ``l1 * sum(|x|)`` over the whole batch; after Keras divides by the
    batch size the loss gains ``l1 * sum(|codings|)`` averaged over the
    samples, which is what ``keras.layers.ActivityRegularization(l1=l1)``
    adds (the book's sparse autoencoder uses ``l1=1e-3``).

    Parameters
    ----------
    l1 : float, default=1e-3
        Weight of the penalty, ``>= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.nn._regularizers import L1Sparsity
    >>> reg = L1Sparsity(l1=0.5)
    >>> round(float(reg(np.array([[0.2, -0.4], [0.0, 1.0]], dtype="float32"))), 6)
    0.8
    """

    def __init__(self, l1=1e-3):
        self.l1 = _check_non_negative("l1", l1)

    def __call__(self, x):
        return _in_loss_precision(lambda x: self.l1 * ops.sum(ops.abs(x)), x)

    def get_config(self):
        return {"l1": self.l1}


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class KLDivergenceSparsity(keras.regularizers.Regularizer):
    """KL-divergence sparsity penalty on the batch-mean activation of each unit.

    With ``q`` the mean activation of each coding unit over the batch and ``p``
    the target, the penalty added to the loss is::

        weight * sum_units [KL(p || q) + KL(1 - p || 1 - q)]

    where ``KL(a || b) = a log(a / b) + (1 - a) log((1 - a) / (1 - b))``, as in
    Géron's *Hands-On Machine Learning*, chapter 17. ``q`` is clipped to
    ``[1e-7, 1 - 1e-7]`` so that the penalty stays finite for saturated units.

    The penalty is a statistic of the batch, not a sum over samples, so this
    regularizer returns it multiplied by the batch size: Keras's division by
    the batch size then leaves exactly ``weight * sum_units [...]`` in the
    loss, whatever the batch size. (A plain regularizer that returns the
    penalty unscaled, as the book's does, is weakened ``batch_size``-fold:
    the book's ``weight=0.05`` at batch 32 equals ``weight=0.05 / 32`` here.)

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
    >>> abs(float(reg(codings))) < 1e-6
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

    def __call__(self, x):
        return _in_loss_precision(self._penalty_times_batch_size, x)

    def _penalty_times_batch_size(self, x):
        q = ops.clip(ops.mean(x, axis=0), _EPSILON, 1 - _EPSILON)
        p = self.target
        penalty = self.weight * ops.sum(_kl(p, q) + _kl(1 - p, 1 - q))
        batch_size = ops.cast(ops.shape(x)[0], penalty.dtype)
        return penalty * batch_size

    def get_config(self):
        return {"weight": self.weight, "target": self.target}
