"""Build the Keras sparse autoencoder: an encoder and a mirrored decoder."""

import itertools

import keras
import numpy as np

from ._layers import Centering, TopKActivation
from ._options import dense_layers
from ._topk_autoencoder import TopKAutoencoder

__all__ = ["build_autoencoder", "count_weights", "initialize_weights"]

# Norm of each coding unit's initial decoder direction in TopK models: with
# Adam's fixed step size per weight, small weights let the directions move
# further from their random start; 0.1 gave better features than unit norm
# (doc/modules/features.md, the design table).
TOPK_DECODER_NORM = 0.1
# Clips the data mean before its logit becomes a sigmoid output's bias.
_LOGIT_CLIP = 1e-3


def _dense(units, activation, seed, name, **kwargs):
    return keras.layers.Dense(
        units,
        activation=activation,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        name=name,
        **kwargs,
    )


def build_autoencoder(
    n_features,
    *,
    n_components,
    hidden_layer_sizes,
    activation,
    output_activation,
    activity_regularizer,
    seeds,
    top_k=None,
    auxk=None,
):
    """Build ``(autoencoder, encoder, decoder)``.

    The encoder is ``n_features -> hidden_layer_sizes (activation) ->
    n_components (sigmoid, with the activity regularizer)``; the decoder
    mirrors the hidden layers and ends in ``n_features`` units with
    ``output_activation``. The autoencoder chains the two, sharing their
    layers, so training it trains both.

    Parameters
    ----------
    n_features : int
        Width of the input.
    n_components : int
        Number of coding units.
    hidden_layer_sizes : sequence of int
        Hidden layers of the encoder, mirrored in the decoder.
    activation : str
        Keras activation of the hidden layers.
    output_activation : str
        Keras activation of the reconstruction layer.
    activity_regularizer : keras.regularizers.Regularizer or None
        Sparsity penalty on the coding layer.
    seeds : sequence of int
        One kernel-initializer seed per Dense layer, ``2 * len(hidden) + 2``.
    top_k : int or None, default=None
        If set, a TopK autoencoder as in the sparse-autoencoder research: the
        encoder starts with a :class:`~sk_sparse_ae.nn.Centering` layer,
        the ``"codings"`` Dense layer is linear and is followed by a
        :class:`~sk_sparse_ae.nn.TopKActivation` named ``"codings_topk"``
        that keeps the ``top_k`` largest pre-activations of each sample
        through ReLU, and the autoencoder is a
        :class:`~sk_sparse_ae.nn.TopKAutoencoder`.
    auxk : dict or None, default=None
        With ``top_k``: the ``auxk_k``, ``auxk_weight`` and
        ``dead_after_samples`` of the
        :class:`~sk_sparse_ae.nn.TopKAutoencoder`.

    Returns
    -------
    autoencoder, encoder, decoder : keras.Model
        Their weights are those of :func:`initialize_weights` without a
        ``center``.
    """
    hidden = [int(h) for h in hidden_layer_sizes]
    seeds = iter(seeds)
    encoder = keras.Sequential(name="encoder")
    encoder.add(keras.Input(shape=(n_features,)))
    if top_k is not None:
        encoder.add(Centering(name="centering"))
    for i, units in enumerate(hidden):
        encoder.add(_dense(units, activation, next(seeds), f"encoder_hidden_{i}"))
    encoder.add(
        _dense(
            n_components,
            "sigmoid" if top_k is None else "linear",
            next(seeds),
            "codings",
            activity_regularizer=activity_regularizer,
        )
    )
    if top_k is not None:
        encoder.add(TopKActivation(top_k, "relu", name="codings_topk"))
    decoder = keras.Sequential(name="decoder")
    decoder.add(keras.Input(shape=(n_components,)))
    for i, units in enumerate(reversed(hidden)):
        decoder.add(_dense(units, activation, next(seeds), f"decoder_hidden_{i}"))
    decoder.add(_dense(n_features, output_activation, next(seeds), "reconstruction"))
    if top_k is None:
        autoencoder = keras.Sequential([encoder, decoder], name="sparse_autoencoder")
    else:
        autoencoder = TopKAutoencoder(
            encoder, decoder, name="sparse_autoencoder", **auxk
        )
    return autoencoder, encoder, decoder


def initialize_weights(model, seeds, center=None, loss_scale=1.0):
    """Set every weight of a :func:`build_autoencoder` model to its start value.

    Dense kernels are Glorot-uniform from their layer's seed and biases are
    zero, as Keras initialises them at build. A TopK model also gets the
    research SAEs' start: the coding layer's kernel is the transpose of the
    first decoder layer's, whose rows are random directions of norm
    ``TOPK_DECODER_NORM`` (drawn from the coding layer's seed); with
    ``center`` (the training data's mean), the input is centred on it and
    the reconstruction starts at it (its logit for a sigmoid output); the
    dead-unit counters start at zero.

    Parameters
    ----------
    model : keras.Model
        As returned by :func:`build_autoencoder`.
    seeds : sequence of int
        The ``seeds`` it was built with.
    center : ndarray of shape (n_features,), optional
        The training data's mean; used by TopK models only.
    loss_scale : float, default=1.0
        A TopK model's ``loss_scale`` (``1 / variance`` of the training data
        for the features model under squared error).
    """
    dense = dense_layers(model)
    for layer, seed in zip(dense, seeds, strict=True):
        initializer = keras.initializers.GlorotUniform(seed=seed)
        layer.kernel.assign(initializer(layer.kernel.shape))
        layer.bias.assign(keras.ops.zeros(layer.bias.shape))
    if not isinstance(model, TopKAutoencoder):
        return
    coding = model.encoder.get_layer("codings")
    first_decoder_layer = model.decoder.layers[0]
    seed = seeds[[layer.name for layer in dense].index("codings")]
    directions = np.random.default_rng(seed).standard_normal(
        first_decoder_layer.kernel.shape
    )
    directions *= TOPK_DECODER_NORM / np.linalg.norm(directions, axis=1, keepdims=True)
    first_decoder_layer.kernel.assign(directions.astype(np.float32))
    coding.kernel.assign(directions.T.astype(np.float32))
    model.samples_since_fired.assign(keras.ops.zeros_like(model.samples_since_fired))
    model.loss_scale.assign(loss_scale)
    if center is None:
        return
    center = np.asarray(center, dtype=np.float32)
    model.encoder.get_layer("centering").offset.assign(center)
    reconstruction = model.decoder.get_layer("reconstruction")
    if reconstruction.activation is keras.activations.sigmoid:
        clipped = np.clip(center, _LOGIT_CLIP, 1 - _LOGIT_CLIP)
        center = np.log(clipped / (1 - clipped)).astype(np.float32)
    reconstruction.bias.assign(center)


def count_weights(n_features, hidden, n_components):
    """The autoencoder's number of weights, kernels and biases: O(n_features *
    (hidden[0] or n_components) + ...), each layer's inputs times its units."""
    widths = [n_features, *hidden, n_components, *hidden[::-1], n_features]
    return sum((a + 1) * b for a, b in itertools.pairwise(widths))
