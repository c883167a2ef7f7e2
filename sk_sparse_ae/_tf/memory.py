"""One float32 copy of the training data, shared by NumPy and TensorFlow.

``tf.convert_to_tensor`` copies a NumPy array (through a temporary, so the
peak is two more copies), and a ``tf.data`` function that captures a tensor
copies it once more into its graph: with the float32 copy that ``fit`` makes
anyway, training held three copies of the data. Here the float32 copy is
made at a 64-byte-aligned address, which lets TensorFlow take the same
memory through DLPack without copying, and it is wrapped in a
``tf.Variable``, which a ``tf.data`` function captures by handle
(``benchmarks/bench_memory.py`` measures the difference).
"""

import numpy as np
import tensorflow as tf

__all__ = ["as_tf_tensor", "as_tf_variable", "float32_copy"]

# The largest alignment TensorFlow's CPU kernels require (Eigen's AVX-512).
_ALIGNMENT = 64


def float32_copy(X):
    """A C-contiguous float32 copy of 2-D ``X``, 64-byte aligned.

    One allocation of the copy's size; values are cast while copying, with
    no temporary of the input's size.
    """
    n_bytes = X.shape[0] * X.shape[1] * 4
    buffer = np.empty(n_bytes + _ALIGNMENT, dtype=np.uint8)
    offset = -buffer.ctypes.data % _ALIGNMENT
    out = buffer[offset : offset + n_bytes].view(np.float32).reshape(X.shape)
    out[...] = X
    return out


def as_tf_tensor(X):
    """An eager tensor holding ``X`` (float32, 2-D), in host memory.

    If ``X`` is C-contiguous and 64-byte aligned (:func:`float32_copy`, or a
    slice of it starting at an aligned row), the tensor uses X's memory:
    nothing is copied, and X must not be modified while the tensor is in
    use. Otherwise ``X`` is copied once.

    The tensor is placed on the CPU also where a GPU is visible (where
    TensorFlow would place it on the GPU): the whole data set would take GPU
    memory, and DLPack shares host memory only. Each batch gathered from it
    is copied to the GPU.
    """
    aligned = X.ctypes.data % _ALIGNMENT == 0
    with tf.device("/CPU:0"):
        if X.flags.c_contiguous and X.flags.writeable and aligned:
            # DLPack hands TensorFlow the NumPy buffer (kept alive by the
            # capsule); TensorFlow aborts the process on a misaligned buffer,
            # hence the check above rather than a try/except.
            return tf.experimental.dlpack.from_dlpack(X.__dlpack__())
        return tf.convert_to_tensor(X)


def as_tf_variable(X):
    """A non-trainable ``tf.Variable`` holding ``X`` (float32, 2-D) in host
    memory, sharing its memory as :func:`as_tf_tensor` does; a ``tf.data``
    function captures a variable by handle, where it would copy a tensor
    into its graph (and cannot read a variable on the GPU)."""
    with tf.device("/CPU:0"):
        return tf.Variable(as_tf_tensor(X), trainable=False)
