"""Serializable Keras pieces of the sparse autoencoder; no scikit-learn here.

The sparsity penalties (:class:`L1Sparsity`, :class:`KLDivergenceSparsity`),
the layers of the TopK model (:class:`TopKActivation`, :class:`Centering`),
the TopK model itself (:class:`TopKAutoencoder`, with its AuxK loss), the
loss (:class:`SigmoidCrossEntropy`), the fused optimizers, and the builder that
assembles them into an encoder and a mirrored decoder. Each is registered with
Keras, so a saved model loads without custom code.
"""

from ._layers import Centering, TopKActivation
from ._losses import SigmoidCrossEntropy
from ._regularizers import KLDivergenceSparsity, L1Sparsity
from ._topk_autoencoder import TopKAutoencoder

__all__ = [
    "Centering",
    "KLDivergenceSparsity",
    "L1Sparsity",
    "SigmoidCrossEntropy",
    "TopKActivation",
    "TopKAutoencoder",
]
