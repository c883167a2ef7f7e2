"""The one place that imports scikit-learn's private APIs.

scikit-learn's underscore modules change between releases; every use of them in
this package goes through here so that a new release needs one edit.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)

__all__ = [
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "_fit_context",
    "validate_parameter_constraints",
]
