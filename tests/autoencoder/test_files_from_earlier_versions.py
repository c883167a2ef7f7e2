"""Files written by earlier versions of the library load and behave as they did.

``data/format1_*.skae`` were written by the code of format version 1 (commit
a7569ce) from the first 600 digits (``MinMaxScaler``), two epochs, seed 0;
``data/format1_*_codes.npy`` hold their ``transform`` of the first 20 digits.
"""

from pathlib import Path

import numpy as np
import pytest

import sk_sparse_ae

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["kl", "l1", "none", "topk"])
def test_format_1_files_load_and_give_the_same_codes(name, digits):
    X = digits[0][:20].astype(np.float32)
    loaded = sk_sparse_ae.load(DATA / f"format1_{name}.skae")
    expected = np.load(DATA / f"format1_{name}_codes.npy")
    np.testing.assert_array_equal(loaded.transform(X), expected)
