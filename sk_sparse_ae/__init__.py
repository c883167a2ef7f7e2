"""Sparse autoencoder features for scikit-learn, built on Keras 3.

The public names are imported on first use (PEP 562): ``import sk_sparse_ae``
and ``sk-sparse-ae --help`` do not import TensorFlow, which takes seconds.
"""

import importlib

# Public name -> the submodule that defines it.
_SUBMODULE_OF = {
    "KLDivergenceSparsity": "regularizers",
    "L1Sparsity": "regularizers",
    "SparseAutoencoderTransformer": "estimator",
    "SparsityReport": "diagnostics",
    "TopKActivation": "layers",
    "activation_stats": "diagnostics",
    "load": "persistence",
    "load_fashion_mnist": "datasets",
    "make_sparsity_scorer": "scoring",
    "sparsity_report": "diagnostics",
}

__all__ = sorted(_SUBMODULE_OF)
__version__ = "0.1.0"


def __getattr__(name):
    submodule = _SUBMODULE_OF.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{submodule}", __name__), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__():
    return sorted({*globals(), *__all__})
