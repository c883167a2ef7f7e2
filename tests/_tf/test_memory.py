"""The training data's one float32 copy, shared with TensorFlow."""

import numpy as np
import pytest

from sk_sparse_ae._tf.memory import as_tf_variable, float32_copy


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("order", ["C", "F"])
def test_float32_copy_is_aligned_and_equal(dtype, order):
    X = np.asarray(np.random.default_rng(0).random((37, 11)), dtype=dtype, order=order)
    copy = float32_copy(X)
    assert copy.dtype == np.float32 and copy.flags.c_contiguous
    assert copy.ctypes.data % 64 == 0
    np.testing.assert_array_equal(copy, X.astype(np.float32))
    assert not np.shares_memory(copy, X)


def test_variable_shares_the_aligned_copy():
    X = float32_copy(np.random.default_rng(0).random((50, 8)))
    variable = as_tf_variable(X)
    # In host memory also on a GPU machine, where TensorFlow would default
    # to the GPU (and copy).
    assert variable.device.endswith("/device:CPU:0")
    np.testing.assert_array_equal(variable.numpy(), X)
    X[3, 4] = 42.0  # visible through the variable: the memory is shared
    assert variable.numpy()[3, 4] == 42.0


def test_unaligned_or_strided_input_is_copied():
    X = float32_copy(np.random.default_rng(0).random((50, 9)))
    for view in (X[1:], X[:, ::2]):  # 36-byte offset; not C-contiguous
        variable = as_tf_variable(view)
        np.testing.assert_array_equal(variable.numpy(), view)
        view[0, 0] = -1.0
        assert variable.numpy()[0, 0] != -1.0
