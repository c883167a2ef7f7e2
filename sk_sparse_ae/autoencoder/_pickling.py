"""Pickling and sizing a transformer (``__getstate__`` and friends).

Kept apart from the estimator's code: what a pickle holds, how a fresh worker
process sizes TensorFlow's thread pools before it unpickles a model, and the
size Dask's scheduler weighs.
"""

import math

import numpy as np
from sklearn.base import BaseEstimator

from .._tf.threads import new_instance_with_thread_limit

__all__ = ["getstate", "reduce_ex", "setstate", "sizeof"]


def getstate(self):
    # encoder_ and decoder_ are parts of model_: pickle model_ alone and
    # take them back out of it, so that the three keep sharing weights.
    state = BaseEstimator.__getstate__(self).copy()
    state.pop("encoder_", None)
    state.pop("decoder_", None)
    return state


def reduce_ex(self, protocol):
    # Pickle makes the instance before it unpickles model_, so a worker
    # process that first meets a fitted transformer (dask-ml's
    # ParallelPostFit) sizes TensorFlow's pools before they are fixed.
    return (new_instance_with_thread_limit, (type(self),), self.__getstate__())


def setstate(self, state):
    BaseEstimator.__setstate__(self, state)
    if "model_" in state:
        self.encoder_ = self.model_.get_layer("encoder")
        self.decoder_ = self.model_.get_layer("decoder")


def sizeof(self):
    # Dask's scheduler weighs where a task runs by the sizes of its inputs
    # (dask.sizeof falls back to sys.getsizeof): counting the weights and
    # optimizer state keeps a chain of partial_fit tasks (dask-ml's
    # Incremental) on the worker holding the model, instead of moving the
    # model, to be rebuilt and retraced, to each block.
    variables = []
    if hasattr(self, "model_"):
        variables = [*self.model_.weights, *self.model_.optimizer.variables]
    return object.__sizeof__(self) + sum(
        math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in variables
    )
