"""Forked processes, and sizes far beyond the data or the machine."""

import os
import select
import time

import numpy as np
import pytest

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae._compat import InvalidParameterError
from tests.conftest import SMALL


def _in_forked_child(work, timeout=120):
    """Run ``work()`` in a child forked now; return the line it printed.

    A child that hangs is killed and reported as ``"hung"``.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read_end)
        try:
            message = work()
        except BaseException as error:
            message = f"{type(error).__name__}: {error}"
        os.write(write_end, message.encode()[:4000])
        os._exit(0)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], timeout)
        if not ready:
            os.kill(pid, 9)
            return "hung"
        return os.read(read_end, 4096).decode()
    finally:
        os.close(read_end)
        for _ in range(100):
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                break
            time.sleep(0.05)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_training_in_a_child_forked_after_tensorflow_raises(digits, method):
    X = digits[0][:200]
    sae = SparseAutoencoderTransformer(**SMALL).fit(X)
    message = _in_forked_child(lambda: repr(getattr(sae, method)(X)))
    assert message.startswith("RuntimeError: "), message
    assert f"{method} cannot train in a process forked" in message
    assert "'loky'" in message


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_transform_in_a_forked_child_still_works(digits):
    X = digits[0][:200]
    sae = SparseAutoencoderTransformer(**SMALL).fit(X)
    expected = sae.transform(X[:5])
    message = _in_forked_child(lambda: repr(sae.transform(X[:5]).tolist()))
    np.testing.assert_allclose(eval(message), expected, rtol=1e-6)


@pytest.mark.parametrize("sparsity", ["kl", "topk"])
def test_a_batch_larger_than_the_data_is_the_whole_data(digits, sparsity):
    X = digits[0][:150]
    params = dict(SMALL, sparsity=sparsity, k=4)
    whole = SparseAutoencoderTransformer(**params, batch_size=len(X)).fit(X)
    huge = SparseAutoencoderTransformer(**params, batch_size=10**7).fit(X)
    np.testing.assert_array_equal(huge.transform(X), whole.transform(X))
    assert huge.batch_size == 10**7  # the parameter itself is left alone

    whole.partial_fit(X)
    huge.partial_fit(X)
    np.testing.assert_array_equal(huge.transform(X), whole.transform(X))


@pytest.mark.parametrize(
    "params",
    [dict(n_components=10**9), dict(hidden_layer_sizes=(10**5, 10**5))],
)
def test_a_model_larger_than_memory_is_refused_before_it_is_built(digits, params):
    sae = SparseAutoencoderTransformer(**{**SMALL, **params})
    with pytest.raises(ValueError, match=r"weights, which need about [\d,.]+ GiB"):
        sae.fit(digits[0][:50])
    assert not hasattr(sae, "model_")


def test_dead_after_samples_beyond_the_counter_is_a_parameter_error(digits):
    sae = SparseAutoencoderTransformer(
        **SMALL, sparsity="topk", k=4, dead_after_samples=10**30
    )
    with pytest.raises(InvalidParameterError, match="'dead_after_samples'"):
        sae.fit(digits[0][:50])
