"""The estimator's side of the ``.skae`` format: what is saved, what load accepts.

:mod:`sk_sparse_ae.io` reads and writes the archive; here the parameters and
fitted attributes are put in and checked on the way back as strictly as
``fit`` checks parameters: they must be valid under the estimator's
``_parameter_constraints``, the attributes exactly the known ones
(``io._metadata.FITTED_ATTRIBUTES``), and they must describe the file's Keras
model (``_model_settings``).
"""

import os

import keras
import numpy as np
import sklearn
from sklearn.utils.validation import check_is_fitted

from .._compat import validate_parameter_constraints
from .._tf.fork_safety import note_tensorflow_started
from .._tf.gradient_registry import skip_single_replica_all_reduce
from .._tf.variables import to_numpy
from ..io._archive import (
    METADATA_MEMBER,
    decode,
    encode,
    load_keras_model,
    not_ours,
    read_archive,
    write_archive,
)
from ..io._metadata import (
    FITTED_ATTRIBUTES,
    MetadataError,
    check_attributes,
)
from ..nn import KLDivergenceSparsity
from ..nn._builder import count_weights
from ..nn._options import SPARSITY_PENALTIES, dense_layers
from ._auto_settings import ARCHITECTURE_PARAMS, effective_params
from ._model_settings import model_settings, param_mismatches
from ._validation import check_hidden_layer_sizes

__all__ = ["load_estimator", "save_estimator"]

# The Keras parts of a fitted transformer: model_ is saved as model.keras;
# encoder_ and decoder_ are its two sub-models and are taken back out of it.
_KERAS_ATTRIBUTES = ("model_", "encoder_", "decoder_")


def save_estimator(estimator, path):
    """Write a fitted transformer to ``path`` in the native format.

    Parameters
    ----------
    estimator : SparseAutoencoderTransformer
        A fitted transformer.
    path : str or path-like
        The file to write; conventionally ending in ``.skae``.
    """
    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    attributes = {
        name: value
        for name, value in vars(estimator).items()
        if name not in _KERAS_ATTRIBUTES and name not in params
    }
    unknown = sorted(set(attributes) - set(FITTED_ATTRIBUTES))
    if unknown:
        raise ValueError(
            f"Cannot save attributes {unknown}: the native format holds only the "
            f"fitted attributes that load accepts, {sorted(FITTED_ATTRIBUTES)}. "
            "Delete them before saving, or use pickle (only for files you trust)."
        )
    # set_params since the fit: the model keeps what it was built with, and
    # the loaded estimator must too (partial_fit applies or refuses them).
    changed = param_mismatches(params, estimator.model_, attributes)
    metadata = {
        "versions": _library_versions(),
        "class": type(estimator).__name__,
        "params": encode(params, "parameter"),
        "attributes": encode(attributes, "attribute"),
        "changed_since_fit": sorted(changed),
    }
    write_archive(path, metadata, estimator.model_)


def load_estimator(path, estimator_class):
    """Read a transformer of ``estimator_class`` written by :func:`save_estimator`.

    Raises
    ------
    ValueError
        If the file is not a zip archive (a pickle, say), is truncated or
        corrupted, was not written by this library, has a newer format
        version, holds another class, its metadata is malformed, holds
        invalid parameters or unknown attributes, or does not describe its
        Keras model, or that model needs code to load (``safe_mode``).
    """
    metadata, model_bytes = read_archive(path, _max_model_bytes)
    if metadata["class"] != estimator_class.__name__:
        raise ValueError(
            f"{os.fspath(path)!r} holds a {metadata['class']}, not a "
            f"{estimator_class.__name__}."
        )
    try:
        params = check_params(decode(metadata["params"]), estimator_class)
    except MetadataError as error:
        raise not_ours(
            path,
            f"{METADATA_MEMBER}: {error}; it was written with "
            f"{metadata.get('versions')}",
        ) from error
    model = load_keras_model(
        path, model_bytes, metadata.get("versions"), _max_model_bytes(metadata)
    )
    note_tensorflow_started()
    _check_finite(path, model)
    if getattr(model, "optimizer", None) is not None:
        skip_single_replica_all_reduce(model.optimizer)
    try:
        n_features = model.get_layer("encoder").input_shape[-1]
        model_settings(model)  # ValueError unless one of ours
    except Exception as error:
        raise ValueError(
            f"{os.fspath(path)!r}: its Keras model is not a sparse autoencoder "
            f"built by {estimator_class.__name__} ({type(error).__name__}: {error})."
        ) from error
    attributes = decode(metadata["attributes"])
    if metadata["format_version"] == 1:
        _upgrade_format_1(params, attributes, model)
    try:
        attributes = check_attributes(attributes, n_features)
    except MetadataError as error:
        raise not_ours(path, f"{METADATA_MEMBER}: {error}") from error
    mismatches = param_mismatches(params, model, attributes)
    changed = metadata.get("changed_since_fit", [])
    if not isinstance(changed, list) or not set(changed) <= set(params):
        raise not_ours(path, f"{METADATA_MEMBER}: changed_since_fit={changed!r}")
    for name in changed:
        if name in mismatches:
            del mismatches[name]  # set_params after the fit, recorded by save
        else:
            mismatches[name] = (params[name], "what the parameter says")
    if mismatches:
        described = ", ".join(
            f"{name}={stated!r} but the model has {actual!r}"
            for name, (stated, actual) in sorted(mismatches.items())
        )
        raise ValueError(
            f"{os.fspath(path)!r}: {METADATA_MEMBER} does not describe the "
            f"file's Keras model ({described}); the file was altered or damaged."
        )
    estimator = estimator_class(**params)
    for name, value in attributes.items():
        setattr(estimator, name, value)
    estimator.model_ = model
    estimator.encoder_ = model.get_layer("encoder")
    estimator.decoder_ = model.get_layer("decoder")
    return estimator


# Bytes per stored value (float64 under that dtype policy) and values per
# weight (the weight and up to three optimizer slots), and room for the
# model's configuration and the HDF5 file's own structure.
_BYTES_PER_WEIGHT = 8 * 4
_MODEL_FILE_SLACK = 16 * 2**20


def _max_model_bytes(metadata):
    """What model.keras can unpack to for the metadata's architecture."""
    try:
        attributes = decode(metadata["attributes"])
        params = effective_params(decode(metadata["params"]), attributes)
        n_features = int(attributes["n_features_in_"])
        hidden = check_hidden_layer_sizes(params["hidden_layer_sizes"])
        n_weights = count_weights(n_features, hidden, int(params["n_components"]))
    except Exception:  # malformed metadata: refused by the checks that follow
        return _MODEL_FILE_SLACK
    return _BYTES_PER_WEIGHT * n_weights + _MODEL_FILE_SLACK


def _check_finite(path, model):
    """Refuse NaN or inf in the weights or the optimizer's state."""
    optimizer = getattr(model, "optimizer", None)
    variables = [*model.weights, *(optimizer.variables if optimizer else [])]
    for variable in variables:
        value = np.asarray(to_numpy(variable))
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise ValueError(
                f"{os.fspath(path)!r}: the model's {variable.path!r} holds NaN or "
                "inf; the file was damaged or written after training diverged."
            )


def _upgrade_format_1(params, attributes, model):
    """Make a format-1 file train as it did when it was written.

    Format 1's ``KLDivergenceSparsity`` added two Bernoulli KL divergences per
    unit, twice the book's formula that the class computes now: its weight is
    doubled, in the model and in the parameters, which gives the same
    penalty. Format 1 had no ``sparsity_weight_``: it is the weight used; nor
    the resolved architecture (``n_components_``, ...): it is the parameters.
    """
    if not isinstance(attributes, dict) or not isinstance(params, dict):
        return
    regularizer = dense_layers(model.get_layer("encoder"))[-1].activity_regularizer
    if isinstance(regularizer, KLDivergenceSparsity):
        regularizer.weight = 2 * regularizer.weight
        if params.get("sparsity_weight") != "auto":
            params["sparsity_weight"] = 2 * params["sparsity_weight"]
    if params.get("sparsity") not in SPARSITY_PENALTIES:
        attributes.setdefault("sparsity_weight_", 0.0)
    elif params.get("sparsity_weight") != "auto":
        attributes.setdefault("sparsity_weight_", float(params["sparsity_weight"]))
    # Format 1 had no "auto" architecture: each resolved value is the parameter.
    for name in (*ARCHITECTURE_PARAMS, "k"):
        value = params.get(name)
        if name == "hidden_layer_sizes" and isinstance(value, list | tuple):
            value = tuple(value)
        attributes.setdefault(name + "_", value)


def _library_versions():
    import sk_sparse_ae

    return {
        "sk_sparse_ae": sk_sparse_ae.__version__,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
    }


def check_params(params, estimator_class):
    """``params``, completed with the defaults of those a file lacks, if they
    are valid parameters of ``estimator_class``; MetadataError otherwise."""
    if not isinstance(params, dict):
        raise MetadataError(f"params is a {type(params).__name__}, not an object")
    known = estimator_class().get_params(deep=False)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise MetadataError(f"it sets parameters {unknown} that this version lacks")
    try:
        validate_parameter_constraints(
            estimator_class._parameter_constraints,
            params,
            caller_name=estimator_class.__name__,
        )
        hidden = {**known, **params}["hidden_layer_sizes"]
        if not isinstance(hidden, str):  # "auto" passed the constraints
            check_hidden_layer_sizes(hidden)
    except (ValueError, TypeError, OverflowError) as error:
        raise MetadataError(f"invalid parameters: {error}") from error
    return {**known, **params}
