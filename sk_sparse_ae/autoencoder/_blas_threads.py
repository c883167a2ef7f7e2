"""One BLAS thread while small NumPy products run, safe under concurrent calls.

The NumPy inference path multiplies a few rows by the weights: well under a
millisecond on one core, while a multi-threaded BLAS on a busy machine can
stall such a product a hundredfold. BLAS thread counts are process-wide,
so limiting them around every call is not thread-safe: with overlapping calls
each one would restore what it had seen on entry, and a call that had entered
while another held the limit would restore that limit of 1, for good.

Here one call at a time owns the limit: the first call in, when no other
call holds it, limits every BLAS library to one thread with
``threadpoolctl`` and restores the counts it found when it leaves, in its own
thread (threadpoolctl >= 3.8 lets only one thread at a time change
OpenBLAS's limits, and ignores the others). Calls that overlap it run under
its limit while it lasts and change nothing themselves. So between calls
nothing is changed, and no interleaving can leave a count changed; while an
owning call runs, BLAS in the user's other threads uses one thread too. If
the user's own ``threadpool_limits`` block controls the limits from another
thread, threadpoolctl ignores ours and nothing is changed.
"""

import functools
import threading

from threadpoolctl import ThreadpoolController

__all__ = ["single_blas_thread"]

_lock = threading.Lock()
_owned = False


@functools.cache
def _controller():
    # Finding the loaded libraries is slow; limiting them is fast, faster
    # still when only the BLAS libraries are described on each limit.
    return ThreadpoolController().select(user_api="blas")


class single_blas_thread:
    """Context manager: BLAS on one thread inside, unless another call owns it."""

    __slots__ = ("_limiter",)

    def __enter__(self):
        global _owned
        self._limiter = None
        with _lock:
            if _owned:
                return self
            _owned = True
        try:
            limiter = _controller().limit(limits=1)
            limiter.__enter__()
        except BaseException:
            _release()
            raise
        self._limiter = limiter
        return self

    def __exit__(self, *exc_info):
        if self._limiter is None:
            return
        try:
            self._limiter.__exit__(*exc_info)
        finally:
            _release()


def _release():
    global _owned
    with _lock:
        _owned = False
