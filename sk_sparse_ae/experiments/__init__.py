"""The experiments behind ``sk-sparse-ae``: Figure 17-11 and downstream accuracy.

Built on the public API only. :func:`reproduce` trains the book's models on
Fashion-MNIST and compares their sparsity with the published figures;
:func:`compare_downstream` measures the codes as features for a classifier;
:mod:`~sk_sparse_ae.experiments.cli` is the command line.
"""

from ._downstream import (
    DownstreamResult,
    compare_downstream,
    evaluate_classifier,
    evaluate_features,
    format_downstream_table,
)
from ._machine import configure_threads, machine_info
from ._reproduce import (
    ReproductionResult,
    format_reproduce_table,
    passes_acceptance,
    reproduce,
)
from ._settings import (
    BOOK_FIGURES,
    BOOK_SETTINGS,
    DEFAULT_OUTPUT_DIR,
    FEATURES_SETTINGS,
    REPRODUCE_MODELS,
)

__all__ = [
    "BOOK_FIGURES",
    "BOOK_SETTINGS",
    "DEFAULT_OUTPUT_DIR",
    "FEATURES_SETTINGS",
    "REPRODUCE_MODELS",
    "DownstreamResult",
    "ReproductionResult",
    "compare_downstream",
    "configure_threads",
    "evaluate_classifier",
    "evaluate_features",
    "format_downstream_table",
    "format_reproduce_table",
    "machine_info",
    "passes_acceptance",
    "reproduce",
]
