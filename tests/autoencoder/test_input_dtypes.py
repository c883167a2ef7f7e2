"""Output dtypes follow scikit-learn; values beyond float32's range are refused."""

import numpy as np
import pandas as pd
import pytest

from sk_sparse_ae import SparseAutoencoderTransformer
from tests.conftest import SMALL

N_FEATURES = 6


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(0).random((120, N_FEATURES))
    return SparseAutoencoderTransformer(
        **{**SMALL, "n_components": 3, "hidden_layer_sizes": ()},
        loss="squared_error",
    ).fit(X)


def _inputs():
    ints = np.arange(4 * N_FEATURES).reshape(4, N_FEATURES) % 2
    return {
        "float64": (ints.astype(np.float64), np.float64),
        "float32": (ints.astype(np.float32), np.float32),
        "float16": (ints.astype(np.float16), np.float64),
        "int64": (ints.astype(np.int64), np.float64),
        "int8": (ints.astype(np.int8), np.float64),
        "bool": (ints.astype(bool), np.float64),
        "list": (ints.tolist(), np.float64),
        "pandas Int64": (pd.DataFrame(ints).astype("Int64"), np.float64),
        "pandas Float64": (pd.DataFrame(ints).astype("Float64"), np.float64),
        "pandas float32": (pd.DataFrame(ints.astype(np.float32)), np.float32),
    }


@pytest.mark.parametrize("kind", list(_inputs()))
def test_output_dtype_is_float64_unless_the_input_is_float32(fitted, kind):
    X, expected_dtype = _inputs()[kind]
    codings = fitted.transform(X)
    assert codings.dtype == expected_dtype
    reference = fitted.transform(np.asarray(X, dtype=np.float64))
    np.testing.assert_allclose(codings, reference, rtol=1e-6)
    # inverse_transform takes the same rule for the codings it is given.
    assert fitted.inverse_transform(codings).dtype == expected_dtype
    assert fitted.inverse_transform(codings.astype(np.float16)).dtype == np.float64


def test_large_input_takes_the_same_dtype_rule(fitted):
    X = np.ones((300, N_FEATURES), dtype=np.int32)  # the Keras path (> 256 rows)
    assert fitted.transform(X).dtype == np.float64
    assert fitted.transform(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("value", [1e39, -1e39, 3.5e38, np.finfo(np.float64).max])
@pytest.mark.parametrize("method", ["transform", "score", "inverse_transform"])
def test_values_beyond_float32_range_are_refused(fitted, method, value):
    width = 3 if method == "inverse_transform" else N_FEATURES
    for n_rows in (1, 300):  # the NumPy and the Keras path
        X = np.zeros((n_rows, width))
        X[-1, 0] = value
        with pytest.raises(ValueError, match=r"beyond float32's range"):
            getattr(fitted, method)(X)


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_training_data_beyond_float32_range_is_refused(method):
    X = np.random.default_rng(0).random((50, N_FEATURES)) * 1e39
    sae = SparseAutoencoderTransformer(**SMALL, loss="squared_error")
    with pytest.raises(ValueError, match=r"beyond float32's range \[-3.40282e\+38"):
        getattr(sae, method)(X)
    assert not hasattr(sae, "model_")


def test_largest_float32_values_are_accepted(fitted):
    X = np.zeros((2, N_FEATURES))
    X[0, 0] = float(np.finfo(np.float32).max)
    X[1, 0] = -float(np.finfo(np.float32).max)
    codings = fitted.transform(X)  # in range: accepted
    assert np.all((codings >= 0) & (codings <= 1))
