"""Files written by earlier versions of the library load and behave as they did.

``data/format1_*.skae`` were written by the code of format version 1 (commit
a7569ce) from the first 600 digits (``MinMaxScaler``), two epochs, seed 0;
``data/format1_*_codes.npy`` hold their ``transform`` of the first 20 digits.
They were written with Keras 3.15.1, which older Keras versions cannot read
(``test_a_newer_keras_is_named`` checks the message they get).
"""

from pathlib import Path

import keras
import numpy as np
import pytest

import sk_sparse_ae

DATA = Path(__file__).parent / "data"
# Keras reads .keras files of its own and older versions only.
WRITTEN_WITH_KERAS = (3, 15, 1)
needs_keras_of_the_files = pytest.mark.skipif(
    tuple(int(n) for n in keras.__version__.split(".")[:3]) < WRITTEN_WITH_KERAS,
    reason="the files were written with Keras 3.15.1, newer than the installed one",
)


@needs_keras_of_the_files
@pytest.mark.parametrize("name", ["kl", "l1", "none", "topk"])
def test_format_1_files_load_and_give_the_same_codes(name, digits):
    X = digits[0][:20].astype(np.float32)
    loaded = sk_sparse_ae.load(DATA / f"format1_{name}.skae")
    expected = np.load(DATA / f"format1_{name}_codes.npy")
    np.testing.assert_array_equal(loaded.transform(X), expected)


@needs_keras_of_the_files
def test_format_1_kl_files_train_with_the_penalty_they_were_saved_with(digits):
    # Format 1's KL penalty was twice the book's formula, weight 1e-3: the
    # loaded model must add 1e-3 * 2 * sum_units KL(p || q), as it did.
    X = digits[0][:64].astype(np.float32)
    loaded = sk_sparse_ae.load(DATA / "format1_kl.skae")
    assert loaded.sparsity_weight == loaded.sparsity_weight_ == 2e-3
    codings = loaded.transform(X)
    q = np.clip(codings.astype(np.float64).mean(axis=0), 1e-7, 1 - 1e-7)
    kl = 0.1 * np.log(0.1 / q) + 0.9 * np.log(0.9 / (1 - q))
    X_hat = np.clip(loaded.inverse_transform(codings).astype(np.float64), 1e-7, 1)
    bce = -np.mean(X * np.log(X_hat) + (1 - X) * np.log(1 - X_hat))
    total = loaded.model_.evaluate(X, X, batch_size=64, verbose=0)
    assert total - bce == pytest.approx(1e-3 * 2 * kl.sum(), rel=1e-3)


@pytest.mark.skipif(
    tuple(int(n) for n in keras.__version__.split(".")[:3]) >= WRITTEN_WITH_KERAS,
    reason="only an older Keras than the files' fails to read them",
)
def test_a_newer_keras_is_named():
    with pytest.raises(ValueError, match=r"written with Keras 3\.15\.1, newer than"):
        sk_sparse_ae.load(DATA / "format1_kl.skae")


@needs_keras_of_the_files
def test_format_1_topk_files_keep_their_unscaled_loss():
    # Written before the features model's loss became the fraction of
    # variance unexplained: the loaded model trains on its plain loss.
    loaded = sk_sparse_ae.load(DATA / "format1_topk.skae")
    assert float(keras.ops.convert_to_numpy(loaded.model_.loss_scale)) == 1.0
