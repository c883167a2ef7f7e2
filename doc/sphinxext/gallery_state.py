"""Check that each gallery example leaves the process's global state unchanged.

sphinx-gallery runs every example in the Sphinx process, one after another.
``check_unchanged`` (in ``reset_modules``, called before and after each
example) records the global state an example could change by mistake and
fails the build, naming the example and what changed, if it differs
afterwards. The examples promise to leave all of it alone.

Python's own ``random`` module is not checked: Dask's scheduler draws from it.
"""

import os
import warnings

import numpy as np
from threadpoolctl import threadpool_info

_before = {}


def _state():
    state = {
        "environment variables": dict(os.environ),
        "warnings filters": list(warnings.filters),
        "NumPy's global random state": _numpy_random_state(),
        "BLAS/OpenMP thread counts": sorted(
            (info["filepath"], info["num_threads"]) for info in threadpool_info()
        ),
        "NumPy error handling": np.geterr(),
    }
    import keras

    state["Keras float type"] = keras.config.floatx()
    state["Keras backend"] = keras.backend.backend()
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        # No public getter; tests/autoencoder/test_transformer.py reads it so too.
        from tensorflow.python.framework.config import is_op_determinism_enabled

        threading = tf.config.threading
        state["TensorFlow thread pools"] = (
            threading.get_intra_op_parallelism_threads(),
            threading.get_inter_op_parallelism_threads(),
        )
        state["TensorFlow op determinism"] = is_op_determinism_enabled()
    return state


def _numpy_random_state():
    kind, keys, position, has_gauss, cached = np.random.get_state()  # noqa: NPY002 (the global one)
    return kind, keys.tobytes(), position, has_gauss, cached


def check_unchanged(gallery_conf, fname, when):
    if fname is None:  # entering a folder of examples
        return
    if when == "before":
        _before[fname] = _state()
        return
    before, after = _before.pop(fname), _state()
    changed = [key for key in before if before[key] != after[key]]
    if changed:
        details = "; ".join(_describe(key, before[key], after[key]) for key in changed)
        raise RuntimeError(f"{fname} changed global state: {details}")


def _describe(key, before, after):
    if isinstance(before, dict):
        keys = sorted(
            name
            for name in set(before) | set(after)
            if before.get(name) != after.get(name)
        )
        return f"{key} ({', '.join(map(str, keys))})"
    return key
