"""Running a fitted encoder or decoder: in chunks, or in NumPy for a few rows.

Up to ``NUMPY_MAX_ROWS`` rows, a plain Dense stack runs in NumPy
(``_numpy_forward``): a Keras call costs a fixed framework overhead that
dwarfs the arithmetic on a few rows, and past a few hundred rows Keras's
kernels win (``benchmarks/bench_transform.py``). Larger inputs run through
Keras in chunks of ``PREDICT_CHUNK`` rows, which bounds peak memory, each
chunk densified and cast to float32 on its own.
"""

import keras
import numpy as np
import scipy.sparse

from ._numpy_forward import dense_stack, forward

__all__ = [
    "NUMPY_MAX_ROWS",
    "PREDICT_CHUNK",
    "float32_dense",
    "run_in_chunks",
    "run_in_chunks_sparse",
]

# Rows per call when running a fitted encoder or decoder; bounds peak memory.
PREDICT_CHUNK = 8192
NUMPY_MAX_ROWS = 256


def run_in_chunks(model, X, dtype=np.float32):
    """Run a Keras model on X in float32 chunks; return an ndarray of ``dtype``.

    Each chunk's output goes straight into the result, so no float32 copy of
    the whole output is made on the way to a float64 result.
    """
    if 0 < X.shape[0] <= NUMPY_MAX_ROWS:
        stack = dense_stack(model)
        if stack is not None:
            return forward(stack, float32_dense(X)).astype(dtype, copy=False)
    out = np.empty((X.shape[0], model.output_shape[-1]), dtype=dtype)
    for start in range(0, X.shape[0], PREDICT_CHUNK):
        chunk = float32_dense(X[start : start + PREDICT_CHUNK])
        out[start : start + PREDICT_CHUNK] = keras.ops.convert_to_numpy(
            model(chunk, training=False)
        )
    return out


def run_in_chunks_sparse(model, X, dtype):
    """``run_in_chunks`` as a CSR matrix, built chunk by chunk, so that the
    dense output of the whole of X is never held."""
    chunks = [
        scipy.sparse.csr_matrix(
            run_in_chunks(model, X[start : start + PREDICT_CHUNK], dtype)
        )
        for start in range(0, X.shape[0], PREDICT_CHUNK)
    ]
    if not chunks:
        return scipy.sparse.csr_matrix((0, model.output_shape[-1]), dtype=dtype)
    return scipy.sparse.vstack(chunks, format="csr")


def float32_dense(X):
    """X (a chunk: ndarray or sparse) as a dense float32 ndarray."""
    if scipy.sparse.issparse(X):
        return X.toarray().astype(np.float32, copy=False)
    return X.astype(np.float32, copy=False)
