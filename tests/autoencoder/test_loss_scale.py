"""The features model trains on the fraction of variance unexplained."""

import keras
import numpy as np
import pytest
import scipy.sparse as sp

from sk_sparse_ae import SparseAutoencoderTransformer
from tests.conftest import SMALL

TOPK = dict(SMALL, sparsity="topk", k=4)


def _variance_about_mean(X):
    X = np.asarray(X, dtype=np.float32).astype(np.float64)
    return np.mean((X - X.mean(axis=0)) ** 2)


@pytest.mark.parametrize("convert", [np.asarray, sp.csr_matrix], ids=["dense", "csr"])
def test_loss_scale_is_one_over_the_training_variance(digits, convert):
    X = digits[0][:500] * 0.01  # small values, as TF-IDF's
    sae = SparseAutoencoderTransformer(**TOPK, loss="squared_error").fit(convert(X))
    scale = float(keras.ops.convert_to_numpy(sae.model_.loss_scale))
    np.testing.assert_allclose(scale, 1 / _variance_about_mean(X), rtol=1e-5)


def test_the_reported_loss_is_the_fraction_of_variance_unexplained(digits):
    X = np.asarray(digits[0][:500], dtype=np.float32)
    sae = SparseAutoencoderTransformer(
        **TOPK, loss="squared_error", auxk_weight=0.0
    ).fit(X)
    reconstruction = sae.inverse_transform(sae.transform(X))
    fvu = np.mean((X - reconstruction) ** 2) / _variance_about_mean(X)
    reported = sae.model_.evaluate(X, X, batch_size=500, verbose=0)
    np.testing.assert_allclose(reported, fvu, rtol=1e-4)
    assert -sae.score(X) == pytest.approx(np.mean((X - reconstruction) ** 2), rel=1e-4)


@pytest.mark.parametrize("loss", ["binary_crossentropy"])
def test_other_losses_are_not_scaled(digits, loss):
    sae = SparseAutoencoderTransformer(**TOPK, loss=loss).fit(digits[0][:300])
    assert float(keras.ops.convert_to_numpy(sae.model_.loss_scale)) == 1.0
    book = SparseAutoencoderTransformer(**SMALL).fit(digits[0][:300])
    assert not hasattr(book.model_, "loss_scale")
