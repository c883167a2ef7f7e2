"""Our calls make no library warn: the estimator under ``-W error::DeprecationWarning``.

The project's pytest configuration ignores DeprecationWarnings raised inside
TensorFlow and Keras, which hid that our own calls made Keras warn (reading a
variable with ``keras.ops.convert_to_numpy`` calls ``np.array(variable)``,
deprecated by NumPy 2.4): under ``-W error``, common in CI, every ``fit``
raised. The mark below takes precedence over that configuration, so any
DeprecationWarning during these calls, whoever raises it, fails the test.
"""

import warnings

import numpy as np
import pytest

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer
from tests.conftest import SMALL

pytestmark = pytest.mark.filterwarnings(
    "error::DeprecationWarning", "error::PendingDeprecationWarning"
)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sparsity": "l1", "early_stopping": True, "n_iter_no_change": 1},
        {"sparsity": "topk", "k": 4, "optimizer": "adam"},
        {"sparsity": None, "loss": "squared_error"},
    ],
)
def test_estimator_methods_raise_no_deprecation_warning(digits_small, params):
    X = digits_small[0]
    sae = SparseAutoencoderTransformer(**{**SMALL, **params}).fit(X)
    sae.fit(X)  # again: the pooled model
    for rows in (X[:5], X):  # the NumPy and the Keras path
        codings = sae.transform(rows)
        sae.inverse_transform(codings)
        sae.score(rows)
    sae.partial_fit(X[:100])
    sae.set_params(learning_rate=0.5, sparsity_weight=0.01).partial_fit(X[:100])
    fresh = SparseAutoencoderTransformer(**{**SMALL, **params}).partial_fit(X[:100])
    fresh.partial_fit(X[100:200])


def test_load_raises_no_deprecation_warning(digits_small, tmp_path):
    X = digits_small[0]
    sae = SparseAutoencoderTransformer(**SMALL).fit(X)
    with warnings.catch_warnings():
        # Keras 3.15's own saving code reads variables with np.array(variable).
        warnings.simplefilter("ignore", DeprecationWarning)
        sae.save(tmp_path / "sae.skae")
    loaded = sk_sparse_ae.load(tmp_path / "sae.skae")
    np.testing.assert_array_equal(loaded.transform(X[:5]), sae.transform(X[:5]))
    loaded.partial_fit(X)
