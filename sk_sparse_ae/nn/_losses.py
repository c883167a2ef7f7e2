"""Binary cross-entropy of a sigmoid output in fewer TensorFlow ops.

Keras computes the binary cross-entropy of a sigmoid layer's output from its
logits ``z`` (the output tensor carries them), with TensorFlow's
``sigmoid_cross_entropy_with_logits``: ``relu(z) - z * y + log1p(exp(-|z|))``,
about ten elementwise ops whose gradients add as many again, each a pass over
the ``(batch, n_features)`` output, which on the book's model cost more than
its matrix products. :class:`SigmoidCrossEntropy` computes the same value as
``softplus(z) - z * y``, which TensorFlow differentiates in about half as many
ops (the saving is measured in ``doc/modules/performance.md``).
``softplus(z) = relu(z) + log1p(exp(-|z|))`` exactly, so the two differ only
in float32 rounding. Without the logits (another backend, a dtype cast
between the layer and the loss) it is Keras's own binary cross-entropy.
"""

import keras
from keras import ops

from .._compat import keras_sigmoid_logits

__all__ = ["SigmoidCrossEntropy"]


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class SigmoidCrossEntropy(keras.losses.Loss):
    """Binary cross-entropy, mean over features, of a sigmoid layer's output.

    The same loss as Keras's ``"binary_crossentropy"`` (the mean over the
    last axis of each sample's cross-entropy, then Keras's reduction), in
    fewer ops when ``y_pred`` comes from a sigmoid activation under
    TensorFlow.

    Parameters
    ----------
    name : str, default="binary_crossentropy"
        The loss's name, as Keras reports it.
    **kwargs
        Passed to :class:`keras.losses.Loss` (``reduction``, ``dtype``).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.nn import SigmoidCrossEntropy
    >>> y = np.array([[0.0, 1.0]], dtype="float32")
    >>> p = np.array([[0.2, 0.9]], dtype="float32")
    >>> bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    >>> bool(np.isclose(float(SigmoidCrossEntropy()(y, p)), bce))
    True
    """

    def __init__(self, name="binary_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        logits = keras_sigmoid_logits(y_pred)
        if logits is None:
            return keras.losses.binary_crossentropy(y_true, y_pred)
        y_true = ops.cast(y_true, logits.dtype)
        return ops.mean(ops.softplus(logits) - logits * y_true, axis=-1)


def make_loss(name):
    """The loss the estimator compiles for a Keras loss name (``KERAS_LOSSES``)."""
    if name == "binary_crossentropy":
        return SigmoidCrossEntropy()
    return name
