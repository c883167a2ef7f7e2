"""What a built autoencoder actually is, compared with the estimator's parameters.

:func:`param_mismatches` reads the settings a Keras autoencoder was built and
compiled with (widths, activations, loss, optimizer, learning rate, sparsity)
and lists every parameter that disagrees with them. ``partial_fit`` uses it to
apply or refuse ``set_params`` changes (``_param_changes``), and ``load`` to
refuse a file whose metadata does not describe its model.
"""

import keras
import numpy as np

from ._variables import to_numpy
from .layers import TopKActivation
from .model import DEFAULT_LEARNING_RATES, flat_layers
from .regularizers import KLDivergenceSparsity, L1Sparsity

__all__ = ["KERAS_LOSSES", "OUTPUT_ACTIVATIONS", "param_mismatches"]

KERAS_LOSSES = {"binary_crossentropy": "binary_crossentropy", "squared_error": "mse"}
OUTPUT_ACTIVATIONS = {"binary_crossentropy": "sigmoid", "squared_error": "linear"}
_SPARSITY_OF_REGULARIZER = {KLDivergenceSparsity: "kl", L1Sparsity: "l1"}


def param_mismatches(params, model):
    """The parameters that ``model`` was not built or compiled with.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    model : keras.Model
        An autoencoder built by ``build_autoencoder`` and compiled.

    Returns
    -------
    mismatches : dict of str to (object, object)
        For each disagreeing parameter, ``(parameter value, model's value)``.
        Parameters that the model does not depend on (``k`` without TopK,
        ``sparsity_target`` without KL, ...) are not compared.
    """
    actual = _model_settings(model)
    wanted = _settings_of_params(params, model.get_layer("encoder").input_shape[-1])
    mismatches = {}
    for name, value in wanted.items():
        if name not in actual:
            continue
        if name == "learning_rate":
            # The optimizer holds a float32 variable.
            same = np.float32(value) == np.float32(actual[name])
        else:
            same = value == actual[name]
        if not same:
            mismatches[name] = (params[name], _as_param_value(name, actual[name]))
    return mismatches


def _as_param_value(name, value):
    if name == "loss":
        for loss, keras_loss in KERAS_LOSSES.items():
            if value == (keras_loss, OUTPUT_ACTIVATIONS[loss]):
                return loss
        return f"Keras loss {value[0]!r} with a {value[1]!r} output"
    return value


def _settings_of_params(params, n_features):
    sparsity = params["sparsity"]
    hidden = tuple(int(h) for h in np.asarray(params["hidden_layer_sizes"]).tolist())
    learning_rate = params["learning_rate"]
    if learning_rate == "auto":
        learning_rate = DEFAULT_LEARNING_RATES.get(params["optimizer"])
    settings = {
        "n_components": params["n_components"],
        "hidden_layer_sizes": hidden,
        "activation": params["activation"] if hidden else None,
        "loss": (KERAS_LOSSES[params["loss"]], OUTPUT_ACTIVATIONS[params["loss"]]),
        "optimizer": params["optimizer"],
        "learning_rate": learning_rate,
        "sparsity": sparsity,
    }
    if sparsity in ("kl", "l1"):
        settings["sparsity_weight"] = float(params["sparsity_weight"])
    if sparsity == "kl":
        settings["sparsity_target"] = float(params["sparsity_target"])
    if sparsity == "topk":
        settings["k"] = params["k"]
        settings["auxk_weight"] = float(params["auxk_weight"])
        settings["dead_after_samples"] = params["dead_after_samples"]
        # As SparseAutoencoderTransformer._resolve_auxk_k gives it to the model.
        auxk_k = params["auxk_k"]
        n_components = params["n_components"]
        settings["auxk_k"] = (
            max(1, min(n_features // 2, n_components))
            if auxk_k == "auto"
            else min(auxk_k, n_components)
        )
    return settings


def _model_settings(model):
    """The model's settings, in the terms of the estimator's parameters."""
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    encoder_dense = _dense(encoder)
    decoder_dense = _dense(decoder)
    codings, hidden = encoder_dense[-1], encoder_dense[:-1]
    widths = tuple(layer.units for layer in hidden)
    if tuple(layer.units for layer in decoder_dense[:-1]) != widths[::-1]:
        widths = ("decoder does not mirror the encoder", widths)
    activations = {
        _activation_name(layer) for layer in hidden + decoder_dense[:-1]
    } or {None}
    optimizer = model.optimizer
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    settings = {
        "n_components": codings.units,
        "hidden_layer_sizes": widths,
        "activation": activations.pop() if len(activations) == 1 else activations,
        "loss": (model.loss, _activation_name(decoder_dense[-1])),
        "optimizer": type(optimizer).__name__.lower(),
        "learning_rate": float(to_numpy(optimizer.learning_rate)),
    }
    top_k = [
        layer for layer in flat_layers(encoder) if isinstance(layer, TopKActivation)
    ]
    regularizer = codings.activity_regularizer
    if top_k:
        settings["sparsity"] = "topk"
        settings["k"] = top_k[0].k
        # A TopKAutoencoder's AuxK settings (sk_sparse_ae.topk_autoencoder).
        for name in ("auxk_k", "auxk_weight", "dead_after_samples"):
            if hasattr(model, name):
                settings[name] = getattr(model, name)
    elif regularizer is None:
        settings["sparsity"] = None
    else:
        settings["sparsity"] = _SPARSITY_OF_REGULARIZER.get(
            type(regularizer), type(regularizer).__name__
        )
    if isinstance(regularizer, KLDivergenceSparsity):
        settings["sparsity_weight"] = _float(regularizer.weight)
        settings["sparsity_target"] = _float(regularizer.target)
    elif isinstance(regularizer, L1Sparsity):
        settings["sparsity_weight"] = _float(regularizer.l1)
    return settings


def _dense(model):
    return [
        layer for layer in flat_layers(model) if isinstance(layer, keras.layers.Dense)
    ]


def _activation_name(layer):
    return keras.activations.serialize(layer.activation)


def _float(value):
    # A pooled model holds the sparsity weight in a variable.
    if isinstance(value, keras.Variable):
        return float(to_numpy(value))
    return float(value)
