"""Keras layers for the coding layer: TopK sparsity."""

import numbers

import keras
from keras import ops

__all__ = ["TopKActivation"]


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class TopKActivation(keras.layers.Layer):
    """Keep the ``k`` largest pre-activations of each sample, zero the rest.

    For each row of the input (pre-activations of the coding units), the ``k``
    largest entries go through ``activation`` and every other entry becomes
    exactly ``0`` (Gao et al., 2024, "Scaling and evaluating sparse
    autoencoders"). Exactly ``k`` positions per row are kept, even when
    values tie at the k-th place (ties are broken by position, in a
    backend-dependent order). The selection is a constant mask, so the
    gradient flows only through the kept units.

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
    >>> from sk_sparse_ae.layers import TopKActivation
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
        # Rank of each entry in its row, 0 for the largest: the argsort of the
        # descending argsort. Ranks are a permutation, so ties still leave
        # exactly k entries with rank < k (a threshold at the k-th value would
        # keep every tied entry).
        order = ops.argsort(ops.negative(inputs), axis=-1)
        ranks = ops.argsort(order, axis=-1)
        # where(), not a 0/1 product: no -0.0, and 0 * inf would be NaN.
        return ops.where(
            ops.less(ranks, self.k), self.activation(inputs), ops.zeros_like(inputs)
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {"k": self.k, "activation": keras.activations.serialize(self.activation)}
        )
        return config
