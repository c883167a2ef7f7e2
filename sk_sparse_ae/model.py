"""Build the Keras sparse autoencoder: an encoder and a mirrored decoder."""

import keras

from .layers import TopKActivation
from .optimizers import FusedAdam, FusedSGD

__all__ = ["build_autoencoder", "flat_layers", "make_optimizer"]

# SGD and Adam update each weight in one fused kernel (optimizers.py).
_OPTIMIZERS = {
    "sgd": FusedSGD,
    "adam": FusedAdam,
    "nadam": keras.optimizers.Nadam,
    "rmsprop": keras.optimizers.RMSprop,
}

# Learning rates used when learning_rate="auto": the book's SGD(1.0), and
# Keras's own defaults for the adaptive optimizers.
DEFAULT_LEARNING_RATES = {"sgd": 1.0, "adam": 1e-3, "nadam": 1e-3, "rmsprop": 1e-3}


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
        If set, the coding layer keeps only the ``top_k`` largest
        pre-activations of each sample (sigmoid) and zeroes the rest: the
        ``"codings"`` Dense layer becomes linear and is followed by a
        :class:`~sk_sparse_ae.layers.TopKActivation` named ``"codings_topk"``.

    Returns
    -------
    autoencoder, encoder, decoder : keras.Model
    """
    hidden = [int(h) for h in hidden_layer_sizes]
    seeds = iter(seeds)
    encoder = keras.Sequential(name="encoder")
    encoder.add(keras.Input(shape=(n_features,)))
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
        encoder.add(TopKActivation(top_k, "sigmoid", name="codings_topk"))
    decoder = keras.Sequential(name="decoder")
    decoder.add(keras.Input(shape=(n_components,)))
    for i, units in enumerate(reversed(hidden)):
        decoder.add(_dense(units, activation, next(seeds), f"decoder_hidden_{i}"))
    decoder.add(_dense(n_features, output_activation, next(seeds), "reconstruction"))
    autoencoder = keras.Sequential([encoder, decoder], name="sparse_autoencoder")
    return autoencoder, encoder, decoder


def make_optimizer(name, learning_rate):
    """Return a new Keras optimizer by name (``"sgd"``, ``"adam"``, ...)."""
    if learning_rate == "auto":
        learning_rate = DEFAULT_LEARNING_RATES[name]
    return _OPTIMIZERS[name](learning_rate=learning_rate)


def flat_layers(model):
    """The layers of ``model`` in order, nested Sequential models expanded."""
    for layer in model.layers:
        if isinstance(layer, keras.Sequential):
            yield from flat_layers(layer)
        else:
            yield layer
