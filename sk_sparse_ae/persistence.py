"""A native file format for fitted transformers that loads without running code.

A file is a zip archive of two members:

- ``model.keras``: the autoencoder in Keras's own ``.keras`` format, loaded
  with ``keras.saving.load_model(..., safe_mode=True)``, which refuses
  Python bytecode (``Lambda`` layers, pickled functions);
- ``metadata.json``: the format name and version, the library versions it
  was written with, the estimator's class, its parameters and its fitted
  attributes as plain JSON.

Unlike pickle, loading such a file never executes code from the file, so it is
the format to use for models received from others.
"""

import json
import os
import tempfile
import zipfile
import zlib

import keras
import numpy as np
import sklearn
from sklearn.utils.validation import check_is_fitted

from ._leaks import skip_single_replica_all_reduce
from ._metadata_checks import (
    FITTED_ATTRIBUTES,
    MetadataError,
    check_attributes,
    check_format_version,
    check_params,
)
from ._model_settings import model_settings, param_mismatches

__all__ = ["FORMAT_VERSION", "load", "load_estimator", "save_estimator"]

FORMAT_NAME = "sk_sparse_ae"
FORMAT_VERSION = 1
_MODEL_MEMBER = "model.keras"
_METADATA_MEMBER = "metadata.json"
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
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": _library_versions(),
        "class": type(estimator).__name__,
        "params": _encode(params, "parameter"),
        "attributes": _encode(attributes, "attribute"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        model_file = os.path.join(tmp, _MODEL_MEMBER)
        estimator.model_.save(model_file)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(_METADATA_MEMBER, json.dumps(metadata, indent=1))
            archive.write(model_file, _MODEL_MEMBER)


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
    metadata, model_bytes = _read_archive(path)
    if metadata["class"] != estimator_class.__name__:
        raise ValueError(
            f"{os.fspath(path)!r} holds a {metadata['class']}, not a "
            f"{estimator_class.__name__}."
        )
    try:
        params = check_params(_decoded(metadata["params"]), estimator_class)
    except MetadataError as error:
        raise _not_ours(
            path,
            f"{_METADATA_MEMBER}: {error}; it was written with "
            f"{metadata.get('versions')}",
        ) from error
    model = _load_keras_model(path, model_bytes)
    try:
        n_features = model.get_layer("encoder").input_shape[-1]
        actual = model_settings(model)
    except Exception as error:
        raise ValueError(
            f"{os.fspath(path)!r}: its Keras model is not a sparse autoencoder "
            f"built by {estimator_class.__name__} ({type(error).__name__}: {error})."
        ) from error
    try:
        attributes = check_attributes(_decoded(metadata["attributes"]), n_features)
    except MetadataError as error:
        raise _not_ours(path, f"{_METADATA_MEMBER}: {error}") from error
    mismatches = param_mismatches(params, model, attributes)
    if mismatches:
        described = ", ".join(
            f"{name}={stated!r} but the model has {actual!r}"
            for name, (stated, actual) in sorted(mismatches.items())
        )
        raise ValueError(
            f"{os.fspath(path)!r}: {_METADATA_MEMBER} does not describe the "
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


def load(path):
    """Load a :class:`SparseAutoencoderTransformer` saved with its ``save`` method.

    Loading runs no code from the file: the Keras model is read with
    ``safe_mode=True`` and everything else is JSON.

    Parameters
    ----------
    path : str or path-like
        A file written by :meth:`SparseAutoencoderTransformer.save`.

    Returns
    -------
    estimator : SparseAutoencoderTransformer
        The fitted transformer; ``transform`` gives the saved one's output
        exactly.

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> import sk_sparse_ae
    >>> X = np.random.default_rng(0).random((50, 8))
    >>> sae = sk_sparse_ae.SparseAutoencoderTransformer(
    ...     n_components=3, hidden_layer_sizes=(), epochs=1, random_state=0
    ... ).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "sae.skae")
    >>> sae.save(path)
    >>> loaded = sk_sparse_ae.load(path)
    >>> bool(np.array_equal(loaded.transform(X), sae.transform(X)))
    True
    """
    # Imported here: estimator.py imports this module for its save/load methods.
    from .estimator import SparseAutoencoderTransformer

    return load_estimator(path, SparseAutoencoderTransformer)


def _library_versions():
    import sk_sparse_ae

    return {
        "sk_sparse_ae": sk_sparse_ae.__version__,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
    }


def _not_ours(path, why):
    return ValueError(
        f"{os.fspath(path)!r} is not a readable sk_sparse_ae model file: {why}. "
        "Files written by SparseAutoencoderTransformer.save are zip archives "
        f"holding {_METADATA_MEMBER} and {_MODEL_MEMBER}."
    )


# Leading bytes of files people mistake for ours: a pickle (protocol 2 or
# later, as pickle.dump and joblib.dump write) and the compressed streams
# that joblib.dump(..., compress=...) writes.
_PICKLE_PREFIXES = tuple(b"\x80" + bytes([protocol]) for protocol in range(2, 6))
_COMPRESSED_PREFIXES = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"\x5d\x00\x00": "lzma",
    b"\x04\x22\x4d\x18": "lz4",
    b"\x78\x01": "zlib",
    b"\x78\x5e": "zlib",
    b"\x78\x9c": "zlib",
    b"\x78\xda": "zlib",
}
_ZIP_PREFIX = b"PK\x03\x04"


def _check_not_a_pickle(path):
    """Name a pickle, joblib or compressed file before opening it as a zip.

    Checked first: a pickled estimator embeds its Keras model's zip, which
    ``zipfile`` would find and report as a plain Keras model file.
    """
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(_ZIP_PREFIX):
        return
    if head.startswith(_PICKLE_PREFIXES):
        kind = "a pickle (as written by pickle.dump or joblib.dump)"
    else:
        kind = next(
            (
                f"{name}-compressed, as joblib.dump(..., compress=...) writes pickles"
                for prefix, name in _COMPRESSED_PREFIXES.items()
                if head.startswith(prefix)
            ),
            None,
        )
        if kind is None:
            return
    raise _not_ours(
        path,
        f"it is {kind}. Unpickling can run any code: open it with joblib.load "
        "or pickle.load only if you trust where it came from",
    )


def _read_archive(path):
    """Return ``(metadata dict, model.keras bytes)``; check everything first."""
    _check_not_a_pickle(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" in names and _MODEL_MEMBER not in names:
                raise _not_ours(
                    path,
                    "it is a plain Keras model file; open it with "
                    "keras.saving.load_model",
                )
            missing = {_METADATA_MEMBER, _MODEL_MEMBER} - names
            if missing:
                raise _not_ours(path, f"it has no {', '.join(sorted(missing))}")
            # read() checks each member's CRC-32, so a corrupted byte is caught.
            metadata_bytes = archive.read(_METADATA_MEMBER)
            model_bytes = archive.read(_MODEL_MEMBER)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as error:
        # OSError: a corrupted offset makes zipfile seek before the start
        # (EINVAL); the file itself opened in _check_not_a_pickle.
        raise _not_ours(
            path, f"truncated or corrupted zip ({type(error).__name__}: {error})"
        ) from error
    try:
        metadata = json.loads(metadata_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise _not_ours(path, f"{_METADATA_MEMBER} is not JSON ({error})") from error
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise _not_ours(
            path, f"{_METADATA_MEMBER} does not name format {FORMAT_NAME!r}"
        )
    try:
        readable = check_format_version(metadata.get("format_version"), FORMAT_VERSION)
    except MetadataError as error:
        raise _not_ours(path, f"{_METADATA_MEMBER}: {error}") from error
    if not readable:
        raise ValueError(
            f"{os.fspath(path)!r} has format_version="
            f"{metadata['format_version']!r}; this version of sk_sparse_ae reads "
            f"format versions up to {FORMAT_VERSION}. It was written with "
            f"{metadata.get('versions')}."
        )
    missing_keys = {"class", "params", "attributes"} - set(metadata)
    if missing_keys:
        raise _not_ours(path, f"{_METADATA_MEMBER} lacks {sorted(missing_keys)}")
    if not isinstance(metadata["class"], str):
        raise _not_ours(path, f"{_METADATA_MEMBER}: class is not a string")
    return metadata, model_bytes


def _load_keras_model(path, model_bytes):
    # Keras reads .keras files by name; the temporary copy lives only here.
    with tempfile.TemporaryDirectory() as tmp:
        model_file = os.path.join(tmp, _MODEL_MEMBER)
        with open(model_file, "wb") as f:
            f.write(model_bytes)
        try:
            model = keras.saving.load_model(model_file, safe_mode=True)
        except Exception as error:
            raise ValueError(
                f"{os.fspath(path)!r}: its Keras model could not be loaded with "
                f"safe_mode=True: {type(error).__name__}: {error}"
            ) from error
    if getattr(model, "optimizer", None) is not None:
        skip_single_replica_all_reduce(model.optimizer)
    return model


# JSON has no tuples, ndarrays or NumPy scalars: tag them so that loading
# gives back the same types, and refuse anything else by name.
_ARRAY_KINDS = "biufUO"
# Bounds what a hostile dtype such as "U2000000000" could make load allocate.
_MAX_ITEMSIZE = 2**16


def _encode(value, kind, name=None):
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _encode(v, kind, name or k) for k, v in value.items()}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, kind, name) for v in value]}
    if isinstance(value, list):
        return [_encode(v, kind, name) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in _ARRAY_KINDS:
        return {
            "__ndarray__": _encode(value.tolist(), kind, name),
            "dtype": value.dtype.str,
        }
    if isinstance(value, np.generic):
        return _encode(value.item(), kind, name)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(
        f"Cannot save {kind} {name!r}={value!r} of type {type(value).__name__} "
        "in the native format (JSON); use an int or None for random_state, or "
        "pickle (only for files you trust)."
    )


def _decoded(value):
    try:
        return _decode(value)
    except RecursionError as error:
        raise MetadataError("it is nested too deeply") from error


def _decode(value):
    """The Python value of JSON written by :func:`_encode`; MetadataError if
    it is not such JSON."""
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"__tuple__"} and isinstance(value["__tuple__"], list):
        return tuple(_decode(v) for v in value["__tuple__"])
    if set(value) == {"__ndarray__", "dtype"}:
        try:
            dtype = np.dtype(value["dtype"])
            if dtype.kind not in _ARRAY_KINDS or dtype.itemsize > _MAX_ITEMSIZE:
                raise TypeError(f"dtype {dtype} is not one that save writes")
            return np.array(_decode(value["__ndarray__"]), dtype=dtype)
        except (TypeError, ValueError, OverflowError) as error:
            raise MetadataError(f"an array cannot be read: {error}") from error
    return {k: _decode(v) for k, v in value.items()}
