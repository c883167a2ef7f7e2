"""Which entries of each row TopK keeps: the ``k`` largest, ties by position.

On the CPU, TensorFlow's ``top_k`` kernel (a sort, O(n log k) per row) is the
slowest part of a wide TopK model's training step, where NumPy's introselect
(``np.partition``, O(n) per row) finds each row's k-th largest value several
times faster (``doc/modules/features.md``). So under TensorFlow without a GPU
the keep-mask is computed in NumPy
(``tf.numpy_function``, inside the traced step); elsewhere (a GPU, where
``top_k`` is fast and data should stay on the device; a function compiled
with XLA, which cannot run NumPy; JAX; torch) with ``keras.ops``. Both give
the same mask, so the choice never changes results. The mask is a constant
for the gradient either way.
"""

import numpy as np
from keras import ops

from .._compat import in_xla_compilation
from .._tf.backend import uses_tensorflow

__all__ = ["numpy_top_k_mask", "top_k_mask"]


def numpy_top_k_mask(x, k):
    """Boolean mask of each row's ``k`` largest entries of 2-D ``x``.

    Exactly ``k`` per row: among entries tied at the k-th largest value, the
    first ones (lowest column) are kept.
    """
    n = x.shape[-1]
    kth = np.partition(x, n - k, axis=-1)[:, n - k : n - k + 1]
    keep = x >= kth
    # Rows with more than k entries at or above their k-th largest value have
    # ties at it (rare with float data); only those pay for the tie-break.
    (tied_rows,) = np.nonzero(np.count_nonzero(keep, axis=-1) != k)
    if tied_rows.size:
        rows, kth_rows = x[tied_rows], kth[tied_rows]
        above, tied = rows > kth_rows, rows == kth_rows
        n_above = above.sum(axis=-1, keepdims=True)
        keep[tied_rows] = above | (tied & (np.cumsum(tied, axis=-1) <= k - n_above))
    return keep


def top_k_mask(inputs, k):
    """:func:`numpy_top_k_mask` of a backend tensor, as a backend bool tensor."""
    if _select_in_numpy():
        import tensorflow as tf

        keep = tf.numpy_function(
            lambda x: numpy_top_k_mask(x, k), [inputs], tf.bool, stateful=False
        )
        keep.set_shape(inputs.shape)
        return keep
    # The k-th largest value of each row; entries equal to it are kept in
    # order of position until the row has k.
    kth = ops.min(ops.top_k(inputs, k, sorted=False)[0], axis=-1)
    kth = ops.stop_gradient(ops.expand_dims(kth, -1))
    above = ops.greater(inputs, kth)
    tied = ops.equal(inputs, kth)
    n_above = ops.sum(ops.cast(above, "int32"), axis=-1, keepdims=True)
    tie_rank = ops.cumsum(ops.cast(tied, "int32"), axis=-1)
    return ops.logical_or(
        above, ops.logical_and(tied, ops.less_equal(tie_rank, k - n_above))
    )


def _select_in_numpy():
    if not uses_tensorflow() or in_xla_compilation():
        return False
    import tensorflow as tf

    return not tf.config.list_logical_devices("GPU")
