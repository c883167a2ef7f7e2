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
from .._tf.gradient_registry import skip_single_replica_all_reduce
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
    metadata = {
        "versions": _library_versions(),
        "class": type(estimator).__name__,
        "params": encode(params, "parameter"),
        "attributes": encode(attributes, "attribute"),
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
    metadata, model_bytes = read_archive(path)
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
    model = load_keras_model(path, model_bytes)
    if getattr(model, "optimizer", None) is not None:
        skip_single_replica_all_reduce(model.optimizer)
    try:
        n_features = model.get_layer("encoder").input_shape[-1]
        actual = model_settings(model)
    except Exception as error:
        raise ValueError(
            f"{os.fspath(path)!r}: its Keras model is not a sparse autoencoder "
            f"built by {estimator_class.__name__} ({type(error).__name__}: {error})."
        ) from error
    try:
        attributes = check_attributes(decode(metadata["attributes"]), n_features)
    except MetadataError as error:
        raise not_ours(path, f"{METADATA_MEMBER}: {error}") from error
    mismatches = param_mismatches(params, model, attributes)
    if mismatches:
        described = ", ".join(
            f"{name}={stated!r} but the model has {actual!r}"
            for name, (stated, actual) in sorted(mismatches.items())
        )
        raise ValueError(
            f"{os.fspath(path)!r}: {METADATA_MEMBER} does not describe the "
            f"file's Keras model ({described}); the file was altered or damaged."
        )
    # Files written before loss="auto" and learning_rate="auto" existed lack
    # what they resolved to: the model has it.
    attributes.setdefault("loss_", actual["loss"])
    attributes.setdefault("learning_rate_", actual["learning_rate"])
    estimator = estimator_class(**params)
    for name, value in attributes.items():
        setattr(estimator, name, value)
    estimator.model_ = model
    estimator.encoder_ = model.get_layer("encoder")
    estimator.decoder_ = model.get_layer("decoder")
    return estimator


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
        check_hidden_layer_sizes({**known, **params}["hidden_layer_sizes"])
    except (ValueError, TypeError) as error:
        raise MetadataError(f"invalid parameters: {error}") from error
    return {**known, **params}
