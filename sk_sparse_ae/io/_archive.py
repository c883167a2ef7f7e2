"""The ``.skae`` archive: a zip of a Keras model and JSON metadata, no code run on load.

A file is a zip archive of two members:

- ``model.keras``: the autoencoder in Keras's own ``.keras`` format, loaded
  with ``keras.saving.load_model(..., safe_mode=True)``, which refuses
  Python bytecode (``Lambda`` layers, pickled functions);
- ``metadata.json``: the format name and version, the library versions it
  was written with, the estimator's class, its parameters and its fitted
  attributes as plain JSON (:func:`encode` tags tuples and arrays).

Unlike pickle, loading such a file never executes code from the file, so it is
the format to use for models received from others. This module knows the
format, not the estimator: :mod:`sk_sparse_ae.autoencoder` decides what goes in.
"""

import json
import os
import tempfile
import zipfile
import zlib

import keras
import numpy as np

from ._metadata import MetadataError, check_format_version

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "METADATA_MEMBER",
    "MODEL_MEMBER",
    "decode",
    "encode",
    "not_ours",
    "read_archive",
    "write_archive",
]

FORMAT_NAME = "sk_sparse_ae"
FORMAT_VERSION = 1
MODEL_MEMBER = "model.keras"
METADATA_MEMBER = "metadata.json"


def write_archive(path, metadata, model):
    """Write ``metadata`` (JSON-ready, see :func:`encode`) and the Keras ``model``."""
    metadata = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **metadata}
    with tempfile.TemporaryDirectory() as tmp:
        model_file = os.path.join(tmp, MODEL_MEMBER)
        model.save(model_file)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(METADATA_MEMBER, json.dumps(metadata, indent=1))
            archive.write(model_file, MODEL_MEMBER)


def not_ours(path, why):
    return ValueError(
        f"{os.fspath(path)!r} is not a readable sk_sparse_ae model file: {why}. "
        "Files written by SparseAutoencoderTransformer.save are zip archives "
        f"holding {METADATA_MEMBER} and {MODEL_MEMBER}."
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
    raise not_ours(
        path,
        f"it is {kind}. Unpickling can run any code: open it with joblib.load "
        "or pickle.load only if you trust where it came from",
    )


def read_archive(path):
    """Return ``(metadata dict, model.keras bytes)``; check everything first."""
    _check_not_a_pickle(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" in names and MODEL_MEMBER not in names:
                raise not_ours(
                    path,
                    "it is a plain Keras model file; open it with "
                    "keras.saving.load_model",
                )
            missing = {METADATA_MEMBER, MODEL_MEMBER} - names
            if missing:
                raise not_ours(path, f"it has no {', '.join(sorted(missing))}")
            # read() checks each member's CRC-32, so a corrupted byte is caught.
            metadata_bytes = archive.read(METADATA_MEMBER)
            model_bytes = archive.read(MODEL_MEMBER)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as error:
        # OSError: a corrupted offset makes zipfile seek before the start
        # (EINVAL); the file itself opened in _check_not_a_pickle.
        raise not_ours(
            path, f"truncated or corrupted zip ({type(error).__name__}: {error})"
        ) from error
    try:
        metadata = json.loads(metadata_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise not_ours(path, f"{METADATA_MEMBER} is not JSON ({error})") from error
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise not_ours(path, f"{METADATA_MEMBER} does not name format {FORMAT_NAME!r}")
    try:
        readable = check_format_version(metadata.get("format_version"), FORMAT_VERSION)
    except MetadataError as error:
        raise not_ours(path, f"{METADATA_MEMBER}: {error}") from error
    if not readable:
        raise ValueError(
            f"{os.fspath(path)!r} has format_version="
            f"{metadata['format_version']!r}; this version of sk_sparse_ae reads "
            f"format versions up to {FORMAT_VERSION}. It was written with "
            f"{metadata.get('versions')}."
        )
    missing_keys = {"class", "params", "attributes"} - set(metadata)
    if missing_keys:
        raise not_ours(path, f"{METADATA_MEMBER} lacks {sorted(missing_keys)}")
    if not isinstance(metadata["class"], str):
        raise not_ours(path, f"{METADATA_MEMBER}: class is not a string")
    return metadata, model_bytes


def load_keras_model(path, model_bytes):
    # Keras reads .keras files by name; the temporary copy lives only here.
    with tempfile.TemporaryDirectory() as tmp:
        model_file = os.path.join(tmp, MODEL_MEMBER)
        with open(model_file, "wb") as f:
            f.write(model_bytes)
        try:
            model = keras.saving.load_model(model_file, safe_mode=True)
        except Exception as error:
            raise ValueError(
                f"{os.fspath(path)!r}: its Keras model could not be loaded with "
                f"safe_mode=True: {type(error).__name__}: {error}"
            ) from error
    return model


# JSON has no tuples, ndarrays or NumPy scalars: tag them so that loading
# gives back the same types, and refuse anything else by name.
_ARRAY_KINDS = "biufUO"
# Bounds what a hostile dtype such as "U2000000000" could make load allocate.
_MAX_ITEMSIZE = 2**16


def encode(value, kind, name=None):
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: encode(v, kind, name or k) for k, v in value.items()}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, kind, name) for v in value]}
    if isinstance(value, list):
        return [encode(v, kind, name) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in _ARRAY_KINDS:
        return {
            "__ndarray__": encode(value.tolist(), kind, name),
            "dtype": value.dtype.str,
        }
    if isinstance(value, np.generic):
        return encode(value.item(), kind, name)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(
        f"Cannot save {kind} {name!r}={value!r} of type {type(value).__name__} "
        "in the native format (JSON); use an int or None for random_state, or "
        "pickle (only for files you trust)."
    )


def decode(value):
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
