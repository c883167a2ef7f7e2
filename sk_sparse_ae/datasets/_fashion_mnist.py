"""Loader for the Fashion-MNIST data set, with no network access needed.

The four IDX files are looked for, in this order:

1. ``data_home`` if given, else the directory named by the environment
   variable ``SK_SPARSE_AE_FASHION_MNIST``;
2. ``/usr/share/datasets/fashion-mnist`` (Debian package
   ``dataset-fashion-mnist``);
3. the Keras cache, ``$KERAS_HOME/datasets/fashion-mnist`` (``KERAS_HOME``
   defaults to ``~/.keras``);
4. a download through :func:`keras.datasets.fashion_mnist.load_data`.
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np

__all__ = ["ENV_VAR", "FashionMNISTNotFoundError", "load_fashion_mnist"]

ENV_VAR = "SK_SPARSE_AE_FASHION_MNIST"

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILENAMES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

_DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
_IMAGE_SHAPE = (28, 28)
_N_CLASSES = 10
_UNSIGNED_BYTE = 0x08


class FashionMNISTNotFoundError(FileNotFoundError):
    """Raised when the Fashion-MNIST files cannot be found or downloaded."""


def load_fashion_mnist(
    data_home=None, *, flatten=False, as_float=False, download_if_missing=True
):
    """Load the official Fashion-MNIST train/test split.

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        Directory holding the four ``*-ubyte.gz`` files. When omitted, the
        ``SK_SPARSE_AE_FASHION_MNIST`` environment variable is used if set.
        A directory given either way must hold all four files, otherwise
        :class:`FashionMNISTNotFoundError` is raised naming it (it is never
        silently skipped). When neither is given, the Debian package
        directory, then the Keras cache are searched, then Keras downloads.
    flatten : bool, default=False
        Return images as rows of 784 pixels instead of 28x28 arrays.
    as_float : bool, default=False
        Return images as ``float32`` scaled to [0, 1] instead of ``uint8``.
    download_if_missing : bool, default=True
        Whether to fall back to downloading with Keras.

    Returns
    -------
    (X_train, y_train), (X_test, y_test) : tuple of tuples of ndarray
        Images of shape (60000, 28, 28) and (10000, 28, 28) (or
        (n, 784) when ``flatten``), labels ``uint8`` in 0..9.

    Raises
    ------
    FashionMNISTNotFoundError
        If the files are found nowhere and cannot be downloaded; the message
        lists every place tried and how to fix it.
    ValueError
        If a file is corrupt or truncated, or image and label counts differ.

    Examples
    --------
    >>> from sk_sparse_ae.datasets import load_fashion_mnist
    >>> (X_train, y_train), (X_test, y_test) = load_fashion_mnist()  # doctest: +SKIP
    >>> X_train.shape, X_train.dtype  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'))
    """
    train, test = _find_and_load(data_home, download_if_missing)
    return tuple(_postprocess(split, flatten, as_float) for split in (train, test))


def _find_and_load(data_home, download_if_missing):
    explicit = _explicit_dir(data_home)
    if explicit is not None:
        directory, origin = explicit
        missing = [name for name in FILENAMES if not (directory / name).is_file()]
        if missing:
            raise FashionMNISTNotFoundError(
                f"Fashion-MNIST directory {str(directory)!r} ({origin}) lacks "
                f"{', '.join(missing)}."
            )
        return _load_dir(directory)

    searched = [
        (_DEBIAN_DIR, "Debian package dataset-fashion-mnist"),
        (_keras_cache_dir(), "Keras cache, KERAS_HOME"),
    ]
    for directory, _ in searched:
        if all((directory / name).is_file() for name in FILENAMES):
            return _load_dir(directory)

    if not download_if_missing:
        failure = "download not attempted (download_if_missing=False)"
        raise FashionMNISTNotFoundError(_not_found_message(searched, failure))
    try:
        return _download_with_keras()
    except Exception as exc:  # keras raises bare Exception when offline
        failure = f"download with keras failed: {type(exc).__name__}: {exc}"
        raise FashionMNISTNotFoundError(_not_found_message(searched, failure)) from exc


def _explicit_dir(data_home):
    if data_home is not None:
        return Path(data_home).expanduser(), "data_home"
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env).expanduser(), f"environment variable {ENV_VAR}"
    return None


def _keras_cache_dir():
    keras_home = os.environ.get("KERAS_HOME") or "~/.keras"
    return Path(keras_home).expanduser() / "datasets" / "fashion-mnist"


def _download_with_keras():
    import keras

    return keras.datasets.fashion_mnist.load_data()


def _not_found_message(searched, failure):
    places = "\n".join(f"  - {directory} ({why})" for directory, why in searched)
    return (
        f"Fashion-MNIST files ({', '.join(FILENAMES)}) not found. Looked in:\n"
        f"{places}\n"
        f"and the {failure}.\n"
        "To fix, do one of:\n"
        "  - apt-get install -y dataset-fashion-mnist\n"
        f"  - set the environment variable {ENV_VAR} to a directory with the files\n"
        "  - pass data_home=<directory with the files>\n"
        "  - run once with internet access so Keras can download and cache them"
    )


def _load_dir(directory):
    return (
        _load_split(directory / TRAIN_IMAGES, directory / TRAIN_LABELS),
        _load_split(directory / TEST_IMAGES, directory / TEST_LABELS),
    )


def _load_split(images_path, labels_path):
    images = _read_idx(images_path, ndim=3)
    if images.shape[1:] != _IMAGE_SHAPE:
        raise ValueError(
            f"{images_path}: expected 28x28 images, found "
            f"{images.shape[1]}x{images.shape[2]}."
        )
    labels = _read_idx(labels_path, ndim=1)
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} has {len(images)} images but {labels_path} has "
            f"{len(labels)} labels; expected the same count."
        )
    if labels.size and labels.max() >= _N_CLASSES:
        raise ValueError(
            f"{labels_path}: expected labels 0..{_N_CLASSES - 1}, found {labels.max()}."
        )
    return images, labels


def _read_idx(path, *, ndim):
    """Read a gzipped IDX file of unsigned bytes with ``ndim`` dimensions."""
    try:
        with gzip.open(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError) as exc:  # BadGzipFile is an OSError
        raise ValueError(f"{path}: not a complete gzip file ({exc}).") from exc

    expected_magic = (_UNSIGNED_BYTE << 8) | ndim
    header_size = 4 + 4 * ndim
    if len(raw) < 4:
        raise ValueError(f"{path}: {len(raw)} bytes, too short for an IDX header.")
    (magic,) = struct.unpack(">I", raw[:4])
    if magic != expected_magic:
        raise ValueError(
            f"{path}: expected magic number 0x{expected_magic:08X} (unsigned "
            f"bytes, {ndim} dimensions), found 0x{magic:08X}."
        )
    if len(raw) < header_size:
        raise ValueError(
            f"{path}: truncated header, expected {header_size} bytes, found {len(raw)}."
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    expected_size = int(np.prod(shape, dtype=np.int64))
    found_size = len(raw) - header_size
    if found_size != expected_size:
        raise ValueError(
            f"{path}: header declares shape {shape}, i.e. {expected_size} data "
            f"bytes, found {found_size}."
        )
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)
    return data.copy()  # frombuffer over bytes is read-only


def _postprocess(split, flatten, as_float):
    images, labels = split
    if flatten:
        images = images.reshape(len(images), -1)
    if as_float:
        images = images.astype(np.float32) / np.float32(255)
    return images, labels
