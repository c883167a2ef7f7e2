"""The one place that imports scikit-learn's (and TensorFlow's) private APIs.

scikit-learn's underscore modules change between releases; every use of them in
this package goes through here so that a new release needs one edit. The same
holds for the one TensorFlow internal used, :func:`in_xla_compilation`, and the
Keras internals: :func:`keras_auto_jit_compile`, :func:`keras_sigmoid_logits`
and the optimizer's gradient all-reduce, and the one Keras behaviour that
changed within the supported versions, :func:`keras_divides_activity_penalty`.
"""

import contextlib
import functools

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)

__all__ = [
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "_fit_context",
    "in_xla_compilation",
    "keras_auto_jit_compile",
    "keras_divides_activity_penalty",
    "keras_gradient_all_reduce",
    "keras_sigmoid_logits",
    "set_keras_gradient_all_reduce",
    "validate_parameter_constraints",
]


def in_xla_compilation():
    """Whether TensorFlow is tracing a function for XLA (``jit_compile=True``).

    XLA cannot compile a ``tf.numpy_function``; TensorFlow has no public way
    to ask, so this uses the helper its own ops use. If that helper moves,
    the answer is False and an XLA-compiled TopK model fails to compile with
    TensorFlow's own error.
    """
    try:
        import tensorflow as tf
        from tensorflow.python.ops.control_flow_util import (
            GraphOrParentsInXlaContext,
        )
    except ImportError:
        return False
    return bool(GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph()))


def keras_sigmoid_logits(output):
    """The logits Keras attaches to a sigmoid layer's output, or None.

    Keras's own binary cross-entropy reads them (``_keras_logits``) to compute
    the loss from the logits; without them (another backend, a dtype cast in
    between) the answer is None.
    """
    return getattr(output, "_keras_logits", None)


def keras_gradient_all_reduce(optimizer):
    """Keras's TensorFlow optimizer method that sums gradients across replicas.

    ``_all_reduce_sum_gradients``; None where the optimizer has none.
    """
    return getattr(optimizer, "_all_reduce_sum_gradients", None)


def set_keras_gradient_all_reduce(optimizer, function):
    """Make ``optimizer`` sum gradients across replicas with ``function``."""
    optimizer._all_reduce_sum_gradients = function


def keras_divides_activity_penalty():
    """Whether Keras divides an activity regularizer's value by the batch size.

    Keras 3.14 started to (``Layer.__call__`` adds ``value / batch_size`` to
    the layer's losses); Keras 3.8 to 3.13 add the value as it is. Asked of
    the installed Keras once per process, by its behaviour on a probe layer,
    not by its version number. The probe runs eagerly even inside a trace and
    changes no global state (no variable, no seed, no layer name counter).
    """
    return _activity_penalty_probe()


@functools.cache
def _activity_penalty_probe():
    import keras

    batch_size = 4
    layer = keras.layers.Identity(
        name="sk_sparse_ae_activity_penalty_probe",
        dtype="float32",
        activity_regularizer=lambda x: keras.ops.sum(keras.ops.ones_like(x)),
    )
    with _eager_scope(), keras.StatelessScope(collect_losses=True) as scope:
        layer(keras.ops.zeros((batch_size, 1), dtype="float32"))
        losses = list(scope.losses)
    value = float(keras.ops.convert_to_numpy(losses[0])) if len(losses) == 1 else None
    if value == 1.0:
        return True
    if value == float(batch_size):
        return False
    raise RuntimeError(
        f"Keras {keras.__version__} turned an activity penalty of "
        f"{float(batch_size)} on a batch of {batch_size} into {losses!r}; "
        "sk_sparse_ae knows Keras's that add it as is or divided by the batch size."
    )


def _eager_scope():
    """Out of any tf.function or jax.jit trace, so that the probe is concrete."""
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.init_scope()
    if keras.backend.backend() == "jax":
        import jax

        return jax.ensure_compile_time_eval()
    return contextlib.nullcontext()


def keras_auto_jit_compile(model):
    """What ``model.compile(jit_compile="auto")`` resolves to on this machine.

    Keras's rule (XLA where TensorFlow sees a device other than the CPU and
    every layer supports it) has no public name; if the method moves, the
    answer is False, Keras's choice on the CPU.
    """
    resolve = getattr(model, "_resolve_auto_jit_compile", None)
    return bool(resolve()) if resolve is not None else False
