"""Dense and sparse training data through the same steps of ``fit``.

Each step takes an ndarray or a scipy.sparse CSR matrix (what
``validate_data(accept_sparse="csr")`` returns for every sparse format) and
gives the same result for the same values: the same float32 working copy
(sparse stays sparse), the same shuffle, the same column means.
"""

import numpy as np
import scipy.sparse

from .._tf.memory import float32_copy

__all__ = [
    "center_of",
    "float32_work_copy",
    "loss_scale_of",
    "n_rows",
    "shuffle_rows",
]


def float32_work_copy(X):
    """The one float32 copy of X that training reads.

    Dense: C-contiguous and aligned (:func:`~sk_sparse_ae._tf.memory.float32_copy`).
    Sparse: a CSR matrix in canonical form (sorted indices, duplicates
    summed), never densified; the caller's matrix is left as it was.
    """
    if not scipy.sparse.issparse(X):
        return float32_copy(X)
    X = scipy.sparse.csr_matrix(X, dtype=np.float32, copy=True)
    X.sum_duplicates()  # also sorts the indices
    return X


def shuffle_rows(X, rng):
    """X's rows in the order ``rng.shuffle`` gives: in place for an ndarray,
    a reordered copy for a sparse matrix (the same order either way)."""
    if not scipy.sparse.issparse(X):
        rng.shuffle(X)
        return X
    order = np.arange(X.shape[0])
    rng.shuffle(order)
    return X[order]


def center_of(X):
    """The mean of each column of X, accumulated in float64."""
    if scipy.sparse.issparse(X):
        # Rows added in order in float64, as NumPy adds a dense X's rows:
        # the same means to the last bit (X.mean rounds through float32).
        return (X.T @ np.ones(X.shape[0])) / X.shape[0]
    return X.mean(axis=0, dtype=np.float64)


def n_rows(X):
    """The number of rows of an ndarray or a sparse matrix (whose ``len``
    is ambiguous)."""
    return X.shape[0]


_CHUNK_ROWS = 4096


def loss_scale_of(X, center, loss):
    """What the features model's loss is multiplied by: ``1 / variance`` of X
    about ``center`` under squared error (the loss becomes the fraction of
    variance unexplained), else 1. ``center`` is None for the book's models."""
    if center is None or loss != "squared_error":
        return 1.0
    n_values = X.shape[0] * X.shape[1]
    if scipy.sparse.issparse(X):
        # sum((x - c)^2) = sum(x^2) - 2 c . colsum(x) + n |c|^2, zeros included.
        column_sums = np.asarray(X.sum(axis=0, dtype=np.float64)).ravel()
        total = (
            np.square(X.data, dtype=np.float64).sum()
            - 2 * center @ column_sums
            + X.shape[0] * center @ center
        )
    else:
        total = sum(
            np.square(X[start : start + _CHUNK_ROWS] - center, dtype=np.float64).sum()
            for start in range(0, X.shape[0], _CHUNK_ROWS)
        )
    variance = float(total) / max(n_values, 1)
    return 1.0 / variance if np.isfinite(variance) and variance > 0 else 1.0
