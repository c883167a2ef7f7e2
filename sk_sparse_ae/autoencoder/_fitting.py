"""The steps of ``fit`` and ``partial_fit``: the random generator, the
validation split, the training.

Each reads the estimator's parameters and resolved settings and changes
nothing on it: ``fit`` publishes the result. The data may be an ndarray or a
CSR matrix (:mod:`._sparse_input`); a sparse matrix is densified one batch at
a time (:mod:`~sk_sparse_ae.training._sparse_rows`).
"""

import functools

import numpy as np
import scipy.sparse
from sklearn.utils import check_random_state

from ..nn._options import SPARSITY_PENALTIES, dense_layers
from ..training import _pool as model_pool
from ..training._callbacks import check_loss_finite, check_weights_finite
from ..training._epochs import fit_epochs
from ..training._sparse_rows import SparseRows, ordered_batches
from ..training._xla import use_jit_compile
from ._auto_settings import effective_params
from ._model_building import build_model
from ._sparse_input import n_rows

__all__ = [
    "appended_history",
    "make_rng",
    "split_validation",
    "train",
    "train_one_pass",
]

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


def train(estimator, model, X_train, X_val, rng, center, loss_scale):
    """Train the new ``model``; return its history.

    Under TensorFlow a pooled model of the same architecture is trained
    from the same start and copied into ``model``
    (:mod:`~sk_sparse_ae.training._pool`: no retracing across fits).
    """
    if not model_pool.enabled(model.count_params()):
        return _fit_epochs(estimator, model, X_train, X_val, rng)
    seeds = [layer.kernel_initializer.seed for layer in dense_layers(model)]
    params = effective_params(estimator.get_params(deep=False), vars(estimator))
    key = (
        estimator.n_features_in_,
        estimator.loss_,
        tuple(
            (name, repr(value))
            for name, value in sorted(params.items())
            if name not in _TRAINING_ONLY_PARAMS
        ),
    )
    with model_pool.checkout(
        key, functools.partial(_new_pooled_model, estimator)
    ) as pooled:
        pooled.reset(seeds, estimator.sparsity_weight_, center, loss_scale)
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
        batch_size=_batch_size(estimator, X_train),
        epochs=estimator.epochs,
        tol=estimator.tol,
        n_iter_no_change=estimator.n_iter_no_change,
        learning_rate=estimator.learning_rate_,
        verbose=min(int(estimator.verbose), 2),
        jit_compile=estimator.jit_compile,
    )


def _batch_size(estimator, X):
    # A batch larger than the data is the whole data: never allocate more.
    return min(estimator.batch_size_, max(n_rows(X), 1))


def train_one_pass(estimator, X_chunk):
    """One Keras pass over the shuffled chunk (``partial_fit``); its history.

    FloatingPointError if the loss or a weight became NaN or inf.
    """
    model = estimator.model_
    use_jit_compile(model, estimator.jit_compile)
    batch_size = _batch_size(estimator, X_chunk)
    verbose = min(int(estimator.verbose), 2)
    if scipy.sparse.issparse(X_chunk):
        # The same batches, in the same order, each densified alone.
        batches = ordered_batches(SparseRows(X_chunk), batch_size)
        history = model.fit(batches, epochs=1, shuffle=False, verbose=verbose)
    else:
        history = model.fit(
            X_chunk,
            X_chunk,
            batch_size=batch_size,
            epochs=1,
            shuffle=False,
            verbose=verbose,
        )
    n_calls = estimator.n_iter_ + 1
    rate = estimator.learning_rate_
    loss = float(history.history["loss"][-1])
    check_loss_finite(loss, f"in partial_fit call {n_calls}", rate)
    check_weights_finite(model, f"at epoch {n_calls}", rate)
    return history.history


def appended_history(history, more):
    """``history`` with the lists of ``more`` appended, as new lists (a failed
    call restores the old ones)."""
    return {
        **history,
        **{
            key: [*history.get(key, []), *map(float, values)]
            for key, values in more.items()
        },
    }


def _new_pooled_model(estimator):
    model, encoder, decoder = build_model(
        effective_params(estimator.get_params(deep=False), vars(estimator)),
        n_features=estimator.n_features_in_,
        hidden=list(estimator.hidden_layer_sizes_),
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
    n_samples = n_rows(X_work)
    n_val = int(np.ceil(estimator.validation_fraction * n_samples))
    if n_val >= n_samples:
        raise ValueError(
            f"early_stopping=True needs at least 2 samples so that "
            f"validation_fraction={estimator.validation_fraction} leaves some "
            f"for training; got n_samples={n_samples}."
        )
    return X_work[n_val:], X_work[:n_val]


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
