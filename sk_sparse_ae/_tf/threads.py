"""Size TensorFlow's thread pools to a worker process's share of the CPUs.

joblib's loky workers (``GridSearchCV(n_jobs=...)``) and Dask's worker
processes get their CPU share in ``OMP_NUM_THREADS`` (loky:
``cpu_count() // n_jobs``; Dask's nanny: 1). NumPy's BLAS and OpenMP honour
it, but TensorFlow sizes its intra-op and inter-op pools from the machine's
core count, so two workers on two cores would each run two-thread pools.
TensorFlow fixes its pools when its runtime starts (the first op of the
process), so this runs at the start of a fit, before the first op.
"""

import os

from .backend import uses_tensorflow

__all__ = ["limit_tensorflow_threads_to_environment", "new_instance_with_thread_limit"]


def limit_tensorflow_threads_to_environment():
    """Size TensorFlow's pools to ``OMP_NUM_THREADS`` if nothing else chose.

    Does nothing unless the backend is TensorFlow, ``OMP_NUM_THREADS`` is a
    positive int, neither ``TF_NUM_INTRAOP_THREADS`` nor
    ``TF_NUM_INTEROP_THREADS`` is set (TensorFlow reads those itself), no
    thread count was set through ``tf.config.threading``, and TensorFlow's
    runtime has not started in this process yet (its pools are then fixed).

    Returns
    -------
    n_threads : int or None
        The pool size set, or None if nothing was changed.
    """
    if not uses_tensorflow():
        return None
    if {"TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"} & set(os.environ):
        return None
    try:
        n_threads = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return None
    if n_threads < 1:
        return None
    import tensorflow as tf

    threading = tf.config.threading
    if threading.get_intra_op_parallelism_threads() or (
        threading.get_inter_op_parallelism_threads()
    ):
        return None
    try:
        threading.set_intra_op_parallelism_threads(n_threads)
        threading.set_inter_op_parallelism_threads(n_threads)
    except RuntimeError:  # the runtime has started: its pools are fixed
        return None
    return n_threads


def new_instance_with_thread_limit(cls):
    """``cls.__new__(cls)`` after :func:`limit_tensorflow_threads_to_environment`.

    The estimator's pickles call this first, before the Keras model in them
    is unpickled and starts TensorFlow's runtime (and fixes its pools): a
    worker process whose first task gets a fitted transformer (a Dask
    worker running ``transform``) sizes them as a fit would.
    """
    limit_tensorflow_threads_to_environment()
    return cls.__new__(cls)
