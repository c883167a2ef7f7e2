"""The steps of ``fit``: the random generator, the validation split, the training.

Each reads the estimator's parameters and resolved settings and changes
nothing on it: ``fit`` publishes the result.
"""

import functools

import numpy as np
from sklearn.utils import check_random_state

from ..nn._options import SPARSITY_PENALTIES, dense_layers
from ..training import _pool as model_pool
from ..training._epochs import fit_epochs
from ._model_building import build_model
from ._validation import check_hidden_layer_sizes

__all__ = ["center_of", "make_rng", "split_validation", "train"]

# Parameters that do not change the Keras model or its compiled train step:
# fits that differ only in these share a pooled model (model_pool). The
# learning rate is a variable of the optimizer, set on the pooled model per
# fit; the pool key holds the resolved loss_ instead of loss.
_TRAINING_ONLY_PARAMS = {
    "loss",
    "learning_rate",
    "sparsity_weight",
    "batch_size",
    "epochs",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "tol",
    "random_state",
    "verbose",
    "jit_compile",
}


def train(estimator, model, X_train, X_val, rng, center):
    """Train the new ``model``; return its history.

    Under TensorFlow a pooled model of the same architecture is trained
    from the same start and copied into ``model``
    (:mod:`~sk_sparse_ae.training._pool`: no retracing across fits).
    """
    if not model_pool.enabled():
        return _fit_epochs(estimator, model, X_train, X_val, rng)
    seeds = [layer.kernel_initializer.seed for layer in dense_layers(model)]
    key = (
        estimator.n_features_in_,
        estimator.loss_,
        tuple(
            (name, repr(value))
            for name, value in sorted(estimator.get_params().items())
            if name not in _TRAINING_ONLY_PARAMS
        ),
    )
    with model_pool.checkout(
        key, functools.partial(_new_pooled_model, estimator)
    ) as pooled:
        pooled.reset(seeds, estimator.sparsity_weight_, center)
        pooled.model.optimizer.learning_rate = estimator.learning_rate_
        history = _fit_epochs(estimator, pooled.model, X_train, X_val, rng)
        pooled.copy_into(model)
    return history


def _fit_epochs(estimator, model, X_train, X_val, rng):
    return fit_epochs(
        model,
        X_train,
        X_val,
        rng,
        # A batch larger than the data is the whole data: never allocate more.
        batch_size=min(estimator.batch_size, max(len(X_train), 1)),
        epochs=estimator.epochs,
        tol=estimator.tol,
        n_iter_no_change=estimator.n_iter_no_change,
        learning_rate=estimator.learning_rate_,
        verbose=min(int(estimator.verbose), 2),
        jit_compile=estimator.jit_compile,
    )


def _new_pooled_model(estimator):
    model, encoder, decoder = build_model(
        estimator.get_params(deep=False),
        n_features=estimator.n_features_in_,
        hidden=check_hidden_layer_sizes(estimator.hidden_layer_sizes),
        loss=estimator.loss_,
        learning_rate=estimator.learning_rate_,
        sparsity_weight=estimator.sparsity_weight_,
        rng=np.random.default_rng(0),  # weights are set by PooledModel.reset
        center=None,
    )
    _, weight_attribute = SPARSITY_PENALTIES.get(estimator.sparsity, (None, None))
    return model_pool.PooledModel(model, encoder, decoder, weight_attribute)


def split_validation(estimator, X_work):
    """Views of the (shuffled) data: ``(train, validation or None)``."""
    if not estimator.early_stopping:
        return X_work, None
    n_val = int(np.ceil(estimator.validation_fraction * len(X_work)))
    if n_val >= len(X_work):
        raise ValueError(
            f"early_stopping=True needs at least 2 samples so that "
            f"validation_fraction={estimator.validation_fraction} leaves some "
            f"for training; got n_samples={len(X_work)}."
        )
    return X_work[n_val:], X_work[:n_val]


def center_of(X):
    """The mean of each column of float32 X, accumulated in float64."""
    return X.mean(axis=0, dtype=np.float64)


def make_rng(random_state, step=None):
    """A NumPy Generator that leaves NumPy's global generator untouched.

    ``partial_fit`` passes the optimizer's step count as ``step``, so an int
    random_state gives the same shuffles for the same sequence of chunks,
    whatever came before.
    """
    if random_state is None:
        return np.random.default_rng()
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed if step is None else [seed, step])
