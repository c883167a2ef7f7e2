"""Inference of a fitted stack of Dense layers in NumPy, without Keras.

Calling a Keras model costs about a millisecond of framework overhead per call
whatever the input size; the encoder's arithmetic on one row takes
microseconds. For the plain float32 ``Dense`` stacks that
:func:`~sk_sparse_ae.nn._builder.build_autoencoder` makes, :func:`dense_stack` reads
the current weights and :func:`forward` computes the same function in float32
NumPy, equal to Keras's output to within float32 rounding. Any layer this
module does not reproduce exactly (a subclass of ``Dense``, another layer
type, LoRA, quantization, a non-float32 dtype policy, an unknown activation)
makes :func:`dense_stack` return ``None``, and the caller runs Keras instead.

:func:`dense_stack` reads the weights on every call, without copying them
(``_variables.current_value``), so it always sees the current weights
whatever changed them. :func:`forward` runs BLAS on one thread
(``_blas_threads``): these products take well under a millisecond on one
core, and a multi-threaded BLAS on a busy machine can stall them a
hundredfold.
"""

import keras
import numpy as np
from scipy.special import erf, expit

from .._tf.variables import current_value
from ..nn._options import flat_layers
from ._blas_threads import single_blas_thread

__all__ = ["dense_stack", "forward"]

_SELU_ALPHA = np.float32(1.6732632423543772)
_SELU_SCALE = np.float32(1.0507009873554805)


def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def _selu(z):
    # scale * (max(z, 0) + alpha * expm1(min(z, 0))), in place: one of the
    # two terms is exactly 0, so this rounds as scale * where(z > 0, ...).
    negative = np.minimum(z, 0)
    np.expm1(negative, out=negative)
    negative *= _SELU_ALPHA
    np.maximum(z, 0, out=z)
    z += negative
    z *= _SELU_SCALE
    return z


def _gelu(z):
    # Keras's "gelu" is the exact form, x * Phi(x), not the tanh approximation.
    return z * (np.float32(0.5) * (np.float32(1) + erf(z / np.float32(np.sqrt(2)))))


# Keyed by the function object Keras stores in ``Dense.activation``.
_ACTIVATIONS = {
    keras.activations.get("linear"): lambda z: z,
    keras.activations.get("relu"): lambda z: np.maximum(z, 0),
    keras.activations.get("sigmoid"): expit,
    keras.activations.get("tanh"): np.tanh,
    keras.activations.get("elu"): _elu,
    keras.activations.get("selu"): _selu,
    keras.activations.get("gelu"): _gelu,
    keras.activations.get("swish"): lambda z: z * expit(z),
}


def _is_plain_dense(layer):
    return (
        type(layer) is keras.layers.Dense
        and layer.use_bias
        and not layer.lora_enabled
        and layer.quantization_mode is None
        and layer.dtype_policy.name == "float32"
        and layer.activation in _ACTIVATIONS
    )


def dense_stack(model):
    """The current weights of a Sequential stack of plain float32 Dense layers.

    Parameters
    ----------
    model : keras.Sequential
        A model whose layers (nested Sequential models included) are all
        ``keras.layers.Dense`` with a bias and a supported activation.

    Returns
    -------
    stack : list of (kernel, bias, activation) or None
        Each layer's current float32 weights as read-only NumPy arrays (views
        of one read of each variable, which later updates do not change) and
        a NumPy activation, or ``None`` when some layer cannot be reproduced
        exactly in NumPy.

    Examples
    --------
    >>> import keras, numpy as np
    >>> from sk_sparse_ae.autoencoder._numpy_forward import dense_stack, forward
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, "tanh")])
    >>> X = np.ones((4, 3), dtype="float32")
    >>> np.allclose(forward(dense_stack(model), X), model(X), atol=1e-6)
    True
    """
    layers = list(flat_layers(model))
    if not layers or not all(_is_plain_dense(layer) for layer in layers):
        return None
    return [
        (
            current_value(layer.kernel),
            current_value(layer.bias),
            _ACTIVATIONS[layer.activation],
        )
        for layer in layers
    ]


def forward(stack, X):
    """Run a :func:`dense_stack` on float32 X; return a float32 ndarray."""
    out = X
    with single_blas_thread():
        for kernel, bias, activation in stack:
            out = out @ kernel
            out += bias  # in place: out is a new array, never X
            out = activation(out)
    return np.asarray(out, dtype=np.float32)
