"""SGD and Adam whose weight update is one TensorFlow kernel per variable.

Keras's optimizers update each variable with a chain of elementwise ops (SGD:
a product, then a subtraction; Adam: about ten), each a pass over the
variable's memory. Per step that traffic does not shrink with the batch: for
the 2,000-unit TopK model's 3.1 million weights at batch 32, Adam's update
cost about twice the step's matrix products, and the fused one nearly halved
the step's CPU time (``benchmarks/bench_training_options.py``). These
subclasses do the same update with TensorFlow's fused training kernels, one
pass per variable, and fall back to Keras's own update elsewhere (other
backends, SGD with momentum, AMSGrad).

- :class:`FusedSGD` is bit-identical to ``keras.optimizers.SGD``:
  ``ResourceApplyGradientDescent`` computes ``var - grad * lr`` in the same
  order and float32 rounding.
- :class:`FusedAdam` matches ``keras.optimizers.Adam`` to float32 rounding,
  not bit for bit: the kernel forms ``1 - beta_1`` in float32
  (``0.100000024`` for 0.9) where Keras rounds the double ``1 - 0.9`` once
  (``0.1``); every other operation is the same, in the same order.

Both keep Keras's variables, configuration and serialization, so pooled
models, saved files and ``partial_fit`` see no difference.
"""

import keras
from keras import ops

from .._tf.backend import uses_tensorflow

__all__ = ["FusedAdam", "FusedSGD"]


def _tensorflow():
    if not uses_tensorflow():
        return None
    import tensorflow as tf

    return tf


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class FusedSGD(keras.optimizers.SGD):
    """``keras.optimizers.SGD`` with one fused kernel per plain update.

    Parameters
    ----------
    **kwargs
        As for :class:`keras.optimizers.SGD`.

    Examples
    --------
    >>> from sk_sparse_ae.nn._optimizers import FusedSGD
    >>> FusedSGD(learning_rate=1.0).get_config()["learning_rate"]
    1.0
    """

    def update_step(self, gradient, variable, learning_rate):
        tf = _tensorflow()
        if tf is None or self.momentum != 0 or not hasattr(variable, "handle"):
            return super().update_step(gradient, variable, learning_rate)
        tf.raw_ops.ResourceApplyGradientDescent(
            var=variable.handle,
            alpha=ops.cast(learning_rate, variable.dtype),
            delta=ops.cast(gradient, variable.dtype),
        )


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class FusedAdam(keras.optimizers.Adam):
    """``keras.optimizers.Adam`` with one fused kernel per update.

    Parameters
    ----------
    **kwargs
        As for :class:`keras.optimizers.Adam`.

    Examples
    --------
    >>> from sk_sparse_ae.nn._optimizers import FusedAdam
    >>> FusedAdam(learning_rate=1e-3).get_config()["epsilon"]
    1e-07
    """

    def update_step(self, gradient, variable, learning_rate):
        tf = _tensorflow()
        if tf is None or self.amsgrad or not hasattr(variable, "handle"):
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        local_step = ops.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=self._momentums[index].value.handle,
            v=self._velocities[index].value.handle,
            beta1_power=ops.power(ops.cast(self.beta_1, dtype), local_step),
            beta2_power=ops.power(ops.cast(self.beta_2, dtype), local_step),
            lr=ops.cast(learning_rate, dtype),
            beta1=ops.cast(self.beta_1, dtype),
            beta2=ops.cast(self.beta_2, dtype),
            epsilon=ops.cast(self.epsilon, dtype),
            grad=ops.cast(gradient, dtype),
        )
