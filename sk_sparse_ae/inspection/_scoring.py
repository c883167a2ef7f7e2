"""Sparsity-aware model selection: a scorer that trades reconstruction for L0.

``SparseAutoencoderTransformer.score`` is the negative reconstruction loss, so a
search on it alone prefers the least sparse model: more active units always
reconstruct at least as well. The scorer made here subtracts a stated penalty
on the mean number of active coding units, so an unsupervised search can pick
a sparser model when the reconstruction it gives up is small.
"""

import math
import numbers

import numpy as np
from sklearn.pipeline import Pipeline

__all__ = ["make_sparsity_scorer"]


def make_sparsity_scorer(*, alpha=0.1, threshold=0.1, target_l0=None):
    """Make a scorer for ``GridSearchCV(scoring=...)`` that rewards sparsity.

    The score of a fitted estimator on ``X`` (higher is better) is::

        -(reconstruction_loss + alpha * |mean_l0 - target_l0| / n_components)

    with ``target_l0 = 0`` by default, i.e. a penalty of
    ``alpha * mean_l0 / n_components``, where

    - ``reconstruction_loss = -autoencoder.score(X_in)``: the mean
      reconstruction loss without the sparsity penalty (binary cross-entropy
      or squared error, per ``loss_``);
    - ``mean_l0`` is the mean over samples of the number of codings
      ``> threshold`` (``transform(X_in)``), so ``mean_l0 / n_components`` is
      the fraction of active units, in ``[0, 1]``;
    - ``X_in`` is ``X`` as it reaches the autoencoder.

    ``alpha`` is the reconstruction loss one would give up to switch every unit
    off: a model with half as many active units wins if its loss is less than
    ``alpha / 2 * (fraction active before)`` higher.

    The estimator may be a fitted
    :class:`~sk_sparse_ae.SparseAutoencoderTransformer` or a fitted
    :class:`~sklearn.pipeline.Pipeline` (nested Pipelines included) with one
    among its steps. In a Pipeline the scorer uses the *last*
    ``SparseAutoencoderTransformer`` step, passes ``X`` through the
    ``transform`` of the steps before it, and ignores the steps after it (a
    final classifier, say), so ``y`` is not needed.

    Parameters
    ----------
    alpha : float, default=0.1
        Weight of the sparsity penalty, ``>= 0``; ``0`` gives the plain
        reconstruction score.
    threshold : float, default=0.1
        A coding counts as active when it is strictly above this value, as in
        :func:`~sk_sparse_ae.sparsity_report`. Sigmoid codings are never
        exactly zero; with ``sparsity="topk"`` the inactive ones are.
    target_l0 : float or None, default=None
        If set, penalise the distance of ``mean_l0`` to this number of active
        units instead of ``mean_l0`` itself.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sk_sparse_ae import SparseAutoencoderTransformer, make_sparsity_scorer
    >>> X = MinMaxScaler().fit_transform(load_digits().data[:300])
    >>> sae = SparseAutoencoderTransformer(n_components=16, hidden_layer_sizes=(),
    ...                                    sparsity="topk", epochs=2,
    ...                                    random_state=0)
    >>> search = GridSearchCV(sae, {"k": [2, 8]}, cv=2,
    ...                       scoring=make_sparsity_scorer(alpha=0.5)).fit(X)
    >>> search.best_params_["k"] in (2, 8)
    True
    """
    return _SparsityAwareScorer(
        alpha=_check_real("alpha", alpha),
        threshold=_check_real("threshold", threshold, low=-math.inf),
        target_l0=None if target_l0 is None else _check_real("target_l0", target_l0),
    )


class _SparsityAwareScorer:
    """The callable returned by :func:`make_sparsity_scorer`."""

    def __init__(self, *, alpha, threshold, target_l0):
        self.alpha = alpha
        self.threshold = threshold
        self.target_l0 = target_l0

    def __call__(self, estimator, X, y=None):
        autoencoder, X_in = _find_autoencoder(estimator, X)
        reconstruction_loss = -autoencoder.score(X_in)
        codings = np.asarray(autoencoder.transform(X_in))
        mean_l0 = float(np.mean(np.count_nonzero(codings > self.threshold, axis=1)))
        target = 0.0 if self.target_l0 is None else self.target_l0
        penalty = abs(mean_l0 - target) / codings.shape[1]
        return -(reconstruction_loss + self.alpha * penalty)

    def __repr__(self):
        return (
            f"make_sparsity_scorer(alpha={self.alpha}, threshold={self.threshold}, "
            f"target_l0={self.target_l0})"
        )


def _find_autoencoder(estimator, X):
    """The last SparseAutoencoderTransformer in estimator, and X as it gets it."""
    from ..autoencoder import SparseAutoencoderTransformer

    if isinstance(estimator, SparseAutoencoderTransformer):
        return estimator, X
    if isinstance(estimator, Pipeline):
        steps = [
            step for _, step in estimator.steps if step not in (None, "passthrough")
        ]
        for position in range(len(steps) - 1, -1, -1):
            if _contains_autoencoder(steps[position]):
                for step in steps[:position]:
                    X = step.transform(X)
                return _find_autoencoder(steps[position], X)
    raise TypeError(
        "The sparsity-aware scorer needs a SparseAutoencoderTransformer or a "
        f"Pipeline with one among its steps; got {type(estimator).__name__}."
    )


def _contains_autoencoder(estimator):
    from ..autoencoder import SparseAutoencoderTransformer

    if isinstance(estimator, SparseAutoencoderTransformer):
        return True
    return isinstance(estimator, Pipeline) and any(
        _contains_autoencoder(step) for _, step in estimator.steps
    )


def _check_real(name, value, low=0.0):
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not low <= value < math.inf
    ):
        bound = "a finite number" if low == -math.inf else f"a finite number >= {low}"
        raise ValueError(f"{name} must be {bound}, got {value!r}.")
    return float(value)
