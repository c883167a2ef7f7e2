"""From the estimator's parameters to a new compiled Keras autoencoder."""

from .._tf.dtype_policy import current_policy
from .._tf.gradient_registry import skip_single_replica_all_reduce
from .._tf.threads import limit_tensorflow_threads_to_environment
from ..nn._builder import build_autoencoder, initialize_weights
from ..nn._losses import make_loss
from ..nn._options import (
    KERAS_LOSSES,
    OUTPUT_ACTIVATIONS,
    SPARSITY_PENALTIES,
    make_optimizer,
)
from ._auto_settings import resolve_auxk_k

__all__ = ["build_model", "make_regularizer"]


def build_model(params, *, n_features, hidden, loss, learning_rate, rng, center):
    """A new compiled autoencoder: ``(model, encoder, decoder)``.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    n_features : int
        Width of the input.
    hidden : list of int
        The checked ``hidden_layer_sizes``.
    loss, learning_rate : str, float
        What ``"auto"`` resolved to (``loss_``, ``learning_rate_``).
    rng : numpy.random.Generator
        Draws one seed per Dense layer.
    center : ndarray of shape (n_features,) or None
        The training data's mean; used by TopK models only.
    """
    current_policy()  # ValueError under an unsupported dtype policy
    # Before the process's first TensorFlow op, when the pools get fixed.
    limit_tensorflow_threads_to_environment()
    top_k, auxk = None, None
    if params["sparsity"] == "topk":
        k, n_components = params["k"], params["n_components"]
        if k > n_components:
            raise ValueError(
                f"sparsity='topk' keeps k of the n_components coding units, "
                f"but k={k} > n_components={n_components}."
            )
        top_k = k
        auxk = {
            "auxk_k": resolve_auxk_k(params["auxk_k"], n_features, n_components),
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
        activity_regularizer=make_regularizer(params),
        seeds=seeds,
        top_k=top_k,
        auxk=auxk,
    )
    initialize_weights(model, seeds, center)
    model.compile(
        loss=make_loss(KERAS_LOSSES[loss]),
        optimizer=make_optimizer(params["optimizer"], learning_rate),
        jit_compile=params["jit_compile"],
    )
    skip_single_replica_all_reduce(model.optimizer)
    return model, encoder, decoder


def make_regularizer(params):
    """The coding layer's activity regularizer for ``params``, or None."""
    sparsity = params["sparsity"]
    if sparsity not in SPARSITY_PENALTIES:
        return None
    penalty, weight_name = SPARSITY_PENALTIES[sparsity]
    if sparsity == "kl":
        return penalty(
            weight=params["sparsity_weight"], target=params["sparsity_target"]
        )
    return penalty(**{weight_name: params["sparsity_weight"]})
