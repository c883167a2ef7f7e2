"""Keras layers of the autoencoder: TopK sparsity and input centering."""

import numbers

import keras
from keras import ops

from ._topk_selection import top_k_mask

__all__ = ["Centering", "TopKActivation"]


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class TopKActivation(keras.layers.Layer):
    """Keep the ``k`` largest pre-activations of each sample, zero the rest.

    For each row of the input (pre-activations of the coding units), the ``k``
    largest entries go through ``activation`` and every other entry becomes
    exactly ``0`` (Gao et al., 2024, "Scaling and evaluating sparse
    autoencoders"). Exactly ``k`` positions per row are kept, even when
    values tie at the k-th place (the first tied positions are kept). The
    selection is a constant mask, so the gradient flows only through the
    kept units.

    Parameters
    ----------
    k : int
        Number of units kept per sample, ``>= 1`` and at most the input width.
    activation : str or callable, default="sigmoid"
        Keras activation applied to the kept pre-activations.
    **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.nn import TopKActivation
    >>> layer = TopKActivation(k=2, activation="linear")
    >>> np.asarray(layer(np.array([[0.5, -1.0, 2.0, 0.1]], dtype="float32")))
    array([[0.5, 0. , 2. , 0. ]], dtype=float32)
    """

    def __init__(self, k, activation="sigmoid", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be an int >= 1, got {k!r}.")
        self.k = int(k)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        width = input_shape[-1]
        if width is not None and self.k > width:
            raise ValueError(
                f"k={self.k} is larger than the number of units ({width})."
            )

    def call(self, inputs):
        keep = top_k_mask(inputs, self.k)
        # where(), not a 0/1 product: no -0.0, and 0 * inf would be NaN.
        return ops.where(keep, self.activation(inputs), ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {"k": self.k, "activation": keras.activations.serialize(self.activation)}
        )
        return config


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class Centering(keras.layers.Layer):
    """Subtract a fixed offset from the input: ``x - offset``.

    The TopK autoencoder's first layer, with ``offset`` set to the training
    data's mean (the pre-encoder bias of Gao et al., 2024, held fixed). The
    encoder's own bias then means the same thing however its kernel
    changes: without it, the data's mean moves every pre-activation by
    ``mean @ kernel`` as the kernel learns, which in wide TopK models pushed
    most units out of every sample's top ``k`` within the first epoch.

    ``offset`` is a non-trainable weight, saved with the model; it starts
    at zero.

    Parameters
    ----------
    **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.nn import Centering
    >>> layer = Centering()
    >>> layer.build((None, 2))
    >>> _ = layer.offset.assign(np.array([1.0, -1.0], dtype="float32"))
    >>> np.asarray(layer(np.array([[1.0, 1.0]], dtype="float32")))
    array([[0., 2.]], dtype=float32)
    """

    def build(self, input_shape):
        self.offset = self.add_weight(
            shape=(input_shape[-1],),
            initializer="zeros",
            trainable=False,
            name="offset",
        )

    def call(self, inputs):
        return inputs - self.offset

    def compute_output_shape(self, input_shape):
        return input_shape
