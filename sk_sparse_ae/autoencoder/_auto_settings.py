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

from ..nn._builder import count_weights
from ._sparse_input import mean_square
from ._validation import check_hidden_layer_sizes

__all__ = [
    "ARCHITECTURE_PARAMS",
    "check_loss_range",
    "effective_params",
    "resolve_all",
    "resolve_architecture",
    "resolve_auxk_k",
    "resolve_learning_rate",
    "resolve_loss",
    "resolve_sparsity_weight",
]

# learning_rate="auto" per (optimizer, resolved loss); see the module docstring.
_BOOK_SGD_LEARNING_RATE = 1.0
_SQUARED_ERROR_SGD_LEARNING_RATE = 0.01
_ADAPTIVE_LEARNING_RATE = 1e-3
# Values this close to [0, 1] count as in it. MinMaxScaler's output overshoots
# by rounding (by up to 7e-15 on a fifth of random float64 data sets, more
# for data far from zero relative to its range), and the network trains in
# float32, whose spacing at 1 is 1.2e-7.
UNIT_INTERVAL_TOLERANCE = 1e-6


def _in_unit_interval(X):
    return X.size == 0 or (
        X.min() >= -UNIT_INTERVAL_TOLERANCE and X.max() <= 1 + UNIT_INTERVAL_TOLERANCE
    )


def resolve_loss(loss, X, sparsity=None):
    """The loss to train with: ``loss`` itself, or what ``"auto"`` picks for X
    (squared error for the features model, ``sparsity="topk"``)."""
    if loss != "auto":
        return loss
    if sparsity == "topk" or not _in_unit_interval(X):
        return "squared_error"
    return "binary_crossentropy"


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
    return _SQUARED_ERROR_SGD_LEARNING_RATE / max(1.0, mean_square(X))


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


# What "auto" leaves open in the architecture: the book's model for "kl",
# "l1" and None; for "topk" the features model (Gao et al., 2024: one wide
# ReLU TopK layer, no bottleneck, Adam at batch 256), whose width is capped so
# that its weights and Adam's two slots take at most AUTO_MODEL_BYTES.
ARCHITECTURE_PARAMS = ("n_components", "hidden_layer_sizes", "optimizer", "batch_size")
_BOOK_MODEL = {
    "n_components": 300,
    "hidden_layer_sizes": (100,),
    "optimizer": "sgd",
    "batch_size": 32,
}
_FEATURES_MODEL = {
    "n_components": 2000,
    "hidden_layer_sizes": (),
    "optimizer": "adam",
    "batch_size": 256,
}
AUTO_MODEL_BYTES = 2**30
_BYTES_PER_WEIGHT_AND_ADAM_SLOTS = 12
# k="auto": units kept per sample on dense data, and on sparse data (text:
# few words per document, benchmarks/downstream_text.py).
AUTO_K = {"dense": 100, "sparse": 32}


def resolve_architecture(params, X):
    """What each ``"auto"`` of ``ARCHITECTURE_PARAMS`` and ``k`` means for X.

    Returns a dict of the resolved values by parameter name: explicit values
    as given (``hidden_layer_sizes`` as a tuple of ints).
    """
    model = _FEATURES_MODEL if params["sparsity"] == "topk" else _BOOK_MODEL
    resolved = {
        name: model[name] if _is_auto(params[name]) else params[name]
        for name in ARCHITECTURE_PARAMS
    }
    hidden = tuple(int(h) for h in np.asarray(resolved["hidden_layer_sizes"]).ravel())
    resolved["hidden_layer_sizes"] = hidden
    if params["sparsity"] == "topk" and _is_auto(params["n_components"]):
        resolved["n_components"] = _widest_within_budget(
            X.shape[1], hidden, model["n_components"]
        )
    if _is_auto(params["k"]):
        kind = "sparse" if scipy.sparse.issparse(X) else "dense"
        resolved["k"] = min(AUTO_K[kind], resolved["n_components"])
    else:
        resolved["k"] = params["k"]
    return resolved


def _is_auto(value):
    return isinstance(value, str) and value == "auto"


def _widest_within_budget(n_features, hidden, widest):
    """The most coding units, up to ``widest``, whose weights and optimizer
    slots fit in ``AUTO_MODEL_BYTES``."""
    # The count is affine in the number of coding units.
    fixed = count_weights(n_features, list(hidden), 0)
    per_unit = count_weights(n_features, list(hidden), 1) - fixed
    budget = AUTO_MODEL_BYTES // _BYTES_PER_WEIGHT_AND_ADAM_SLOTS - fixed
    return int(max(1, min(widest, budget // per_unit)))


def effective_params(params, fitted):
    """``params`` with each ``"auto"`` architecture parameter (and ``k``)
    replaced by what it resolved to in ``fitted`` (``n_components_``, ...)."""
    effective = dict(params)
    for name in (*ARCHITECTURE_PARAMS, "k"):
        if _is_auto(params.get(name)) and fitted.get(name + "_") is not None:
            effective[name] = fitted[name + "_"]
    return effective


def resolve_all(params, X, method):
    """Every resolved setting for training data X, by fitted attribute name:
    the architecture's (``n_components_``, ...), ``sparsity_weight_``,
    ``loss_`` (ValueError if X is outside what an explicit loss takes) and
    ``learning_rate_``."""
    hidden = params["hidden_layer_sizes"]
    if not _is_auto(hidden):
        check_hidden_layer_sizes(hidden)  # or ValueError
    resolved = {
        f"{name}_": value for name, value in resolve_architecture(params, X).items()
    }
    resolved["sparsity_weight_"] = resolve_sparsity_weight(
        params["sparsity_weight"], params["sparsity"]
    )
    loss = resolve_loss(params["loss"], X, params["sparsity"])
    check_loss_range(X, params["loss"], loss, method)
    resolved["loss_"] = loss
    resolved["learning_rate_"] = resolve_learning_rate(
        params["learning_rate"], resolved["optimizer_"], loss, X
    )
    return resolved
