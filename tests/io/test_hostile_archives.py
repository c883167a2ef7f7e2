"""Archives built to exhaust memory or to mislead are refused quickly, by name."""

import json
import resource
import tracemalloc
import zipfile

import numpy as np
import pytest

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer

TINY = dict(n_components=4, hidden_layer_sizes=(6,), epochs=1, random_state=0)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    X = np.random.default_rng(0).random((40, 10))
    path = tmp_path_factory.mktemp("saved") / "sae.skae"
    SparseAutoencoderTransformer(**TINY).fit(X).save(path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(path, members, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def _zeros_member(archive, name, n_bytes, chunk=2**24):
    """A deflated member of ``n_bytes`` zeros, written without holding them."""
    with archive.open(name, "w", force_zip64=True) as member:
        zeros = bytes(chunk)
        for _ in range(n_bytes // chunk):
            member.write(zeros)


def _peak_python_bytes(function):
    tracemalloc.start()
    try:
        function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_huge_metadata_member_is_refused_before_it_is_read(saved, tmp_path):
    members = _members(saved)
    path = tmp_path / "bomb.skae"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _zeros_member(archive, "metadata.json", 2**30)  # 1 GiB, 1 MB on disk
        archive.writestr("model.keras", members["model.keras"])
    assert path.stat().st_size < 4 * 2**20

    def load():
        with pytest.raises(ValueError, match=r"metadata\.json would unpack to"):
            sk_sparse_ae.load(path)

    assert _peak_python_bytes(load) < 64 * 2**20


def test_a_huge_model_member_is_refused_before_it_is_read(saved, tmp_path):
    members = _members(saved)
    path = tmp_path / "bomb.skae"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", members["metadata.json"])
        _zeros_member(archive, "model.keras", 2**30)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def load():
        with pytest.raises(ValueError, match=r"model\.keras would unpack to"):
            sk_sparse_ae.load(path)

    assert _peak_python_bytes(load) < 64 * 2**20
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert grown_kib < 256 * 2**10


def test_duplicate_member_names_are_refused(saved, tmp_path):
    members = _members(saved)
    first = json.loads(members["metadata.json"])
    second = {**first, "params": {**first["params"], "n_components": 99}}
    path = _write(
        tmp_path / "dup.skae",
        [
            ("metadata.json", json.dumps(first)),
            ("metadata.json", json.dumps(second)),
            ("model.keras", members["model.keras"]),
        ],
    )
    with pytest.raises(ValueError, match=r"more than one member named \['metadata"):
        sk_sparse_ae.load(path)


@pytest.mark.parametrize(
    "where, name, n_digits", [("attributes", "n_iter_", 5000), ("params", "k", 50)]
)
def test_numbers_with_thousands_of_digits_give_the_documented_error(
    saved, tmp_path, where, name, n_digits
):
    members = _members(saved)
    metadata = json.loads(members["metadata.json"])
    metadata[where][name] = "PLACEHOLDER"
    text = json.dumps(metadata).replace('"PLACEHOLDER"', "9" * n_digits)
    path = _write(
        tmp_path / "digits.skae",
        [("metadata.json", text), ("model.keras", members["model.keras"])],
    )
    with pytest.raises(ValueError, match=r"digits\.skae.*integer of \d+ digits"):
        sk_sparse_ae.load(path)


def test_non_finite_weights_are_refused_naming_the_file(tmp_path):
    X = np.random.default_rng(0).random((40, 10))
    sae = SparseAutoencoderTransformer(**TINY).fit(X)
    kernel = sae.encoder_.get_layer("codings").kernel
    kernel.assign(np.full(kernel.shape, np.nan, dtype="float32"))
    path = tmp_path / "nan.skae"
    sae.save(path)
    with pytest.raises(ValueError, match=r"nan\.skae.*codings.*holds NaN or inf"):
        sk_sparse_ae.load(path)
