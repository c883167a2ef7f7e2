"""Reading Keras variables into NumPy: copies that raise no warnings, and views.

``keras.ops.convert_to_numpy(variable)`` calls ``np.array(variable)``, which
NumPy 2.4 answers with a ``DeprecationWarning`` (Keras's ``__array__`` takes
no ``copy`` argument): under ``-W error`` every fit raised. :func:`to_numpy`
copies through the backend's own ``numpy()`` instead.

:func:`current_value` is for the NumPy inference path, which needs the weights
on every call: under TensorFlow it reads the variable with one
``ReadVariableOp`` and returns a read-only NumPy view of that
read, without copying. TensorFlow never writes into a buffer that another
tensor still references (an update to the variable copies it first), so the
view keeps the values of the moment it was read, and each call sees the
current weights however they were changed (``fit``, ``set_weights``,
``assign``, a user's own Keras training): there is no cache to invalidate.
"""

import numpy as np

from .backend import uses_tensorflow

__all__ = ["current_value", "to_numpy"]


def to_numpy(variable):
    """A NumPy copy of a Keras variable's value."""
    return np.asarray(variable.numpy())


def current_value(variable):
    """The variable's current value as a NumPy array (a read-only view if possible)."""
    if uses_tensorflow():
        import tensorflow as tf

        value = variable.value
        handle = getattr(value, "handle", None)
        if handle is not None:
            read = tf.raw_ops.ReadVariableOp(resource=handle, dtype=value.dtype)
            # memoryview: a read-only view of the tensor's buffer, no copy.
            return np.asarray(memoryview(read))
    return to_numpy(variable)
