"""One instance used from several threads: readers never see a half-made model.

Each estimator has a readers-writer lock (kept beside it, not in it, so that
``clone``, pickling and ``save`` see nothing of it):

- ``transform``, ``inverse_transform``, ``score`` and ``save`` read: any
  number at once;
- ``fit`` trains a copy of the estimator without the lock and takes it only
  to publish the finished model, so readers see the earlier model until the
  new one is complete; two concurrent ``fit`` calls each publish a whole
  model, the later one winning;
- ``partial_fit`` trains the fitted model in place, so it holds the lock for
  the whole call: readers wait for it, then see the model after the call.
"""

import contextlib
import functools
import threading
import weakref

__all__ = ["publish", "reading", "writing"]

_locks = weakref.WeakKeyDictionary()
_locks_lock = threading.Lock()


class _ReadersWriterLock:
    """Many readers or one writer; both reentrant in their own thread.

    Writers go first: readers calling in a loop must not starve a fit
    waiting to publish its model. A thread that reads may read again (a
    waiting writer does not block it: that would deadlock), and a writer
    may read what it writes.
    """

    def __init__(self):
        self._condition = threading.Condition(threading.Lock())
        self._readers = {}  # thread ident -> depth
        self._writer = None
        self._writer_depth = 0
        self._writers_waiting = 0

    @contextlib.contextmanager
    def reading(self):
        me = threading.get_ident()
        with self._condition:
            if self._writer == me:
                self._writer_depth += 1
            elif me in self._readers:
                self._readers[me] += 1
            else:
                while self._writer is not None or self._writers_waiting:
                    self._condition.wait()
                self._readers[me] = 1
        try:
            yield
        finally:
            with self._condition:
                if self._writer == me:
                    self._writer_depth -= 1
                else:
                    self._readers[me] -= 1
                    if not self._readers[me]:
                        del self._readers[me]
                        self._condition.notify_all()

    @contextlib.contextmanager
    def writing(self):
        me = threading.get_ident()
        with self._condition:
            if self._writer == me:
                self._writer_depth += 1
            elif me in self._readers:
                raise RuntimeError(
                    "A transformer cannot be trained from within one of its own "
                    "transform, inverse_transform, score or save calls."
                )
            else:
                self._writers_waiting += 1
                try:
                    while self._writer is not None or self._readers:
                        self._condition.wait()
                finally:
                    self._writers_waiting -= 1
                self._writer, self._writer_depth = me, 1
        try:
            yield
        finally:
            with self._condition:
                self._writer_depth -= 1
                if self._writer_depth == 0:
                    self._writer = None
                    self._condition.notify_all()


def _lock_of(estimator):
    with _locks_lock:
        lock = _locks.get(estimator)
        if lock is None:
            lock = _locks[estimator] = _ReadersWriterLock()
        return lock


def reading(method):
    """Run ``method`` as a reader of its estimator."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with _lock_of(self).reading():
            return method(self, *args, **kwargs)

    return wrapper


def writing(method):
    """Run ``method`` as the only user of its estimator."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with _lock_of(self).writing():
            return method(self, *args, **kwargs)

    return wrapper


def publish(estimator, fitted):
    """Give ``estimator`` every attribute of ``fitted`` at once, for readers."""
    with _lock_of(estimator).writing():
        state = dict(vars(fitted))
        vars(estimator).clear()
        vars(estimator).update(state)
