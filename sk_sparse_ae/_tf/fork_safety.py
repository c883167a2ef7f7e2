"""Training in a process forked after TensorFlow started: refused, not hung.

TensorFlow's runtime is not fork-safe: a child created with ``fork`` after
the parent ran TensorFlow ops inherits its thread pools without their threads,
and its first training step waits for ever (``GridSearchCV(n_jobs=2)`` under
joblib's ``"multiprocessing"`` backend did). Once this process has built a
model, a child forked from it raises a clear error in ``fit`` and
``partial_fit`` instead. Processes started with ``spawn`` or ``forkserver``
(joblib's default ``loky`` backend, Dask's workers) are fresh, and work.
``transform`` in such a child is left alone: small inputs run in NumPy.
"""

import os

__all__ = ["check_not_forked_after_tensorflow", "note_tensorflow_started"]

_state = {"started": False, "forked_after_start": False, "hook": False}


def _in_child():
    _state["forked_after_start"] = _state["started"]


def note_tensorflow_started():
    """Record that this process runs TensorFlow (before its first op)."""
    if not _state["hook"] and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_in_child)
        _state["hook"] = True
    _state["started"] = True


def check_not_forked_after_tensorflow(method):
    """RuntimeError if this process was forked from one that ran TensorFlow."""
    if _state["forked_after_start"]:
        raise RuntimeError(
            f"{method} cannot train in a process forked (os.fork, "
            "multiprocessing's 'fork' start method, joblib's 'multiprocessing' "
            "backend) from one that had already trained or loaded a model: "
            "TensorFlow's runtime is not fork-safe and would hang. Use joblib's "
            "default 'loky' backend, or the 'spawn' or 'forkserver' start method."
        )
