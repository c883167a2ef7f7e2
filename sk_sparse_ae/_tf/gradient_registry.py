"""Keep TensorFlow from holding every traced train step for the process's life.

Each time Keras traces a train step (a model's first fit), its TensorFlow
optimizer sums the gradients across replicas with
``tf.distribute.get_replica_context().all_reduce``, which wraps them in a
``tf.custom_gradient``. In graph mode that registers a gradient function in
TensorFlow's global gradient registry under a new name, never removed, and
the function's closure holds the traced graph: about 1.5-2 MiB per traced
model, for good (150 fits cycling through 6 architectures grew by 2 MiB per
fit; ``benchmarks/bench_memory_growth.py``).

Without a ``tf.distribute`` strategy there is one replica and the sum is the
gradients themselves, so :func:`skip_single_replica_all_reduce` makes the
optimizer skip it then; under a strategy (``has_strategy()``) it sums as
before. Only this optimizer object is changed, nothing global.
"""

from .._compat import keras_gradient_all_reduce, set_keras_gradient_all_reduce
from .backend import uses_tensorflow

__all__ = ["skip_single_replica_all_reduce"]


def skip_single_replica_all_reduce(optimizer):
    """Make ``optimizer`` (and a wrapped inner one) skip the 1-replica all-reduce."""
    if not uses_tensorflow():
        return
    import tensorflow as tf

    for target in (optimizer, getattr(optimizer, "inner_optimizer", None)):
        all_reduce = None if target is None else keras_gradient_all_reduce(target)
        if all_reduce is None or getattr(all_reduce, "_sk_sparse_ae", False):
            continue

        def sum_gradients(grads_and_vars, all_reduce=all_reduce):
            if tf.distribute.has_strategy():
                return all_reduce(grads_and_vars)
            return list(grads_and_vars)

        sum_gradients._sk_sparse_ae = True
        set_keras_gradient_all_reduce(target, sum_gradients)
