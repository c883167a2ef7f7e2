"""What ``load`` accepts from a file's ``metadata.json``: nothing it has not checked.

A saved file is data from anywhere, so its metadata is validated as strictly
as ``fit`` validates parameters, in the spirit of skops's trusted types (only
types known to be safe are accepted, everything else is refused by name):

- the format version is a positive int (not a bool), at most the version
  this code reads;
- the parameters are the estimator's own, each valid under its
  ``_parameter_constraints`` and the checks ``fit`` adds;
- the fitted attributes are exactly the known ones, each of its own type:
  ``n_features_in_``, ``n_iter_``, ``history_``, ``loss_``,
  ``learning_rate_`` and ``sparsity_weight_`` always; ``feature_names_in_``,
  TopK's ``dead_fraction_`` and ``set_output``'s ``_sklearn_output_config``
  when present. A file cannot set any other attribute (methods,
  ``_more_tags``, ``_metadata_request``, ...).

Each check raises ``MetadataError`` with the reason; the estimator's
``_persistence`` turns it
into the documented ``ValueError`` naming the file. That the parameters also
describe the file's Keras model is checked there, against the loaded model.
"""

import numbers

import numpy as np

__all__ = [
    "FITTED_ATTRIBUTES",
    "MetadataError",
    "check_attributes",
    "check_format_version",
]


class MetadataError(ValueError):
    """metadata.json is malformed or not what this version reads."""


def check_format_version(version, newest):
    """Raise MetadataError unless ``version`` is an int in ``[1, newest]``."""
    if not _is_int(version) or version < 1:
        raise MetadataError(f"format_version={version!r} is not a positive int")
    return version <= newest


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _n_features(value, n_features):
    return _is_int(value) and value == n_features


def _feature_names(value, n_features):
    return (
        isinstance(value, np.ndarray)
        and value.dtype == object
        and value.shape == (n_features,)
        and all(isinstance(name, str) for name in value)
    )


def _history(value, n_features):
    return isinstance(value, dict) and all(
        isinstance(key, str)
        and isinstance(values, list)
        and all(_is_number(v) for v in values)
        for key, values in value.items()
    )


def _n_iter(value, n_features):
    return _is_int(value) and value >= 0


def _loss(value, n_features):
    return value in ("binary_crossentropy", "squared_error")


def _learning_rate(value, n_features):
    return _is_number(value) and 0 < value < float("inf")


def _non_negative(value, n_features):
    return _is_number(value) and 0 <= value < float("inf")


def _fraction(value, n_features):
    return _is_number(value) and 0 <= value <= 1


def _positive_int(value, n_features):
    return _is_int(value) and value >= 1


def _layer_sizes(value, n_features):
    return isinstance(value, tuple) and all(_positive_int(v, n_features) for v in value)


def _optimizer(value, n_features):
    return value in ("sgd", "adam", "nadam", "rmsprop")  # nn._options.OPTIMIZERS


def _output_config(value, n_features):
    return (
        isinstance(value, dict)
        and set(value) <= {"transform"}
        and all(v in ("default", "pandas", "polars") for v in value.values())
    )


# name: (required, check(value, n_features), description of the type)
FITTED_ATTRIBUTES = {
    "n_features_in_": (True, _n_features, "the int width of the Keras model's input"),
    "n_iter_": (True, _n_iter, "an int >= 0"),
    "history_": (True, _history, "an object of lists of numbers"),
    "feature_names_in_": (
        False,
        _feature_names,
        "an array of n_features_in_ strings",
    ),
    "loss_": (True, _loss, "'binary_crossentropy' or 'squared_error'"),
    "learning_rate_": (True, _learning_rate, "a finite number > 0"),
    "sparsity_weight_": (True, _non_negative, "a finite number >= 0"),
    "n_components_": (True, _positive_int, "an int >= 1"),
    "hidden_layer_sizes_": (True, _layer_sizes, "a tuple of ints >= 1"),
    "optimizer_": (True, _optimizer, "an optimizer's name"),
    "batch_size_": (True, _positive_int, "an int >= 1"),
    "k_": (True, _positive_int, "an int >= 1"),
    "dead_fraction_": (False, _fraction, "a number in [0, 1]"),
    "_sklearn_output_config": (
        False,
        _output_config,
        'an object {"transform": "default", "pandas" or "polars"}',
    ),
}


def check_attributes(attributes, n_features):
    """``attributes`` if they are exactly the known fitted attributes.

    ``n_features`` is the input width of the file's Keras model.
    """
    if not isinstance(attributes, dict):
        raise MetadataError(
            f"attributes is a {type(attributes).__name__}, not an object"
        )
    unknown = sorted(set(attributes) - set(FITTED_ATTRIBUTES))
    if unknown:
        raise MetadataError(f"it sets unknown attributes {unknown}")
    missing = sorted(
        name
        for name, (required, _, _) in FITTED_ATTRIBUTES.items()
        if required and name not in attributes
    )
    if missing:
        raise MetadataError(f"it lacks the fitted attributes {missing}")
    for name, value in attributes.items():
        _, check, expected = FITTED_ATTRIBUTES[name]
        if not check(value, n_features):
            raise MetadataError(
                f"attribute {name}={_short(value)} is not {expected} "
                f"(the model's input has {n_features} features)"
            )
    return attributes


def _short(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
