"""Input arrays: scikit-learn's dtype rule, finite values, float32's range.

As in scikit-learn, float32 input stays float32 and any other numeric input
(ints, bools, lists, float16, pandas ``Int64``/``Float64``) becomes float64,
so ``transform`` returns float64 unless given float32. The network computes
in float32, where a finite float64 beyond float32's range would become inf
and the codings NaN: such input is refused.

:func:`check_fitted_input` is ``validate_data(reset=False)`` with a fast path
for the common case of ``transform`` on a few rows (a plain 2-D float
ndarray of the fitted width, an estimator fitted without feature names):
``validate_data`` costs as much as the encoder's arithmetic on a few dozen
rows. Anything else, or a check that fails, takes the full path, which
raises the same errors as before.
"""

import numbers

import numpy as np
import scipy.sparse
from sklearn.utils.validation import check_array, validate_data

__all__ = [
    "FLOAT32_MAX",
    "check_fitted_input",
    "check_float",
    "check_float32_range",
    "check_hidden_layer_sizes",
]

FLOAT32_MAX = float(np.finfo(np.float32).max)
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_float(X, estimator=None, *, reset=False, accept_sparse=False):
    """X as a float32 or float64 array, finite and within float32's range.

    ``validate_data`` with an estimator, else ``check_array``; a sparse X
    is refused unless ``accept_sparse`` names its format (or one to convert
    it to, as in scikit-learn). On failure, a DataFrame's text columns are named.
    """
    try:
        if estimator is None:
            X = check_array(
                X, dtype=[np.float64, np.float32], accept_sparse=accept_sparse
            )
        else:
            X = validate_data(
                estimator,
                X,
                dtype=[np.float64, np.float32],
                reset=reset,
                accept_sparse=accept_sparse,
            )
    except ValueError as error:
        dtypes = getattr(X, "dtypes", None)
        if not hasattr(dtypes, "items"):
            raise
        text_columns = [name for name, dtype in dtypes.items() if dtype.kind in "OSU"]
        if not text_columns:
            raise
        raise ValueError(
            f"{error}. Non-numeric DataFrame column(s): {text_columns}; "
            "encode or drop them first."
        ) from error
    check_float32_range(X)
    return X


def check_float32_range(X):
    """Raise ValueError if float64 X holds values beyond float32's range."""
    values = X.data if scipy.sparse.issparse(X) else X
    if values.dtype != np.float64 or values.size == 0:
        return
    # Two passes without a temporary, unlike np.abs(X).max().
    low, high = float(values.min()), float(values.max())
    if low < -FLOAT32_MAX or high > FLOAT32_MAX:
        worst = low if -low > high else high
        raise ValueError(
            f"X holds {worst:.6g}, beyond float32's range [-{FLOAT32_MAX:.6g}, "
            f"{FLOAT32_MAX:.6g}]: the network computes in float32, where it would "
            "become inf and the result NaN. Rescale the data, e.g. with "
            "sklearn.preprocessing.StandardScaler or MinMaxScaler."
        )


def check_fitted_input(estimator, X):
    """``check_float(X, estimator, reset=False)``, fast for plain float arrays."""
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in _FLOAT_DTYPES
        and X.shape[0] > 0
        and X.shape[1] == estimator.n_features_in_
        and not hasattr(estimator, "feature_names_in_")
        # NaN fails both comparisons; inf and beyond float32's range fail one.
        and -FLOAT32_MAX <= X.min()
        and X.max() <= FLOAT32_MAX
    ):
        return X
    return check_float(X, estimator, reset=False, accept_sparse="csr")


def check_hidden_layer_sizes(hidden_layer_sizes):
    """The sizes as a list of ints; ValueError unless a sequence of ints >= 1."""
    sizes = np.asarray(hidden_layer_sizes)
    if sizes.ndim != 1 or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
        for s in sizes.tolist()
    ):
        raise ValueError(
            "hidden_layer_sizes must be a sequence of positive ints, got "
            f"{hidden_layer_sizes!r}."
        )
    return [int(s) for s in sizes.tolist()]
