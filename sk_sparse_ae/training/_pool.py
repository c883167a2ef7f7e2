"""Reuse traced Keras models across fits of the same architecture.

TensorFlow traces a new Keras model's train step on its first ``fit``; on
small data (a grid search on digits) that costs about as much as the
training itself. Fits that differ only in data, seeds or sparsity weight can
train the same model object instead: :func:`checkout` hands out a free model
of the architecture (building one only when none is free), whose weights,
optimizer state and sparsity weight :meth:`PooledModel.reset` sets to exactly
what a newly built model would start from. The sparsity weight lives in a
variable of the pooled model's regularizer, so changing it does not retrace.

The estimator trains the pooled model and then copies the result into a new
model of its own (:meth:`PooledModel.copy_into`), so no fitted estimator
shares a model with the pool. Only under TensorFlow: JAX would bake the
weight variable into its compiled function as a constant, and torch runs
eagerly, with nothing to save.
"""

import collections
import contextlib
import threading

import keras

from .._tf.backend import uses_tensorflow
from .._tf.variables import to_numpy
from ..nn._builder import initialize_weights

__all__ = ["MAX_POOLED_WEIGHTS", "PooledModel", "checkout", "enabled"]

# Free models kept per process, least recently used dropped first.
_MAX_FREE = 4
_lock = threading.Lock()
_free = collections.OrderedDict()


# Models with more weights are not pooled: their training dwarfs the tracing,
# and a pooled copy would double their memory during a fit and keep it after.
MAX_POOLED_WEIGHTS = 2**22


def enabled(n_weights=0):
    """Whether pooling applies: the TensorFlow backend, a model of at most
    ``MAX_POOLED_WEIGHTS`` weights."""
    return uses_tensorflow() and n_weights <= MAX_POOLED_WEIGHTS


class PooledModel:
    """A compiled autoencoder whose training can start over without retracing.

    Parameters
    ----------
    model, encoder, decoder : keras.Model
        As built by ``build_autoencoder`` and compiled.
    weight_attribute : str or None
        The attribute of the coding layer's activity regularizer holding the
        sparsity weight (``"weight"``, ``"l1"``), or ``None`` without one.
    """

    def __init__(self, model, encoder, decoder, weight_attribute):
        self.model, self.encoder, self.decoder = model, encoder, decoder
        self._weight_variable = None
        if weight_attribute is not None:
            codings = encoder.get_layer("codings")
            regularizer = codings.activity_regularizer
            # As the float a new model holds would be: in the layer's variable
            # dtype (float64 under that policy), never cast to a mixed
            # policy's 16-bit compute dtype.
            self._weight_variable = keras.Variable(
                getattr(regularizer, weight_attribute),
                dtype=codings.variable_dtype,
                trainable=False,
                autocast=False,
                name="sparsity_weight",
            )
            setattr(regularizer, weight_attribute, self._weight_variable)
        model.optimizer.build(model.trainable_variables)
        self._initial_optimizer_values = [
            to_numpy(v) for v in model.optimizer.variables
        ]

    def reset(self, seeds, sparsity_weight, center=None, loss_scale=1.0):
        """Start values of a model built with ``seeds`` and initialised with
        ``center`` and ``loss_scale`` (``model.initialize_weights``), and the
        given weight."""
        initialize_weights(self.model, seeds, center, loss_scale)
        for variable, value in zip(
            self.model.optimizer.variables, self._initial_optimizer_values, strict=True
        ):
            variable.assign(value)
        if self._weight_variable is not None:
            self._weight_variable.assign(sparsity_weight)

    def copy_into(self, model):
        """Copy the trained weights and optimizer state into a new ``model``."""
        model.set_weights(self.model.get_weights())
        model.optimizer.build(model.trainable_variables)
        for target, source in zip(
            model.optimizer.variables, self.model.optimizer.variables, strict=True
        ):
            target.assign(source)


@contextlib.contextmanager
def checkout(key, build):
    """Lend a free :class:`PooledModel` for ``key``, built by ``build()`` if none.

    The model goes back to the pool when the block ends, also on an error
    (the next :meth:`PooledModel.reset` starts it over either way). Keras's
    global dtype policy is part of the key: layers take it when built, so a
    model pooled under another policy would differ from a new one.
    """
    key = (keras.config.dtype_policy().name, key)
    with _lock:
        models = _free.get(key)
        pooled = models.pop() if models else None
    if pooled is None:
        pooled = build()
    try:
        yield pooled
    finally:
        with _lock:
            _free.setdefault(key, []).append(pooled)
            _free.move_to_end(key)
            while sum(len(m) for m in _free.values()) > _MAX_FREE:
                oldest = next(iter(_free))
                _free[oldest].pop(0)
                if not _free[oldest]:
                    del _free[oldest]
