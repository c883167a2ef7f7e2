"""Sparsity diagnostics for codings produced by a (sparse) autoencoder.

Pure NumPy: works with any fitted object that has ``transform`` (inputs to
codings) and ``inverse_transform`` (codings back to input space).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields

import numpy as np
import scipy.sparse

__all__ = ["ActivationStats", "SparsityReport", "activation_stats", "sparsity_report"]


@dataclass(frozen=True, eq=False)
class ActivationStats:
    """Sparsity statistics of a codings matrix.

    Attributes
    ----------
    threshold : float
        Activations strictly below it count as "off", strictly above it as
        "on"; an activation equal to it is neither.
    band : tuple of float
        Inclusive target range ``(low, high)`` for a unit's mean activation.
    fraction_below_threshold : float
        Fraction of all activations ``< threshold``.
    mean_activation : ndarray of shape (n_units,)
        Mean activation of each unit.
    fraction_units_in_band : float
        Fraction of units with ``low <= mean_activation <= high``.
    l0 : ndarray of shape (n_samples,)
        Number of activations ``> threshold`` in each sample.
    l0_mean : float
        Mean of ``l0``.
    dead_units : ndarray of int
        Indices of units never ``> threshold``.
    n_dead_units : int
        ``len(dead_units)``.
    dead_fraction : float
        ``n_dead_units / n_units``.
    """

    threshold: float
    band: tuple[float, float]
    fraction_below_threshold: float
    mean_activation: np.ndarray
    fraction_units_in_band: float
    l0: np.ndarray
    l0_mean: float
    dead_units: np.ndarray
    n_dead_units: int
    dead_fraction: float

    def to_dict(self):
        """Return the fields as JSON-serialisable plain Python values.

        Arrays become lists, NumPy scalars become ``float``/``int``, and
        non-finite floats (e.g. an undefined explained variance) become
        ``None`` so that strict JSON encoders accept the result.

        Returns
        -------
        dict
        """
        return {
            field.name: _to_plain(getattr(self, field.name)) for field in fields(self)
        }


@dataclass(frozen=True, eq=False)
class SparsityReport(ActivationStats):
    """Sparsity and reconstruction diagnostics of a fitted autoencoder.

    Has every attribute of :class:`ActivationStats`, plus:

    Attributes
    ----------
    reconstruction_mse : float
        Mean squared error between ``X`` and its reconstruction, over all
        entries.
    explained_variance : float
        ``1 - SSE / SST`` where SSE is the summed squared reconstruction error
        and SST the summed squared deviation of ``X`` from its per-feature
        mean. ``nan`` when ``X`` has no variance.
    """

    reconstruction_mse: float
    explained_variance: float


def activation_stats(codings, *, threshold=0.1, band=(0.1, 0.2)):
    """Compute sparsity statistics of a codings matrix.

    Parameters
    ----------
    codings : {array-like, sparse matrix} of shape (n_samples, n_units)
        Coding-layer activations, e.g. the output of ``transform``.
    threshold : float, default=0.1
        Activation level separating "off" (``<``) from "on" (``>``).
    band : tuple of (float, float), default=(0.1, 0.2)
        Inclusive target range for each unit's mean activation.

    Returns
    -------
    ActivationStats

    Raises
    ------
    ValueError
        If ``threshold`` or ``band`` is invalid, or ``codings`` is not a
        non-empty, finite 2-D array.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.inspection import activation_stats
    >>> codings = np.array([[0.0, 0.9, 0.05],
    ...                     [0.0, 0.3, 0.5]])
    >>> stats = activation_stats(codings, threshold=0.1, band=(0.2, 0.3))
    >>> stats.fraction_below_threshold
    0.5
    >>> stats.l0.tolist(), stats.dead_units.tolist()
    ([1, 2], [0])
    >>> stats.mean_activation.round(3).tolist(), stats.fraction_units_in_band
    ([0.0, 0.6, 0.275], 0.3333333333333333)
    """
    threshold = _check_threshold(threshold)
    band = _check_band(band)
    codings = _check_codings(codings)

    mean_activation = codings.mean(axis=0)
    l0 = np.count_nonzero(codings > threshold, axis=1)
    dead_units = np.flatnonzero(codings.max(axis=0) <= threshold)
    low, high = band
    in_band = (mean_activation >= low) & (mean_activation <= high)
    return ActivationStats(
        threshold=threshold,
        band=band,
        fraction_below_threshold=float(np.mean(codings < threshold)),
        mean_activation=_read_only(mean_activation),
        fraction_units_in_band=float(np.mean(in_band)),
        l0=_read_only(l0),
        l0_mean=float(l0.mean()),
        dead_units=_read_only(dead_units),
        n_dead_units=len(dead_units),
        dead_fraction=len(dead_units) / codings.shape[1],
    )


def sparsity_report(transformer, X, *, threshold=0.1, band=(0.1, 0.2)):
    """Summarise how sparse a fitted autoencoder's codings are on ``X``.

    Parameters
    ----------
    transformer : object
        Fitted object with ``transform(X)`` returning codings of shape
        (n_samples, n_units) and ``inverse_transform(codings)`` returning
        reconstructions on the same scale as ``X``.
    X : array-like of shape (n_samples, ...)
        Inputs. ``X`` and its reconstruction are compared after flattening
        each sample, so (n, 28, 28) inputs with (n, 784) reconstructions work.
    threshold : float, default=0.1
        Activation level separating "off" (``<``) from "on" (``>``).
    band : tuple of (float, float), default=(0.1, 0.2)
        Inclusive target range for each unit's mean activation.

    Returns
    -------
    SparsityReport

    Raises
    ------
    ValueError
        If ``threshold`` or ``band`` is invalid, the codings are not a
        non-empty finite 2-D array, or the reconstruction does not match
        ``X`` in size.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.inspection import sparsity_report
    >>> class Identity:
    ...     def transform(self, X):
    ...         return np.asarray(X, dtype=float)
    ...     def inverse_transform(self, codings):
    ...         return codings
    >>> X = np.array([[0.0, 0.5], [0.2, 0.0]])
    >>> report = sparsity_report(Identity(), X, threshold=0.1)
    >>> report.reconstruction_mse, report.explained_variance
    (0.0, 1.0)
    >>> report.l0.tolist(), report.n_dead_units
    ([1, 1], 0)
    """
    # Validate the cheap arguments before running the (possibly slow) model.
    threshold, band = _check_threshold(threshold), _check_band(band)
    codings = transformer.transform(X)
    stats = activation_stats(codings, threshold=threshold, band=band)
    reconstruction = np.asarray(
        transformer.inverse_transform(codings), dtype=np.float64
    )
    X = np.asarray(X, dtype=np.float64)
    n_samples = len(X)
    X = X.reshape(n_samples, -1)
    if reconstruction.size != X.size or len(reconstruction) != n_samples:
        raise ValueError(
            f"inverse_transform returned shape {reconstruction.shape}, which does "
            f"not match X of shape {X.shape} once each sample is flattened."
        )
    residual = X - reconstruction.reshape(X.shape)
    sse = float(np.sum(residual**2))
    sst = float(np.sum((X - X.mean(axis=0)) ** 2))
    return SparsityReport(
        **{field.name: getattr(stats, field.name) for field in fields(stats)},
        reconstruction_mse=sse / X.size,
        explained_variance=1.0 - sse / sst if sst > 0 else math.nan,
    )


def _check_threshold(threshold):
    if not _is_real(threshold) or not math.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}.")
    return float(threshold)


def _check_band(band):
    try:
        low, high = band
    except (TypeError, ValueError):
        raise ValueError(
            f"band must be a pair (low, high) of numbers, got {band!r}."
        ) from None
    if not all(_is_real(v) and math.isfinite(v) for v in (low, high)):
        raise ValueError(f"band must hold two finite numbers, got {band!r}.")
    if low > high:
        raise ValueError(f"band must satisfy low <= high, got {band!r}.")
    return float(low), float(high)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_codings(codings):
    if scipy.sparse.issparse(codings):  # sparse_output=True: densified here
        codings = codings.toarray()
    codings = np.asarray(codings, dtype=np.float64)
    if codings.ndim != 2 or 0 in codings.shape:
        raise ValueError(
            "codings must be a non-empty 2-D array (n_samples, n_units), got "
            f"shape {codings.shape}."
        )
    if not np.all(np.isfinite(codings)):
        raise ValueError("codings contain NaN or infinite values.")
    return codings


def _read_only(array):
    array.setflags(write=False)
    return array


def _to_plain(value):
    if isinstance(value, np.ndarray):
        return [_to_plain(item) for item in value.tolist()]
    if isinstance(value, tuple | list):
        return [_to_plain(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
