"""Small transforms from many threads leave the process's BLAS threads as they were."""

import threading

import numpy as np
import pytest
from threadpoolctl import OpenBLASController, threadpool_info, threadpool_limits

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae.autoencoder._numpy_forward import forward
from tests.conftest import SMALL


def _blas_threads():
    return [
        lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"
    ]


@pytest.fixture
def two_blas_threads():
    """Every BLAS library at 2 threads, and no thread controlling the limits.

    threadpoolctl >= 3.8 lets one thread at a time change OpenBLAS's limits:
    the thread inside this ``with`` block would be that thread, so it lets go
    of the control for the test, as a program that never limits BLAS does.
    """
    with threadpool_limits(limits=2, user_api="blas"):
        clear = getattr(OpenBLASController, "clear_controlling_thread", None)
        if clear is not None:
            clear(force=True)
        assert set(_blas_threads()) == {2}
        yield


def test_overlapping_calls_restore_the_threads_they_found(two_blas_threads):
    # The interleaving that broke per-call limits: A enters, B enters, A
    # leaves, B leaves. B saw A's limit of 1 on entry and restored it.
    a_inside, b_inside, a_left = (threading.Event() for _ in range(3))
    seen_inside = {}

    def blocking(enter, wait_for, name):
        def activation(z):
            enter.set()
            assert wait_for.wait(10)
            seen_inside[name] = _blas_threads()
            return z

        return activation

    X = np.ones((2, 3), dtype=np.float32)
    kernel, bias = np.ones((3, 3), dtype=np.float32), np.zeros(3, dtype=np.float32)
    thread_a = threading.Thread(
        target=forward, args=([(kernel, bias, blocking(a_inside, b_inside, "a"))], X)
    )
    thread_b = threading.Thread(
        target=forward, args=([(kernel, bias, blocking(b_inside, a_left, "b"))], X)
    )
    thread_a.start()
    assert a_inside.wait(10)
    thread_b.start()
    thread_a.join(10)
    a_left.set()
    thread_b.join(10)
    # A, the first call in, limited BLAS to one thread for both calls.
    assert set(seen_inside["a"]) == {1}
    assert set(_blas_threads()) == {2}


def test_concurrent_small_transforms_leave_blas_threads_unchanged(
    digits_small, two_blas_threads
):
    X = digits_small[0]
    sae = SparseAutoencoderTransformer(**SMALL).fit(X)
    expected = sae.transform(X[:32])
    results, errors = [], []

    def serve():
        try:
            for _ in range(300):
                results.append(sae.transform(X[:32]))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=serve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert set(_blas_threads()) == {2}
    assert all(np.array_equal(result, expected) for result in results)
