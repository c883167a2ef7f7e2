"""One instance used from several threads: every result is a whole model's."""

import threading
import time

import numpy as np
import pytest

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer

SMALL = dict(n_components=8, hidden_layer_sizes=(16,), random_state=0)


def _while_alive(thread, timeout=300):
    """Yield while ``thread`` runs; fail if it is still running after
    ``timeout`` seconds (a writer starved by the reader's loop would be)."""
    deadline = time.monotonic() + timeout
    while thread.is_alive():
        assert time.monotonic() < deadline, "the training thread never finished"
        yield


def _run(threads):
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
        assert not thread.is_alive()


def test_concurrent_fits_leave_one_consistent_model(digits):
    X = digits[0]
    sae = SparseAutoencoderTransformer(**SMALL, epochs=2)
    errors = []

    def fit(data):
        try:
            sae.fit(data)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    _run([threading.Thread(target=fit, args=(X[:, :w],)) for w in (64, 40, 64, 40)])
    assert errors == []
    width = sae.n_features_in_
    assert sae.model_.get_layer("encoder").input_shape[-1] == width
    assert sae.transform(X[:5, :width]).shape == (5, 8)


def test_transform_during_a_refit_gives_the_earlier_models_codes(digits):
    X = digits[0]
    sae = SparseAutoencoderTransformer(**SMALL, epochs=1).fit(X)
    before = sae.transform(X[:300])
    refit = threading.Thread(
        target=sae.set_params(epochs=15, random_state=1).fit, args=(X,)
    )
    seen = []
    refit.start()
    for _ in _while_alive(refit):
        seen.append(sae.transform(X[:300]))
    refit.join()
    after = sae.transform(X[:300])
    assert len(seen) > 3
    assert not np.array_equal(before, after)
    for codes in seen:
        assert np.array_equal(codes, before) or np.array_equal(codes, after)


def test_save_during_a_refit_writes_a_whole_model(digits, tmp_path):
    X = digits[0]
    sae = SparseAutoencoderTransformer(**SMALL, epochs=1).fit(X[:, :40])
    refit = threading.Thread(target=sae.set_params(epochs=10).fit, args=(X,))
    refit.start()
    paths = []
    for _ in _while_alive(refit):
        paths.append(tmp_path / f"{len(paths)}.skae")
        sae.save(paths[-1])
    refit.join()
    assert paths
    for path in paths:
        loaded = sk_sparse_ae.load(path)
        width = loaded.n_features_in_
        assert loaded.transform(X[:3, :width]).shape == (3, 8)


@pytest.mark.parametrize("sparsity", ["kl", "topk"])
def test_transform_during_partial_fit_sees_the_model_before_or_after(digits, sparsity):
    X = digits[0]
    sae = SparseAutoencoderTransformer(**SMALL, k=4, sparsity=sparsity).partial_fit(X)
    before = sae.transform(X[:300])
    call = threading.Thread(target=sae.partial_fit, args=(np.tile(X, (4, 1)),))
    seen = []
    call.start()
    for _ in _while_alive(call):
        seen.append(sae.transform(X[:300]))
    call.join()
    after = sae.transform(X[:300])
    for codes in seen:
        assert np.array_equal(codes, before) or np.array_equal(codes, after)
