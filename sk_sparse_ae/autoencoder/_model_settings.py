"""What a built autoencoder actually is, compared with the estimator's parameters.

:func:`param_mismatches` reads the settings a Keras autoencoder was built and
compiled with (widths, activations, loss, optimizer, learning rate, sparsity)
and lists every parameter that disagrees with them. ``partial_fit`` uses it to
apply or refuse ``set_params`` changes (``_param_changes``), and ``load`` to
refuse a file whose metadata does not describe its model.
"""

import keras
import numpy as np

from .._tf.variables import to_numpy
from ..nn._layers import TopKActivation
from ..nn._losses import SigmoidCrossEntropy
from ..nn._options import (
    KERAS_LOSSES,
    OUTPUT_ACTIVATIONS,
    SPARSITY_PENALTIES,
    dense_layers,
    flat_layers,
    optimizer_name,
)
from ..nn._regularizers import KLDivergenceSparsity, L1Sparsity
from ._auto_settings import effective_params, resolve_auxk_k
from ._model_building import kept_units

__all__ = ["model_settings", "param_mismatches"]

_SPARSITY_OF_REGULARIZER = {
    penalty: sparsity for sparsity, (penalty, _) in SPARSITY_PENALTIES.items()
}


def param_mismatches(params, model, fitted=None):
    """The parameters and resolved settings that ``model`` does not have.

    Parameters
    ----------
    params : dict
        The estimator's parameters (``get_params(deep=False)``).
    model : keras.Model
        An autoencoder built by ``build_autoencoder`` and compiled.
    fitted : dict, optional
        The estimator's ``loss_``, ``learning_rate_`` and ``sparsity_weight_``,
        what ``"auto"`` resolved to. The model must have them; an explicit
        parameter must equal them too.

    Returns
    -------
    mismatches : dict of str to (object, object)
        For each disagreeing parameter (or resolved ``*_`` setting),
        ``(its value, the model's value)``. Parameters that the model does
        not depend on (``k`` without TopK, ``sparsity_target`` without KL,
        ...) are not compared.
    """
    actual = model_settings(model)
    n_features = model.get_layer("encoder").input_shape[-1]
    params = effective_params(params, fitted or {})
    wanted = _settings_of_params(params, n_features)
    for name in ("loss", "learning_rate"):
        if params[name] != "auto":
            wanted[name] = params[name]
    for name in ("loss_", "learning_rate_", "sparsity_weight_"):
        if fitted and fitted.get(name) is not None:
            wanted[name] = fitted[name]
    mismatches = {}
    for name, value in wanted.items():
        setting = name.rstrip("_")
        if setting not in actual:
            continue
        if setting == "learning_rate":
            # The optimizer holds a float32 variable.
            same = np.float32(value) == np.float32(actual[setting])
        else:
            same = value == actual[setting]
        if not same:
            mismatches[name] = (value, actual[setting])
    return mismatches


def model_settings(model):
    """The settings ``model`` was built and compiled with, in parameter terms.

    A loss other than the estimator's two is described in words.
    """
    settings = _model_settings(model)
    keras_loss, output_activation = settings["loss"]
    settings["loss"] = next(
        (
            loss
            for loss, name in KERAS_LOSSES.items()
            if (name, OUTPUT_ACTIVATIONS[loss]) == (keras_loss, output_activation)
        ),
        f"Keras loss {keras_loss!r} with a {output_activation!r} output",
    )
    return settings


def _settings_of_params(params, n_features):
    """The settings that the parameters fix, whatever the training data."""
    sparsity = params["sparsity"]
    hidden = tuple(int(h) for h in np.asarray(params["hidden_layer_sizes"]).tolist())
    settings = {
        "n_components": params["n_components"],
        "hidden_layer_sizes": hidden,
        "activation": params["activation"] if hidden else None,
        "optimizer": params["optimizer"],
        "sparsity": sparsity,
    }
    if sparsity in ("kl", "l1") and params["sparsity_weight"] != "auto":
        settings["sparsity_weight"] = float(params["sparsity_weight"])
    if sparsity == "kl":
        settings["sparsity_target"] = float(params["sparsity_target"])
    if sparsity == "topk":
        settings["k"] = kept_units(params)
        settings["auxk_weight"] = float(params["auxk_weight"])
        settings["dead_after_samples"] = params["dead_after_samples"]
        settings["auxk_k"] = resolve_auxk_k(
            params["auxk_k"], n_features, params["n_components"]
        )
    return settings


def _model_settings(model):
    """The model's settings, in the terms of the estimator's parameters."""
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    encoder_dense = dense_layers(encoder)
    decoder_dense = dense_layers(decoder)
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
        "loss": (_loss_name(model.loss), _activation_name(decoder_dense[-1])),
        "optimizer": optimizer_name(optimizer),
        "learning_rate": float(to_numpy(optimizer.learning_rate)),
    }
    top_k = [
        layer for layer in flat_layers(encoder) if isinstance(layer, TopKActivation)
    ]
    regularizer = codings.activity_regularizer
    if top_k:
        settings["sparsity"] = "topk"
        settings["k"] = top_k[0].k
        # A TopKAutoencoder's AuxK settings (sk_sparse_ae.nn._topk_autoencoder).
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


def _loss_name(loss):
    # Files saved before SigmoidCrossEntropy hold Keras's loss name.
    return loss.name if isinstance(loss, SigmoidCrossEntropy) else loss


def _activation_name(layer):
    return keras.activations.serialize(layer.activation)


def _float(value):
    # A pooled model holds the sparsity weight in a variable.
    if isinstance(value, keras.Variable):
        return float(to_numpy(value))
    return float(value)
