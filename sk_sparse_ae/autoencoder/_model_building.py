"""From the estimator's parameters to a new compiled Keras autoencoder."""

import os
import warnings

from .._compat import keras_divides_activity_penalty
from .._tf.dtype_policy import current_policy
from .._tf.fork_safety import note_tensorflow_started
from .._tf.gradient_registry import skip_single_replica_all_reduce
from .._tf.threads import limit_tensorflow_threads_to_environment
from ..nn._builder import build_autoencoder, count_weights, initialize_weights
from ..nn._losses import make_loss
from ..nn._options import (
    KERAS_LOSSES,
    OUTPUT_ACTIVATIONS,
    SPARSITY_PENALTIES,
    make_optimizer,
)
from ._auto_settings import resolve_auxk_k

__all__ = [
    "build_model",
    "check_model_size",
    "kept_units",
    "make_regularizer",
    "warn_if_k_keeps_every_unit",
]

# Values kept per weight while training: the weight, its gradient and up to
# two optimizer slots (Adam's moments), in float32.
_TRAINING_BYTES_PER_WEIGHT = 4 * 4


def build_model(
    params,
    *,
    n_features,
    hidden,
    loss,
    learning_rate,
    sparsity_weight,
    rng,
    center,
    loss_scale=1.0,
):
    """A new compiled autoencoder: ``(model, encoder, decoder)``.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    n_features : int
        Width of the input.
    hidden : list of int
        The checked ``hidden_layer_sizes``.
    loss, learning_rate, sparsity_weight : str, float, float
        What ``"auto"`` resolved to (``loss_``, ``learning_rate_``,
        ``sparsity_weight_``).
    rng : numpy.random.Generator
        Draws one seed per Dense layer.
    center : ndarray of shape (n_features,) or None
        The training data's mean; used by TopK models only.
    loss_scale : float, default=1.0
        What a TopK model's loss is multiplied by (``loss_scale_of``).
    """
    current_policy()  # ValueError under an unsupported dtype policy
    check_model_size(params, n_features, hidden)
    # Before the process's first TensorFlow op, when the pools get fixed.
    limit_tensorflow_threads_to_environment()
    note_tensorflow_started()
    # Now, not inside the first traced step (the answer is cached).
    keras_divides_activity_penalty()
    top_k, auxk = None, None
    if params["sparsity"] == "topk":
        top_k = kept_units(params)
        auxk = {
            "auxk_k": resolve_auxk_k(
                params["auxk_k"], n_features, params["n_components"]
            ),
            "auxk_weight": params["auxk_weight"],
            "dead_after_samples": params["dead_after_samples"],
        }
    elif params["sparse_output"]:
        raise ValueError(
            f"sparse_output=True needs sparsity='topk', whose codes are "
            f"mostly zeros; sparsity={params['sparsity']!r} gives dense codes."
        )
    seeds = rng.integers(0, 2**31 - 1, size=2 * len(hidden) + 2).tolist()
    model, encoder, decoder = build_autoencoder(
        n_features,
        n_components=params["n_components"],
        hidden_layer_sizes=hidden,
        activation=params["activation"],
        output_activation=OUTPUT_ACTIVATIONS[loss],
        activity_regularizer=make_regularizer(params, sparsity_weight),
        seeds=seeds,
        top_k=top_k,
        auxk=auxk,
    )
    initialize_weights(model, seeds, center, loss_scale)
    model.compile(
        loss=make_loss(KERAS_LOSSES[loss]),
        optimizer=make_optimizer(params["optimizer"], learning_rate),
        jit_compile=params["jit_compile"],
    )
    skip_single_replica_all_reduce(model.optimizer)
    return model, encoder, decoder


def kept_units(params):
    """The units TopK keeps per sample: ``k``, at most every unit."""
    return min(params["k"], params["n_components"])


def warn_if_k_keeps_every_unit(k, n_components, sparsity):
    """Warn where an explicit ``k >= n_components``, as ``SelectKBest`` does
    for ``k > n_features``: TopK then keeps every unit."""
    if sparsity == "topk" and not isinstance(k, str) and k >= n_components:
        warnings.warn(
            f"k={k} is at least n_components={n_components}: sparsity='topk' "
            "keeps every coding unit (ReLU codes, not sparse by construction).",
            UserWarning,
            stacklevel=3,
        )


def make_regularizer(params, weight):
    """The coding layer's activity regularizer with this ``weight``, or None."""
    sparsity = params["sparsity"]
    if sparsity not in SPARSITY_PENALTIES:
        return None
    penalty, weight_name = SPARSITY_PENALTIES[sparsity]
    if sparsity == "kl":
        return penalty(weight=weight, target=params["sparsity_target"])
    return penalty(**{weight_name: weight})


def check_model_size(params, n_features, hidden):
    """ValueError, before anything is allocated, if training the model would
    need more memory than the machine has."""
    n_weights = count_weights(n_features, hidden, params["n_components"])
    needed = _TRAINING_BYTES_PER_WEIGHT * n_weights
    available = _physical_memory()
    if available is not None and needed > available:
        raise ValueError(
            f"n_components={params['n_components']} and "
            f"hidden_layer_sizes={params['hidden_layer_sizes']!r} on "
            f"{n_features} features make {n_weights:,} weights, which need about "
            f"{needed / 2**30:,.1f} GiB to train, more than this machine's "
            f"{available / 2**30:,.1f} GiB of memory."
        )


def _physical_memory():
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
