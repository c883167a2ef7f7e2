"""The machine an experiment ran on, its threads, and writing its results."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

import numpy as np

from ._settings import QUICK, SHARED_MACHINE_NOTE

__all__ = ["configure_threads", "machine_info"]


def configure_threads(n_threads):
    """Fix TensorFlow's thread pools to ``n_threads``; call before TF runs.

    BLAS threads are limited separately, inside each experiment, with
    threadpoolctl.

    Parameters
    ----------
    n_threads : int
        Threads for TensorFlow's intra-op and inter-op pools.

    Raises
    ------
    RuntimeError
        If TensorFlow has already started its runtime in this process.
    """
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(n_threads)
    tf.config.threading.set_inter_op_parallelism_threads(n_threads)


def machine_info(n_threads=None):
    """Where and with what an experiment ran, as a JSON-ready dict.

    Parameters
    ----------
    n_threads : int, optional
        The BLAS thread limit the experiment set, recorded as given.

    Returns
    -------
    dict
    """
    import keras
    import sklearn
    import tensorflow as tf

    threading = tf.config.threading
    return {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "blas_threads": n_threads,
        # 0 means TensorFlow's default: one thread per core.
        "tensorflow_intra_op_threads": threading.get_intra_op_parallelism_threads(),
        "tensorflow_inter_op_threads": threading.get_inter_op_parallelism_threads(),
        "note": SHARED_MACHINE_NOTE,
    }


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _load(data_home, quick):
    from ..datasets import load_fashion_mnist

    (X_train, y_train), (X_test, y_test) = load_fashion_mnist(
        data_home, flatten=True, as_float=True
    )
    if quick:
        n_train, n_test = QUICK["n_train"], QUICK["n_test"]
        return (X_train[:n_train], y_train[:n_train]), (
            X_test[:n_test],
            y_test[:n_test],
        )
    return (X_train, y_train), (X_test, y_test)


def _blas_threads(n_threads):
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    if n_threads is None:
        return nullcontext()
    return threadpool_limits(limits=n_threads, user_api="blas")


def _require_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "reproduce saves histograms with matplotlib: pip install sk_sparse_ae[plot]"
        ) from exc


def _prepare_output_dir(output_dir):
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    return output_dir


def _kwargs(params):
    return ", ".join(f"{key}={value!r}" for key, value in params.items())


def _jsonable(params):
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in params.items()
    }
