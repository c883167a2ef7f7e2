"""Every option name the estimator accepts, and the Keras implementation behind it.

One table per kind of option, as scikit-learn's ``neural_network/_base.py``
keeps its activation and loss tables: the estimator's parameter constraints,
the model builder and the checks of a loaded model all read them from here.
"""

import keras

from ._optimizers import FusedAdam, FusedSGD
from ._regularizers import KLDivergenceSparsity, L1Sparsity

__all__ = [
    "ACTIVATIONS",
    "KERAS_LOSSES",
    "OPTIMIZERS",
    "OUTPUT_ACTIVATIONS",
    "SPARSITY_PENALTIES",
    "dense_layers",
    "flat_layers",
    "make_optimizer",
    "optimizer_name",
]

# Keras activations of the hidden layers.
ACTIVATIONS = ("selu", "relu", "elu", "gelu", "tanh", "sigmoid", "swish", "linear")

# loss -> the Keras loss it compiles, and the output activation it needs.
KERAS_LOSSES = {"binary_crossentropy": "binary_crossentropy", "squared_error": "mse"}
OUTPUT_ACTIVATIONS = {"binary_crossentropy": "sigmoid", "squared_error": "linear"}

# SGD and Adam update each weight in one fused kernel (_optimizers).
OPTIMIZERS = {
    "sgd": FusedSGD,
    "adam": FusedAdam,
    "nadam": keras.optimizers.Nadam,
    "rmsprop": keras.optimizers.RMSprop,
}

# sparsity -> the activity regularizer of the coding layer, and the name of
# its weight argument (sparsity="topk" and None have none).
SPARSITY_PENALTIES = {"kl": (KLDivergenceSparsity, "weight"), "l1": (L1Sparsity, "l1")}


def make_optimizer(name, learning_rate):
    """A new Keras optimizer by name (``"sgd"``, ``"adam"``, ...)."""
    return OPTIMIZERS[name](learning_rate=learning_rate)


def optimizer_name(optimizer):
    """The ``optimizer`` parameter that makes ``optimizer``'s class."""
    for name, optimizer_class in OPTIMIZERS.items():
        if type(optimizer) is optimizer_class:
            return name
    return type(optimizer).__name__.lower()


def flat_layers(model):
    """The layers of ``model`` in order, nested Sequential models expanded."""
    for layer in model.layers:
        if isinstance(layer, keras.Sequential):
            yield from flat_layers(layer)
        else:
            yield layer


def dense_layers(model):
    """The Dense layers of ``model`` in order, nested Sequential models included."""
    return [
        layer for layer in flat_layers(model) if isinstance(layer, keras.layers.Dense)
    ]
