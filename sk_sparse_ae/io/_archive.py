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

import collections
import contextlib
import io
import itertools
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
# 2: KLDivergenceSparsity's weight multiplies one Bernoulli KL per unit (the
# book's formula); in version 1 it multiplied twice that.
FORMAT_VERSION = 2
MODEL_MEMBER = "model.keras"
METADATA_MEMBER = "metadata.json"


# metadata.json holds parameters, a history per epoch or partial_fit call and
# at most one name per input feature: far below this.
MAX_METADATA_BYTES = 64 * 2**20
# Integers in metadata.json: int64's 19 digits are all the format ever writes.
_MAX_INT_DIGITS = 20


def write_archive(path, metadata, model):
    """Write ``metadata`` (JSON-ready, see :func:`encode`) and the Keras ``model``.

    Atomic: the archive is written to a temporary file beside ``path``,
    flushed to disk and renamed over ``path`` (``os.replace``), so an
    interrupted or failed call leaves any earlier file at ``path`` whole.
    The temporary file is removed on every failure Python sees (an exception,
    Ctrl-C); only a process killed outright (SIGKILL, an unhandled SIGTERM)
    can leave it, as ``.<name>.<random>.tmp`` beside ``path``.
    """
    metadata = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **metadata}
    path = os.fspath(path)
    directory, name = os.path.split(os.path.abspath(path))
    with tempfile.TemporaryDirectory() as tmp:
        model_file = os.path.join(tmp, MODEL_MEMBER)
        model.save(model_file)
        fd, partial = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                    zf.writestr(METADATA_MEMBER, json.dumps(metadata, indent=1))
                    zf.write(model_file, MODEL_MEMBER)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(partial, _file_mode(path))
            os.replace(partial, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise
    _fsync_directory(directory)


def _file_mode(path):
    """The replaced file's permissions, or a new file's under the umask
    (read from /proc, as os.umask would change it process-wide)."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        pass
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


def _fsync_directory(directory):
    """Make the rename durable, where the platform allows."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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


def read_archive(path, max_model_bytes=None):
    """Return ``(metadata dict, model.keras bytes)``; check everything first."""
    _check_not_a_pickle(path)
    try:
        with zipfile.ZipFile(path) as archive:
            listed = archive.namelist()
            names = set(listed)
            # Counted in one pass: a hostile archive may list very many members.
            duplicates = sorted(
                name for name, count in collections.Counter(listed).items() if count > 1
            )
            if duplicates:
                raise not_ours(
                    path,
                    f"it holds more than one member named {duplicates} (unzip "
                    "would show one, a loader another)",
                )
            if "config.json" in names and MODEL_MEMBER not in names:
                raise not_ours(
                    path,
                    "it is a plain Keras model file; open it with "
                    "keras.saving.load_model",
                )
            missing = {METADATA_MEMBER, MODEL_MEMBER} - names
            if missing:
                raise not_ours(path, f"it has no {', '.join(sorted(missing))}")
            # Reading checks each member's CRC-32, so a corrupted byte is caught.
            metadata_bytes = _read_bounded(path, archive, METADATA_MEMBER, None)
            metadata = _parse_metadata(path, metadata_bytes)
            limit = None if max_model_bytes is None else max_model_bytes(metadata)
            model_bytes = _read_bounded(path, archive, MODEL_MEMBER, limit)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as error:
        # OSError: a corrupted offset makes zipfile seek before the start
        # (EINVAL); the file itself opened in _check_not_a_pickle.
        raise not_ours(
            path, f"truncated or corrupted zip ({type(error).__name__}: {error})"
        ) from error
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


def _read_bounded(path, archive, name, limit):
    """The member's bytes, refused before reading if it is larger than ``limit``
    (``MAX_METADATA_BYTES`` for the metadata), and read no further if the
    archive understates its size."""
    limit = MAX_METADATA_BYTES if limit is None else limit
    size = archive.getinfo(name).file_size
    if size > limit:
        raise not_ours(
            path,
            f"its {name} would unpack to {size} bytes, more than the {limit} "
            "that the file's own metadata allows",
        )
    with archive.open(name) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise not_ours(path, f"its {name} unpacks to more than {limit} bytes")
    return data


def _bounded_int(text):
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise MetadataError(f"it holds an integer of {len(text)} digits")
    return int(text)


def _parse_metadata(path, metadata_bytes):
    try:
        return json.loads(metadata_bytes, parse_int=_bounded_int)
    except MetadataError as error:
        raise not_ours(path, f"{METADATA_MEMBER}: {error}") from error
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        # ValueError: json.JSONDecodeError, and Python's own int-digits limit.
        raise not_ours(path, f"{METADATA_MEMBER} is not JSON ({error})") from error


def load_keras_model(path, model_bytes, written_with=None, max_bytes=None):
    """The Keras model of ``model_bytes``, read with ``safe_mode=True``.

    ``written_with`` is the metadata's ``versions``: a failure names a newer
    Keras than the installed one, which older Keras versions cannot read.
    """
    if max_bytes is not None:
        _check_unpacked_size(path, model_bytes, max_bytes)
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
                f"safe_mode=True{_newer_keras(written_with)}: "
                f"{type(error).__name__}: {error}"
            ) from error
    return model


def _check_unpacked_size(path, model_bytes, max_bytes):
    """Refuse a model.keras whose own members would unpack to over ``max_bytes``."""
    try:
        with zipfile.ZipFile(io.BytesIO(model_bytes)) as inner:
            total = sum(info.file_size for info in inner.infolist())
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError):
        return  # Keras names what is wrong with it
    if total > max_bytes:
        raise not_ours(
            path,
            f"its {MODEL_MEMBER} would unpack to {total} bytes, more than the "
            f"{max_bytes} its model can need",
        )


def _newer_keras(written_with):
    """A note if the file was written with a newer Keras than the installed one."""
    written = written_with.get("keras") if isinstance(written_with, dict) else None
    if not isinstance(written, str) or _release(written) <= _release(keras.__version__):
        return ""
    return (
        f" (it was written with Keras {written}, newer than the installed "
        f"{keras.__version__}, which may not read it: upgrade Keras)"
    )


def _release(version):
    """The leading numbers of a version string, ``(3, 15, 1)`` for ``"3.15.1"``."""
    numbers = []
    for part in version.split("."):
        digits = "".join(itertools.takewhile(str.isdigit, part))
        if not digits:
            break
        numbers.append(int(digits[:9]))
    return tuple(numbers)


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
