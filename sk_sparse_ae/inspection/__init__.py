"""Looking at what a fitted autoencoder learned: sparsity statistics, scoring, plots.

:func:`sparsity_report` and :func:`activation_stats` measure how sparse the
codings are (the book's Figure 17-11 figures); :func:`make_sparsity_scorer`
makes a ``GridSearchCV`` scorer that rewards sparsity; the ``plot_*`` functions
draw the histograms, learned features and reconstructions (they need
matplotlib, ``pip install "sk_sparse_ae[plot]"``, imported on call).
"""

from ._diagnostics import (
    ActivationStats,
    SparsityReport,
    activation_stats,
    sparsity_report,
)
from ._plotting import (
    activation_histogram_edges,
    plot_activation_histograms,
    plot_features,
    plot_reconstructions,
)
from ._scoring import make_sparsity_scorer

__all__ = [
    "ActivationStats",
    "SparsityReport",
    "activation_histogram_edges",
    "activation_stats",
    "make_sparsity_scorer",
    "plot_activation_histograms",
    "plot_features",
    "plot_reconstructions",
    "sparsity_report",
]
