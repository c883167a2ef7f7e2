"""Sparse autoencoder features for scikit-learn, built on Keras 3.

Subpackages, each one layer; dependencies run down this list, never up:

- :mod:`~sk_sparse_ae.experiments`: the book's reproduction, downstream accuracy
  and the ``sk-sparse-ae`` command, built on the public API only;
- :mod:`~sk_sparse_ae.inspection`: sparsity statistics, scoring and plots;
- :mod:`~sk_sparse_ae.autoencoder`: the scikit-learn estimator,
  :class:`SparseAutoencoderTransformer`, and :func:`load`;
- :mod:`~sk_sparse_ae.io`: the ``.skae`` file format; knows no estimator;
- :mod:`~sk_sparse_ae.training`: the compiled training loop, its callbacks, the
  model pool and XLA;
- :mod:`~sk_sparse_ae.nn`: serializable Keras layers, penalties, losses,
  optimizers and the model builder; no scikit-learn;
- ``_tf`` and ``_compat``: TensorFlow's runtime matters, and every private API of
  TensorFlow, Keras and scikit-learn, each in one place;
- :mod:`~sk_sparse_ae.datasets`: Fashion-MNIST from local files.

The public names are imported on first use (PEP 562): ``import sk_sparse_ae``
and ``sk-sparse-ae --help`` do not import TensorFlow, which takes seconds.
"""

import importlib

# Public name -> the subpackage that defines it.
_SUBPACKAGE_OF = {
    "KLDivergenceSparsity": "nn",
    "L1Sparsity": "nn",
    "SparseAutoencoderTransformer": "autoencoder",
    "SparsityReport": "inspection",
    "TopKActivation": "nn",
    "activation_stats": "inspection",
    "load": "autoencoder",
    "load_fashion_mnist": "datasets",
    "make_sparsity_scorer": "inspection",
    "sparsity_report": "inspection",
}

__all__ = sorted(_SUBPACKAGE_OF)
__version__ = "0.1.0"


def __getattr__(name):
    subpackage = _SUBPACKAGE_OF.get(name)
    if subpackage is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{subpackage}", __name__), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__():
    return sorted({*globals(), *__all__})
