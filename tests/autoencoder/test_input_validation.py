"""Messy input: a clear error naming the problem and the value, nothing lost."""

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae._compat import InvalidParameterError
from sk_sparse_ae.autoencoder._auto_settings import UNIT_INTERVAL_TOLERANCE

TINY = dict(n_components=3, hidden_layer_sizes=(4,), epochs=1, random_state=0)
METHODS = ["fit", "transform", "score", "inverse_transform"]
FAST = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).random((40, 5))


@pytest.fixture(scope="module")
def fitted(X):
    return SparseAutoencoderTransformer(**TINY).fit(X)


def call(fitted, method, data):
    if method == "fit":
        return SparseAutoencoderTransformer(**TINY).fit(data)
    return getattr(fitted, method)(data)


def width(method):
    """Columns a method expects: codings for inverse_transform, else 5."""
    return 3 if method == "inverse_transform" else 5


# --- numeric values --------------------------------------------------------------


@FAST
@given(
    method=st.sampled_from(METHODS),
    n_samples=st.integers(1, 30),
    where=st.floats(0, 1, exclude_max=True),
    bad=st.sampled_from([np.nan, np.inf, -np.inf]),
)
def test_non_finite_values_are_named_and_input_untouched(
    fitted, method, n_samples, where, bad
):
    data = np.random.default_rng(n_samples).random((n_samples, width(method)))
    data.flat[int(where * data.size)] = bad
    before = data.copy()
    with pytest.raises(ValueError, match=r"Input (X )?contains (NaN|infinity)"):
        call(fitted, method, data)
    np.testing.assert_array_equal(data, before)


@FAST
@given(
    low=st.floats(-1e6, 1, allow_nan=False),
    high=st.floats(0, 1e6, allow_nan=False),
)
def test_cross_entropy_fit_names_the_range_it_got(low, high):
    data = np.linspace(min(low, high), max(low, high), 20).reshape(4, 5)
    tolerance = UNIT_INTERVAL_TOLERANCE  # a MinMaxScaler's rounding
    in_unit_interval = data.min() >= -tolerance and data.max() <= 1 + tolerance
    if in_unit_interval:
        return  # only the out-of-range draws are errors
    before = data.copy()
    expected = f"got values in [{data.min():.6g}, {data.max():.6g}]"
    with pytest.raises(ValueError, match=re.escape(expected)):
        SparseAutoencoderTransformer(**TINY, loss="binary_crossentropy").fit(data)
    np.testing.assert_array_equal(data, before)


def test_score_and_transform_accept_values_outside_unit_interval(fitted, X):
    # Documented: only fit insists on [0, 1]; a scaler fitted on training
    # data gives test data slightly outside it. score is then the same
    # cross-entropy formula, with nothing clipped or rescaled in X.
    data = X * 3 - 1
    X_hat = np.clip(
        fitted.inverse_transform(fitted.transform(data)).astype(np.float64),
        1e-7,
        1 - 1e-7,
    )
    expected = np.mean(data * np.log(X_hat) + (1 - data) * np.log(1 - X_hat))
    np.testing.assert_allclose(fitted.score(data), expected, rtol=1e-5)


@pytest.mark.parametrize("name", ["sparsity_weight", "tol"])
@FAST
@given(value=st.one_of(st.floats(max_value=0, exclude_max=True), st.just(np.nan)))
def test_invalid_nonnegative_parameters_name_the_value(X, name, value):
    with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter .* Got "):
        SparseAutoencoderTransformer(**{**TINY, name: value}).fit(X)


@pytest.mark.parametrize("name", ["sparsity_target", "validation_fraction"])
@FAST
@given(
    value=st.one_of(
        st.floats(max_value=0),
        st.floats(min_value=1),
        st.just(np.nan),
    )
)
def test_invalid_fractions_name_the_value(X, name, value):
    message = rf"'{name}' parameter .* Got {re.escape(repr(value))} instead"
    with pytest.raises(InvalidParameterError, match=message):
        SparseAutoencoderTransformer(**{**TINY, name: value}).fit(X)


@pytest.mark.parametrize("name", ["n_components", "batch_size", "epochs"])
@FAST
@given(value=st.one_of(st.integers(max_value=0), st.floats(0.5, 100)))
def test_invalid_counts_name_the_value(X, name, value):
    message = rf"'{name}' parameter .* Got {re.escape(repr(value))} instead"
    with pytest.raises(InvalidParameterError, match=message):
        SparseAutoencoderTransformer(**{**TINY, name: value}).fit(X)


# --- shapes ------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "shape, match",
    [
        ((0, None), r"Found array with 0 sample\(s\) \(shape=\(0, \d\)\)"),
        ((4, 0), r"Found array with 0 feature\(s\) \(shape=\(4, 0\)\)"),
        ((5,), r"Expected 2D array, got 1D array"),
        ((2, None, 1), r"Found array with dim 3"),
        ((), r"Expected 2D array, got scalar array"),
    ],
)
def test_wrong_shapes(fitted, method, shape, match):
    shape = tuple(width(method) if n is None else n for n in shape)
    with pytest.raises(ValueError, match=match):
        call(fitted, method, np.zeros(shape))


@pytest.mark.parametrize("method", ["transform", "score"])
def test_wrong_width(fitted, method):
    with pytest.raises(ValueError, match=r"X has 4 features, but .* expecting 5"):
        getattr(fitted, method)(np.zeros((3, 4)))


def test_codings_of_wrong_width(fitted):
    with pytest.raises(ValueError, match=r"X has 5 features, but inverse_transform"):
        fitted.inverse_transform(np.zeros((3, 5)))


# --- types -------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda n: np.full((3, n), "a"), ValueError, r"could not convert string to "),
        (lambda n: np.full((3, n), "a", dtype=object), ValueError, r"to float: 'a'"),
        (lambda n: np.ones((3, n), dtype=complex), ValueError, r"Complex data not"),
        (
            lambda n: pd.DataFrame(
                {f"c{i}": [0.1, 0.2] if i else ["x", "y"] for i in range(n)}
            ),
            ValueError,
            r"could not convert string to float: 'x'",
        ),
    ],
    ids=["str", "object", "complex", "pandas_text_column"],
)
# `fitted` saw no feature names, so scikit-learn also warns about the frame's.
@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
def test_unsupported_types(fitted, method, make, error, match):
    with pytest.raises(error, match=match):
        call(fitted, method, make(width(method)))


def test_inverse_transform_takes_sparse_codes(fitted):
    codes = np.zeros((3, width("inverse_transform")))
    codes[0, 1], codes[2, 0] = 0.5, 2.0
    np.testing.assert_array_equal(
        fitted.inverse_transform(sp.csr_matrix(codes)), fitted.inverse_transform(codes)
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.filterwarnings("ignore:X has feature names:UserWarning")
def test_text_columns_are_named(fitted, method):
    last = f"c{width(method) - 1}"
    columns = {f"c{i}": [0.1, 0.2] for i in range(width(method))}
    columns["c0"], columns[last] = ["x", "y"], ["0.5", "z"]
    with pytest.raises(
        ValueError, match=rf"to float: .*column\(s\): \['c0', '{last}'\]"
    ):
        call(fitted, method, pd.DataFrame(columns))


# --- awkward but valid -------------------------------------------------------------


@pytest.mark.parametrize("n_samples", [1, 3])
def test_fewer_samples_than_batch_size(X, n_samples):
    sae = SparseAutoencoderTransformer(**{**TINY, "epochs": 2, "batch_size": 32})
    sae.fit(X[:n_samples])
    assert sae.n_iter_ == 2 and len(sae.history_["loss"]) == 2
    assert np.isfinite(sae.history_["loss"]).all()
    codings = sae.transform(X[:n_samples])
    assert codings.shape == (n_samples, 3) and np.isfinite(codings).all()


def test_constant_features(X):
    data = X.copy()
    data[:, 0], data[:, 3] = 0.0, 1.0
    sae = SparseAutoencoderTransformer(**TINY).fit(data)
    assert np.isfinite(sae.transform(data)).all()
    assert np.isfinite(sae.score(data))
    everything_constant = np.full((20, 5), 0.5)
    sae.fit(everything_constant)
    assert np.isfinite(sae.transform(everything_constant)).all()


# --- the caller's data and the earlier fit are never damaged -------------------------


@pytest.mark.parametrize(
    "convert",
    [
        lambda a: np.ascontiguousarray(a, dtype=np.float32),
        lambda a: np.asfortranarray(a),
        lambda a: pd.DataFrame(a),
    ],
    ids=["float32", "fortran", "pandas"],
)
def test_no_method_modifies_the_callers_data(X, convert):
    data = convert(X)
    before = data.copy()
    sae = SparseAutoencoderTransformer(**{**TINY, "epochs": 2}).fit(data)
    sae.transform(data)
    sae.score(data)
    codings = convert(sae.transform(data))
    codings_before = codings.copy()
    sae.inverse_transform(codings)
    np.testing.assert_array_equal(np.asarray(data), np.asarray(before))
    np.testing.assert_array_equal(np.asarray(codings), np.asarray(codings_before))


@pytest.mark.parametrize(
    "bad_data",
    [
        np.full((10, 7), 2.0),  # another width, and outside [0, 1]
        np.full((10, 7), np.nan),
        np.zeros((0, 7)),
    ],
    ids=["out_of_range", "nan", "empty"],
)
def test_failed_refit_keeps_the_earlier_fit(X, bad_data):
    sae = SparseAutoencoderTransformer(**TINY, loss="binary_crossentropy").fit(X)
    model, codings = sae.model_, sae.transform(X)
    state = {k: v for k, v in vars(sae).items()}
    with pytest.raises(ValueError):
        sae.fit(bad_data)
    assert vars(sae) == state  # the same objects, nothing half-updated
    assert sae.model_ is model and sae.n_features_in_ == 5
    np.testing.assert_array_equal(sae.transform(X), codings)
