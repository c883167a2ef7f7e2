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
    "mean_square",
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


# Rows per step of a dense mean square: bounds the temporary memory.
_CHUNK_ROWS = 8192


def mean_square(X, center=None):
    """The mean of ``(X - center) ** 2`` over every value, in float64; the
    implicit zeros of a sparse X count, as a dense X's zeros do."""
    n_values = max(X.shape[0] * X.shape[1], 1)
    if scipy.sparse.issparse(X):
        total = np.square(X.data, dtype=np.float64).sum()
        if center is not None:
            # sum((x - c)^2) = sum(x^2) - 2 c . colsum(x) + n |c|^2.
            column_sums = np.asarray(X.sum(axis=0, dtype=np.float64)).ravel()
            total += X.shape[0] * center @ center - 2 * center @ column_sums
        return float(total) / n_values
    total = sum(
        np.square(
            X[start : start + _CHUNK_ROWS]
            if center is None
            else X[start : start + _CHUNK_ROWS] - center,
            dtype=np.float64,
        ).sum()
        for start in range(0, X.shape[0], _CHUNK_ROWS)
    )
    return float(total) / n_values


def loss_scale_of(X, center, loss):
    """What the features model's loss is multiplied by: ``1 / variance`` of X
    about ``center`` under squared error (the loss becomes the fraction of
    variance unexplained), else 1. ``center`` is None for the book's models."""
    if center is None or loss != "squared_error":
        return 1.0
    variance = mean_square(X, center)
    return 1.0 / variance if np.isfinite(variance) and variance > 0 else 1.0
