"""What the ``"auto"`` values of the estimator's parameters resolve to.

``loss="auto"`` is binary cross-entropy (the book's loss, with a sigmoid
output) when the training data lies in ``[0, 1]``, and squared error (a
linear output) otherwise, so the default estimator accepts any real-valued
data, e.g. after a ``StandardScaler``. An explicit ``"binary_crossentropy"``
still refuses data outside ``[0, 1]``.

``learning_rate="auto"`` is the book's ``1.0`` for SGD under cross-entropy.
That rate is tuned to cross-entropy on ``[0, 1]`` data: its gradient with
respect to each output logit, ``sigmoid(z) - x``, is bounded by 1 and its
curvature by 1/4. Squared error with a linear output has curvature 2, and
its gradients and curvature grow with the data's scale: SGD at ``1.0``
diverges on unscaled real data. So SGD under squared error gets Keras's own
SGD default ``0.01`` divided by the mean square of the training data when that
exceeds 1, as scikit-learn's SAG solver derives its step size from the data's
squared norms: data scaled like a ``StandardScaler``'s output trains at
``0.01``, data around 100 at about ``1e-6``. The adaptive optimizers, whose
steps do not grow with the gradient, get Keras's default ``1e-3``.
"""

import numpy as np
import scipy.sparse

__all__ = [
    "check_loss_range",
    "resolve_auxk_k",
    "resolve_learning_rate",
    "resolve_loss",
    "resolve_sparsity_weight",
]

# learning_rate="auto" per (optimizer, resolved loss); see the module docstring.
_BOOK_SGD_LEARNING_RATE = 1.0
_SQUARED_ERROR_SGD_LEARNING_RATE = 0.01
_ADAPTIVE_LEARNING_RATE = 1e-3
# Rows per step when computing the mean square: bounds the temporary memory.
_CHUNK_ROWS = 8192
# Values this close to [0, 1] count as in it. MinMaxScaler's output overshoots
# by rounding (by up to 7e-15 on a fifth of random float64 data sets, more
# for data far from zero relative to its range), and the network trains in
# float32, whose spacing at 1 is 1.2e-7.
UNIT_INTERVAL_TOLERANCE = 1e-6


def _in_unit_interval(X):
    return X.size == 0 or (
        X.min() >= -UNIT_INTERVAL_TOLERANCE and X.max() <= 1 + UNIT_INTERVAL_TOLERANCE
    )


def resolve_loss(loss, X):
    """The loss to train with: ``loss`` itself, or what ``"auto"`` picks for X."""
    if loss != "auto":
        return loss
    return "binary_crossentropy" if _in_unit_interval(X) else "squared_error"


def resolve_learning_rate(learning_rate, optimizer, loss, X):
    """The float learning rate for ``optimizer`` under the resolved ``loss``.

    X, the training data (the first chunk for ``partial_fit``), matters only
    for ``"auto"`` with SGD under squared error.
    """
    if learning_rate != "auto":
        return float(learning_rate)
    if optimizer != "sgd":
        return _ADAPTIVE_LEARNING_RATE
    if loss == "binary_crossentropy":
        return _BOOK_SGD_LEARNING_RATE
    return _SQUARED_ERROR_SGD_LEARNING_RATE / max(1.0, _mean_square(X))


def _mean_square(X):
    if scipy.sparse.issparse(X):  # implicit zeros count, as in X.size dense
        n_values = X.shape[0] * X.shape[1]
        return float(np.square(X.data, dtype=np.float64).sum()) / max(n_values, 1)
    total = sum(
        np.square(X[start : start + _CHUNK_ROWS], dtype=np.float64).sum()
        for start in range(0, len(X), _CHUNK_ROWS)
    )
    return float(total) / max(X.size, 1)


def check_loss_range(X, requested_loss, fitted_loss, method):
    """Raise ValueError if cross-entropy would train on X outside ``[0, 1]``.

    Parameters
    ----------
    X : ndarray
        The training data of this call.
    requested_loss : str
        The ``loss`` parameter (``"auto"`` or a loss).
    fitted_loss : str
        The loss the model trains with (``loss_``).
    method : str
        ``"fit"`` or ``"partial_fit"``, for the message.
    """
    if fitted_loss != "binary_crossentropy" or _in_unit_interval(X):
        return
    low, high = X.min(), X.max()
    if requested_loss == "auto":
        raise ValueError(
            "loss='auto' chose 'binary_crossentropy' (loss_) because the data "
            f"first trained on lay in [0, 1], but this {method} data has "
            f"values in [{low:.6g}, {high:.6g}]. Scale every chunk to [0, 1] "
            "(e.g. with a MinMaxScaler fitted on a sample), or pass "
            "loss='squared_error' for data outside [0, 1]."
        )
    raise ValueError(
        f"loss='binary_crossentropy' needs {method} data in [0, 1], "
        f"got values in [{low:.6g}, {high:.6g}]. Scale the data with "
        "sklearn.preprocessing.MinMaxScaler, or use "
        "loss='squared_error' (or loss='auto') for data outside [0, 1]."
    )


def resolve_auxk_k(auxk_k, n_features, n_components):
    """The dead units AuxK uses per sample: ``"auto"`` is half the input width
    (Gao et al.'s heuristic); either way at least 1 and at most n_components."""
    if auxk_k == "auto":
        return max(1, min(n_features // 2, n_components))
    return min(auxk_k, n_components)


# sparsity_weight="auto": the book's L1 weight, and for KL twice the L1 weight,
# which reproduces the book's published sparsity on Fashion-MNIST
# (doc/modules/sparsity.md). topk and None have no penalty.
AUTO_SPARSITY_WEIGHTS = {"kl": 2e-3, "l1": 1e-3}


def resolve_sparsity_weight(sparsity_weight, sparsity):
    """The penalty's weight: ``sparsity_weight``, or what ``"auto"`` picks for
    ``sparsity``; ``0.0`` for a sparsity without a penalty."""
    if sparsity not in AUTO_SPARSITY_WEIGHTS:
        return 0.0
    if sparsity_weight == "auto":
        return AUTO_SPARSITY_WEIGHTS[sparsity]
    return float(sparsity_weight)
