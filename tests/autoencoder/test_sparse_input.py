"""scipy.sparse input: the same model and codes as the same data dense."""

import numpy as np
import pytest
import scipy.sparse as sp

from sk_sparse_ae import SparseAutoencoderTransformer
from tests.conftest import SMALL

FORMATS = {
    "csr_matrix": sp.csr_matrix,
    "csc_matrix": sp.csc_matrix,
    "coo_matrix": sp.coo_matrix,
    "csr_array": sp.csr_array,
}


@pytest.fixture(scope="module")
def X(digits):
    """700 digits in [0, 1]: about half their values are zeros."""
    return digits[0][:700]


@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(sparsity="topk", k=4),  # centred: the column means of sparse X
        dict(sparsity="l1", early_stopping=True, n_iter_no_change=1),
        dict(loss="squared_error", optimizer="adam", learning_rate=0.01),
    ],
)
def test_sparse_training_gives_the_dense_model(X, params):
    params = {**SMALL, **params}
    dense = SparseAutoencoderTransformer(**params).fit(X)
    sparse = SparseAutoencoderTransformer(**params).fit(sp.csr_matrix(X))
    assert sparse.history_ == dense.history_
    for rows in (X[:10], X):  # NumPy path, Keras path
        np.testing.assert_array_equal(sparse.transform(rows), dense.transform(rows))
    assert sparse.loss_ == dense.loss_
    assert sparse.learning_rate_ == dense.learning_rate_

    dense.partial_fit(X[:300])
    sparse.partial_fit(sp.csr_matrix(X[:300]))
    np.testing.assert_array_equal(sparse.transform(X), dense.transform(X))


@pytest.mark.parametrize("make", FORMATS.values(), ids=FORMATS)
def test_every_method_takes_each_sparse_format(X, make):
    dense = SparseAutoencoderTransformer(**SMALL, sparsity="topk", k=4).fit(X)
    sparse = SparseAutoencoderTransformer(**SMALL, sparsity="topk", k=4).fit(make(X))
    X_sparse = make(X)
    codes = dense.transform(X)
    np.testing.assert_array_equal(sparse.transform(X_sparse), codes)
    np.testing.assert_array_equal(sparse.fit_transform(X_sparse), codes)
    assert sparse.score(X_sparse) == dense.score(X)
    np.testing.assert_array_equal(
        sparse.inverse_transform(sp.csr_matrix(codes)), dense.inverse_transform(codes)
    )


def test_float32_sparse_input_gives_float32_codes(X):
    X32 = sp.csr_matrix(X, dtype=np.float32)
    sae = SparseAutoencoderTransformer(**SMALL).fit(X32)
    assert sae.transform(X32).dtype == np.float32
    assert sae.transform(sp.csr_matrix(X)).dtype == np.float64


def test_the_callers_matrix_is_left_as_it_was(X):
    # Not canonical: unsorted indices and a duplicate entry (summed by scipy).
    rows, cols = np.nonzero(X[:50])
    values = X[:50][rows, cols]
    order = np.random.default_rng(0).permutation(len(values))
    rows, cols, values = rows[order], cols[order], values[order]
    duplicated = sp.coo_matrix(
        (
            np.r_[values, 0.25],
            (np.r_[rows, rows[0]], np.r_[cols, cols[0]]),
        ),
        shape=(50, X.shape[1]),
    ).tocsr(copy=True)
    duplicated.has_canonical_format = False  # as tocsr may leave it
    before = [duplicated.data.copy(), duplicated.indices.copy()]
    expected = X[:50].copy()
    expected[rows[0], cols[0]] += 0.25

    SparseAutoencoderTransformer(**{**SMALL, "loss": "squared_error"}).fit(duplicated)
    np.testing.assert_array_equal(duplicated.data, before[0])
    np.testing.assert_array_equal(duplicated.indices, before[1])
    a = SparseAutoencoderTransformer(**{**SMALL, "loss": "squared_error"})
    b = SparseAutoencoderTransformer(**{**SMALL, "loss": "squared_error"})
    np.testing.assert_array_equal(
        a.fit(duplicated).transform(expected), b.fit(expected).transform(expected)
    )


def test_cross_entropy_range_and_auto_loss_see_the_implicit_zeros(X):
    shifted = sp.csr_matrix(X * 3.0)  # values up to 3: outside [0, 1]
    sae = SparseAutoencoderTransformer(**SMALL).fit(shifted)
    assert sae.loss_ == "squared_error"
    dense = SparseAutoencoderTransformer(**SMALL).fit(X * 3.0)
    assert sae.learning_rate_ == dense.learning_rate_  # from the mean square
    with pytest.raises(ValueError, match=r"values in \[0, 3"):
        SparseAutoencoderTransformer(**SMALL, loss="binary_crossentropy").fit(shifted)


def test_sparse_output_from_sparse_input(X):
    params = dict(SMALL, sparsity="topk", k=4, sparse_output=True)
    dense = SparseAutoencoderTransformer(**params).fit(X)
    sparse = SparseAutoencoderTransformer(**params).fit(sp.csr_matrix(X))
    codes = sparse.transform(sp.csr_matrix(X))
    assert sp.issparse(codes)
    np.testing.assert_array_equal(codes.toarray(), dense.transform(X).toarray())
