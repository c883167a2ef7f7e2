"""Sparse autoencoder features for scikit-learn, built on Keras 3."""

from .datasets import load_fashion_mnist
from .diagnostics import SparsityReport, activation_stats, sparsity_report
from .estimator import SparseAutoencoderTransformer
from .layers import TopKActivation
from .persistence import load
from .regularizers import KLDivergenceSparsity, L1Sparsity
from .scoring import make_sparsity_scorer

__all__ = [
    "KLDivergenceSparsity",
    "L1Sparsity",
    "SparseAutoencoderTransformer",
    "SparsityReport",
    "TopKActivation",
    "activation_stats",
    "load",
    "load_fashion_mnist",
    "make_sparsity_scorer",
    "sparsity_report",
]
__version__ = "0.1.0"
