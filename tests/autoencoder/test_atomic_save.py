"""save replaces a file whole or not at all, and leaves no temporary file."""

import os
import signal
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer

TINY = dict(n_components=4, hidden_layer_sizes=(6,), epochs=1, random_state=0)


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).random((40, 10))


@pytest.fixture(scope="module")
def old_and_new(X):
    old = SparseAutoencoderTransformer(**TINY).fit(X)
    new = SparseAutoencoderTransformer(**{**TINY, "random_state": 1}).fit(X)
    return old, new


def _leftovers(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, OSError])
def test_a_failed_save_keeps_the_earlier_file(
    old_and_new, X, tmp_path, monkeypatch, interrupt
):
    old, new = old_and_new
    path = tmp_path / "sae.skae"
    old.save(path)
    real_write = zipfile.ZipFile.write

    def write_then_fail(self, *args, **kwargs):
        real_write(self, *args, **kwargs)
        raise interrupt("interrupted while writing")

    monkeypatch.setattr(zipfile.ZipFile, "write", write_then_fail)
    with pytest.raises(interrupt):
        new.save(path)
    monkeypatch.undo()
    np.testing.assert_array_equal(
        sk_sparse_ae.load(path).transform(X), old.transform(X)
    )
    assert _leftovers(tmp_path) == []


def test_a_killed_save_keeps_the_earlier_file(old_and_new, X, tmp_path):
    old, new = old_and_new
    path = tmp_path / "sae.skae"
    old.save(path)
    new.save(tmp_path / "new.skae")
    # A process that saves over path and is killed while the archive is half
    # written (it waits there for the signal).
    script = textwrap.dedent(
        f"""
        import sys, time, zipfile
        import sk_sparse_ae
        new = sk_sparse_ae.load({str(tmp_path / "new.skae")!r})
        real_write = zipfile.ZipFile.write
        def write_and_wait(self, *args, **kwargs):
            real_write(self, *args, **kwargs)
            print("writing", flush=True)
            time.sleep(120)
        zipfile.ZipFile.write = write_and_wait
        new.save({str(path)!r})
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    np.testing.assert_array_equal(
        sk_sparse_ae.load(path).transform(X), old.transform(X)
    )
    # Only a process killed outright leaves its (hidden) temporary file.
    assert all(name.startswith(".sae.skae.") for name in _leftovers(tmp_path))


def test_save_keeps_the_permissions_of_the_file_it_replaces(old_and_new, tmp_path):
    old, new = old_and_new
    path = tmp_path / "sae.skae"
    old.save(path)
    os.chmod(path, 0o640)
    new.save(path)
    assert os.stat(path).st_mode & 0o777 == 0o640
