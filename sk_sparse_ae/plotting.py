"""Activation histograms in the style of Géron's Figure 17-11.

matplotlib is an optional dependency (``pip install sk_sparse_ae[plot]``); it
is imported only when a plot is drawn.
"""

from __future__ import annotations

import numpy as np

from .diagnostics import _check_codings, _check_threshold

__all__ = ["activation_histogram_edges", "plot_activation_histograms"]


def activation_histogram_edges(codings, bins=10):
    """Return the bin edges used by :func:`plot_activation_histograms`.

    Parameters
    ----------
    codings : array-like of shape (n_samples, n_units)
        Coding-layer activations.
    bins : int or array-like, default=10
        Number of equal-width bins spanning [0, 1] widened to include every
        activation, or explicit increasing bin edges.

    Returns
    -------
    ndarray
        The bin edges.

    Examples
    --------
    >>> from sk_sparse_ae.plotting import activation_histogram_edges
    >>> activation_histogram_edges([[0.2, 0.7]], bins=4).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    >>> activation_histogram_edges([[-1.0, 0.5]], bins=2).tolist()
    [-1.0, 0.0, 1.0]
    """
    codings = _check_codings(codings)
    if np.ndim(bins) == 0:
        if isinstance(bins, bool) or int(bins) != bins or bins < 1:
            raise ValueError(f"bins must be a positive integer, got {bins!r}.")
        low = min(0.0, float(codings.min()))
        high = max(1.0, float(codings.max()))
        return np.linspace(low, high, int(bins) + 1)
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"bin edges must increase strictly, got {bins!r}.")
    return edges


def plot_activation_histograms(
    transformer_or_codings,
    X=None,
    *,
    threshold=0.1,
    bins=10,
    title=None,
    figsize=(10, 3),
):
    """Plot histograms of coding activations and of per-unit mean activations.

    Left panel: the share of all activations falling in each bin. Right
    panel: the share of coding units whose mean activation falls in each
    bin. Both show the overall mean activation as a dashed line; the left
    one also shows ``threshold`` as a dotted line. Values outside explicit
    ``bins`` edges are not counted.

    Parameters
    ----------
    transformer_or_codings : object or array-like of shape (n_samples, n_units)
        A fitted object with ``transform`` (then ``X`` is required), or the
        codings themselves (then ``X`` must be None).
    X : array-like, optional
        Inputs to encode with ``transformer_or_codings.transform``.
    threshold : float or None, default=0.1
        Where to draw the threshold line; None draws none.
    bins : int or array-like, default=10
        See :func:`activation_histogram_edges`.
    title : str, optional
        Figure title.
    figsize : tuple of float, default=(10, 3)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Figure with the two axes; save it with ``fig.savefig(path)``.

    Raises
    ------
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.plotting import plot_activation_histograms
    >>> codings = np.random.default_rng(0).uniform(size=(100, 30))
    >>> fig = plot_activation_histograms(codings, threshold=0.1)
    >>> len(fig.axes)
    2
    """
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import PercentFormatter
    except ImportError as exc:
        raise ImportError(
            "plot_activation_histograms needs matplotlib: "
            "pip install sk_sparse_ae[plot]"
        ) from exc

    codings = _codings_from(transformer_or_codings, X)
    if threshold is not None:
        threshold = _check_threshold(threshold)
    edges = activation_histogram_edges(codings, bins)
    unit_means = codings.mean(axis=0)
    overall_mean = float(codings.mean())

    fig = Figure(figsize=figsize, layout="constrained")
    activations_ax, units_ax = fig.subplots(1, 2, sharey=True)
    _percent_bars(activations_ax, codings.ravel(), edges)
    _percent_bars(units_ax, unit_means, edges)
    for ax in (activations_ax, units_ax):
        ax.axvline(
            overall_mean,
            color="k",
            linestyle="--",
            label=f"overall mean = {overall_mean:.2f}",
        )
        ax.set_xlim(edges[0], edges[-1])
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        ax.grid(True)
    if threshold is not None:
        activations_ax.axvline(
            threshold,
            color="tab:red",
            linestyle=":",
            label=f"threshold = {threshold:g}",
        )
    activations_ax.legend(loc="upper center")
    activations_ax.set_xlabel("Activation")
    activations_ax.set_ylabel("% activations")
    units_ax.set_xlabel("Unit mean activation")
    units_ax.set_ylabel("% units")
    if title is not None:
        fig.suptitle(title)
    return fig


def _codings_from(transformer_or_codings, X):
    if hasattr(transformer_or_codings, "transform"):
        if X is None:
            raise ValueError("X is required when a transformer is given.")
        return _check_codings(transformer_or_codings.transform(X))
    if X is not None:
        raise ValueError("X must be None when codings are given directly.")
    return _check_codings(transformer_or_codings)


def _percent_bars(ax, values, edges):
    counts, _ = np.histogram(values, bins=edges)
    widths = np.diff(edges)
    centers = edges[:-1] + widths / 2
    ax.bar(centers, counts / len(values), width=widths * 0.8)
