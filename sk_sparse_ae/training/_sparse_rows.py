"""Sparse training data: a CSR matrix kept sparse, each batch densified alone.

A TF-IDF matrix of 100,000 documents by 50,000 terms is 20 GB dense and
about 100 MB sparse. Training never holds more of it dense than one batch:
the matrix goes to TensorFlow as two ragged tensors (the column indices and
the values of each row, sharing the CSR row pointers), a batch's rows are
gathered from them and scattered into a dense ``(batch, n_features)`` block,
which the model trains on as it would on dense rows. The same rows in the
same order give the same batches as the dense data, so the same model to
float32 rounding.
"""

import numpy as np
import tensorflow as tf

__all__ = ["SparseRows", "ordered_batches"]


class SparseRows:
    """The rows of a CSR matrix, gathered into dense float32 batches.

    Parameters
    ----------
    X : scipy.sparse CSR matrix or array of shape (n_samples, n_features)
        Canonical (sorted indices, no duplicates) and float32: see
        :func:`sk_sparse_ae.autoencoder._sparse_input.float32_work_copy`.
    """

    def __init__(self, X):
        row_splits = X.indptr.astype(np.int64)
        self.n_samples, self.n_features = X.shape
        self._columns = tf.RaggedTensor.from_row_splits(
            X.indices.astype(np.int64), row_splits, validate=False
        )
        self._values = tf.RaggedTensor.from_row_splits(
            np.asarray(X.data, dtype=np.float32), row_splits, validate=False
        )

    def __len__(self):
        return self.n_samples

    def gather(self, indices):
        """The rows at ``indices`` (int64), dense: ``(len(indices), n_features)``."""
        columns = tf.gather(self._columns, indices)
        values = tf.gather(self._values, indices)
        positions = tf.stack([columns.value_rowids(), columns.flat_values], axis=1)
        shape = tf.stack(
            [
                tf.size(indices, out_type=tf.int64),
                tf.constant(self.n_features, tf.int64),
            ]
        )
        return tf.scatter_nd(positions, values.flat_values, shape)


def ordered_batches(rows, batch_size):
    """``(x, x)`` batches of ``rows`` (:class:`SparseRows`) in order, dense.

    As Keras batches an array without shuffling: ``batch_size`` rows at a
    time, the last batch smaller.
    """
    n_samples = len(rows)

    def batch(step):
        start = step * batch_size
        stop = tf.minimum(start + batch_size, n_samples)
        dense = rows.gather(tf.range(start, stop, dtype=tf.int64))
        return dense, dense

    options = tf.data.Options()
    options.autotune.enabled = False
    return (
        tf.data.Dataset.range(-(-n_samples // batch_size))
        .map(batch)
        .with_options(options)
    )
