"""Fits leave nothing behind in TensorFlow's process-wide state."""

import gc
import time
import weakref

import numpy as np
from tensorflow.python.framework import ops
from tensorflow.python.framework.func_graph import FuncGraph

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae.training import _pool as model_pool
from sk_sparse_ae.training._loop import shuffled_epochs
from tests.conftest import SMALL


def _custom_gradients():
    # TensorFlow's private gradient registry, read only to observe the leak.
    return {name for name in ops._gradient_registry.list() if "CustomGradient" in name}


def _train_steps():
    return sum(
        isinstance(o, FuncGraph) and o.name == "one_step_on_data"
        for o in gc.get_objects()
    )


def test_fits_register_no_gradient_functions(digits_small):
    X = digits_small[0][:100]
    before = _custom_gradients()
    for n_components in (5, 6):  # new architectures: new traces
        params = {**SMALL, "n_components": n_components, "epochs": 1}
        SparseAutoencoderTransformer(**params).fit(X)
        SparseAutoencoderTransformer(**params).partial_fit(X)
    assert _custom_gradients() == before


def test_traced_train_steps_are_freed_with_their_models(digits_small):
    # Each fit of a new architecture traces a train step; once the pool has
    # dropped the model (it keeps a few), the traced graph must go too.
    X = digits_small[0][:100]
    gc.collect()
    before = _train_steps()
    for n_components in range(3, 3 + 3 * model_pool._MAX_FREE):
        SparseAutoencoderTransformer(
            n_components=n_components, hidden_layer_sizes=(), epochs=1, random_state=0
        ).fit(X)
    gc.collect()
    assert _train_steps() - before <= model_pool._MAX_FREE


class _Shuffler:
    """Stands in for the NumPy generator; unlike it, can be weakly referenced."""

    def __init__(self):
        self._rng = np.random.default_rng(0)

    def shuffle(self, array):
        self._rng.shuffle(array)


def test_dataset_releases_its_generator_after_iterating():
    # tf.data keeps a from_generator function for the life of the process;
    # what it holds (the shuffling generator, the order array) must not be.
    X = np.random.default_rng(0).random((100, 3)).astype(np.float32)
    shuffler = _Shuffler()
    alive = weakref.ref(shuffler)
    dataset = shuffled_epochs(X, 32, 2, shuffler)
    del shuffler
    assert sum(1 for _ in dataset) == 2 * 4
    del dataset
    # tf.data's threads may drop their last references a moment after the
    # iteration ends (one failure in a full run under load): wait up to 2 s.
    for _ in range(100):
        gc.collect()
        if alive() is None:
            break
        time.sleep(0.02)
    assert alive() is None
