import gzip
import struct
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from sk_sparse_ae.datasets import _fashion_mnist as datasets
from sk_sparse_ae.datasets._fashion_mnist import (
    ENV_VAR,
    FashionMNISTNotFoundError,
    load_fashion_mnist,
)

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")


def write_idx(path, array, *, magic=None):
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 | array.ndim
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    with gzip.open(path, "wb") as stream:
        stream.write(header + array.tobytes())
    return path


def make_split(rng, n):
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    return images, labels


def write_dataset(directory, n_train=5, n_test=3, seed=0):
    rng = np.random.default_rng(seed)
    train, test = make_split(rng, n_train), make_split(rng, n_test)
    write_idx(directory / datasets.TRAIN_IMAGES, train[0])
    write_idx(directory / datasets.TRAIN_LABELS, train[1])
    write_idx(directory / datasets.TEST_IMAGES, test[0])
    write_idx(directory / datasets.TEST_LABELS, test[1])
    return train, test


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No env var, no Debian dir, an empty Keras cache, no network."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(datasets, "_DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    fake_keras = fake_keras_module(OSError("network is unreachable"))
    monkeypatch.setitem(sys.modules, "keras", fake_keras)
    return tmp_path


def fake_keras_module(result_or_error):
    def load_data():
        if isinstance(result_or_error, BaseException):
            raise result_or_error
        return result_or_error

    fashion_mnist = types.SimpleNamespace(load_data=load_data)
    return types.SimpleNamespace(
        datasets=types.SimpleNamespace(fashion_mnist=fashion_mnist)
    )


def assert_splits_equal(loaded, expected):
    for (X, y), (X_expected, y_expected) in zip(loaded, expected, strict=True):
        np.testing.assert_array_equal(X, X_expected)
        np.testing.assert_array_equal(y, y_expected)
        assert X.dtype == np.uint8 and y.dtype == np.uint8


def test_reads_idx_files_from_data_home(isolated):
    expected = write_dataset(isolated)
    assert_splits_equal(load_fashion_mnist(isolated), expected)


def test_returned_arrays_are_writable(isolated):
    write_dataset(isolated)
    (X_train, y_train), _ = load_fashion_mnist(isolated)
    assert X_train.flags.writeable and y_train.flags.writeable


def test_flatten_and_as_float(isolated):
    (train_images, train_labels), _ = write_dataset(isolated)
    (X_train, y_train), (X_test, _) = load_fashion_mnist(
        isolated, flatten=True, as_float=True
    )
    assert X_train.shape == (5, 784) and X_test.shape == (3, 784)
    assert X_train.dtype == np.float32
    np.testing.assert_allclose(
        X_train, train_images.reshape(5, -1).astype(np.float64) / 255, rtol=1e-6
    )
    np.testing.assert_array_equal(y_train, train_labels)


def test_env_var_is_used_when_no_data_home(isolated, monkeypatch):
    data_dir = isolated / "from-env"
    data_dir.mkdir()
    expected = write_dataset(data_dir, seed=1)
    monkeypatch.setenv(ENV_VAR, str(data_dir))
    assert_splits_equal(load_fashion_mnist(), expected)


def test_data_home_wins_over_env_var(isolated, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(isolated / "does-not-exist"))
    expected = write_dataset(isolated)
    assert_splits_equal(load_fashion_mnist(isolated), expected)


def test_debian_dir_then_keras_cache(isolated, monkeypatch):
    keras_cache = isolated / "keras-home" / "datasets" / "fashion-mnist"
    keras_cache.mkdir(parents=True)
    from_keras_cache = write_dataset(keras_cache, seed=2)
    assert_splits_equal(load_fashion_mnist(), from_keras_cache)

    debian_dir = isolated / "debian"
    debian_dir.mkdir()
    from_debian = write_dataset(debian_dir, seed=3)
    monkeypatch.setattr(datasets, "_DEBIAN_DIR", debian_dir)
    assert_splits_equal(load_fashion_mnist(), from_debian)


def test_wrong_data_home_raises_naming_path_and_missing_files(isolated):
    write_dataset(isolated)
    (isolated / datasets.TEST_LABELS).unlink()
    with pytest.raises(FashionMNISTNotFoundError) as info:
        load_fashion_mnist(isolated)
    message = str(info.value)
    assert str(isolated) in message and "data_home" in message
    assert datasets.TEST_LABELS in message
    assert datasets.TRAIN_IMAGES not in message


def test_wrong_env_var_raises_naming_it(isolated, monkeypatch):
    missing = isolated / "nowhere"
    monkeypatch.setenv(ENV_VAR, str(missing))
    with pytest.raises(FileNotFoundError, match=ENV_VAR) as info:
        load_fashion_mnist()
    assert str(missing) in str(info.value)


def test_offline_error_lists_every_option(isolated):
    with pytest.raises(FashionMNISTNotFoundError) as info:
        load_fashion_mnist()
    message = str(info.value)
    assert str(isolated / "no-debian") in message
    assert str(isolated / "keras-home" / "datasets" / "fashion-mnist") in message
    assert "network is unreachable" in message
    assert "apt-get install -y dataset-fashion-mnist" in message
    assert ENV_VAR in message and "data_home" in message
    assert isinstance(info.value.__cause__, OSError)


def test_no_download_when_disabled(isolated, monkeypatch):
    def fail():
        raise AssertionError("download attempted")

    monkeypatch.setattr(datasets, "_download_with_keras", fail)
    with pytest.raises(FashionMNISTNotFoundError, match="download_if_missing=False"):
        load_fashion_mnist(download_if_missing=False)


def test_falls_back_to_keras_download(isolated, monkeypatch):
    rng = np.random.default_rng(4)
    downloaded = (make_split(rng, 4), make_split(rng, 2))
    monkeypatch.setitem(sys.modules, "keras", fake_keras_module(downloaded))
    (X_train, _), (X_test, y_test) = load_fashion_mnist(flatten=True)
    np.testing.assert_array_equal(X_train, downloaded[0][0].reshape(4, 784))
    np.testing.assert_array_equal(y_test, downloaded[1][1])
    assert X_test.shape == (2, 784)


@pytest.mark.parametrize(
    ("name", "magic"),
    [
        (datasets.TRAIN_IMAGES, 0x00000801),
        (datasets.TRAIN_LABELS, 0x00000803),
        (datasets.TEST_IMAGES, 0x00000D03),  # float32 type code
    ],
)
def test_wrong_magic_number(isolated, name, magic):
    train, test = write_dataset(isolated)
    array = {
        datasets.TRAIN_IMAGES: train[0],
        datasets.TRAIN_LABELS: train[1],
        datasets.TEST_IMAGES: test[0],
    }[name]
    path = isolated / name
    # Keep the header length of the declared ndim so only the magic is wrong.
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    with gzip.open(path, "wb") as stream:
        stream.write(header + array.tobytes())
    expected = 0x0800 | array.ndim
    with pytest.raises(ValueError, match=f"0x{expected:08X}.*0x{magic:08X}") as info:
        load_fashion_mnist(isolated)
    assert str(path) in str(info.value)


def test_truncated_data(isolated):
    write_dataset(isolated)
    path = isolated / datasets.TRAIN_IMAGES
    with gzip.open(path, "rb") as stream:
        raw = stream.read()
    with gzip.open(path, "wb") as stream:
        stream.write(raw[:-10])
    with pytest.raises(ValueError, match=f"{5 * 784} data bytes, found {5 * 784 - 10}"):
        load_fashion_mnist(isolated)


def test_truncated_header(isolated):
    write_dataset(isolated)
    path = isolated / datasets.TEST_IMAGES
    with gzip.open(path, "wb") as stream:
        stream.write(struct.pack(">II", 0x803, 3))
    with pytest.raises(ValueError, match="truncated header") as info:
        load_fashion_mnist(isolated)
    assert str(path) in str(info.value)


def test_truncated_gzip_stream(isolated):
    write_dataset(isolated)
    path = isolated / datasets.TRAIN_LABELS
    compressed = path.read_bytes()
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match="gzip") as info:
        load_fashion_mnist(isolated)
    assert str(path) in str(info.value)


def test_not_gzip(isolated):
    write_dataset(isolated)
    path = isolated / datasets.TRAIN_LABELS
    path.write_bytes(b"definitely not gzip")
    with pytest.raises(ValueError, match="gzip"):
        load_fashion_mnist(isolated)


def test_image_label_count_mismatch(isolated):
    write_dataset(isolated, n_test=3)
    write_idx(isolated / datasets.TEST_LABELS, np.zeros(2, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"3 images.*2 labels") as info:
        load_fashion_mnist(isolated)
    assert datasets.TEST_IMAGES in str(info.value)
    assert datasets.TEST_LABELS in str(info.value)


def test_wrong_image_size(isolated):
    write_dataset(isolated)
    write_idx(isolated / datasets.TRAIN_IMAGES, np.zeros((5, 27, 28)))
    with pytest.raises(ValueError, match="expected 28x28 images, found 27x28"):
        load_fashion_mnist(isolated)


def test_label_out_of_range(isolated):
    write_dataset(isolated)
    write_idx(isolated / datasets.TRAIN_LABELS, [0, 1, 2, 3, 10])
    with pytest.raises(ValueError, match="found 10"):
        load_fashion_mnist(isolated)


@pytest.mark.skipif(
    not DEBIAN_DIR.is_dir(),
    reason="needs apt-get install -y dataset-fashion-mnist",
)
def test_real_fashion_mnist(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    (X_train, y_train), (X_test, y_test) = load_fashion_mnist()
    assert X_train.shape == (60000, 28, 28) and X_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.uint8
    np.testing.assert_array_equal(y_train[:5], [9, 0, 0, 3, 0])
    np.testing.assert_array_equal(np.bincount(y_train), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(y_test), np.full(10, 1000))
