"""Figures of a sparse autoencoder: activation histograms, features, reconstructions.

:func:`plot_activation_histograms` draws Géron's Figure 17-11,
:func:`plot_features` each coding unit's learned feature as an image and
:func:`plot_reconstructions` images beside their reconstructions.

matplotlib is an optional dependency (``pip install sk_sparse_ae[plot]``); it
is imported only when a plot is drawn. Each function draws on a new
:class:`matplotlib.figure.Figure` that pyplot does not track (so nothing is
shown or kept open behind your back), or on the figure passed as ``fig``,
e.g. ``fig=plt.figure()`` to show it with pyplot.
"""

from __future__ import annotations

import numbers
from operator import index as operator_index

import numpy as np

from ._diagnostics import _check_codings, _check_threshold

__all__ = [
    "activation_histogram_edges",
    "plot_activation_histograms",
    "plot_features",
    "plot_reconstructions",
]


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
    >>> from sk_sparse_ae.inspection import activation_histogram_edges
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
    figsize=None,
    fig=None,
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
    figsize : tuple of float, optional
        Size in inches of the new figure; ``(10, 3)`` if omitted. Only
        without ``fig``.
    fig : matplotlib.figure.Figure or matplotlib.figure.SubFigure, optional
        Where to draw, e.g. ``plt.figure()``; it must be empty. By default a
        new figure that pyplot does not track.

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.figure.SubFigure
        ``fig``, or the new figure, with the two axes; save it with
        ``fig.savefig(path)``.

    Raises
    ------
    ImportError
        If matplotlib is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.inspection import plot_activation_histograms
    >>> codings = np.random.default_rng(0).uniform(size=(100, 30))
    >>> fig = plot_activation_histograms(codings, threshold=0.1)
    >>> len(fig.axes)
    2
    """
    fig = _target_figure(fig, figsize, (10, 3), "plot_activation_histograms")
    from matplotlib.ticker import PercentFormatter

    codings = _codings_from(transformer_or_codings, X)
    if threshold is not None:
        threshold = _check_threshold(threshold)
    edges = activation_histogram_edges(codings, bins)
    unit_means = codings.mean(axis=0)
    overall_mean = float(codings.mean())

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


def plot_features(
    estimator_or_weights,
    image_shape,
    *,
    kind=None,
    units=None,
    n_cols=10,
    shared_scale=False,
    cmap="RdBu_r",
    title=None,
    figsize=None,
    fig=None,
):
    """Draw each coding unit's learned feature as an image, in a grid.

    A feature is an input-space vector, reshaped to ``image_shape`` and drawn
    with a colour scale symmetric about 0 (white), so a pixel's sign and
    size show how the unit relates to it. Each panel is titled with the
    unit's index.

    Parameters
    ----------
    estimator_or_weights : estimator or array-like of shape (n_units, n_pixels)
        A fitted transformer, or the features themselves, one per row
        (e.g. a PCA's ``components_``), drawn as given.
    image_shape : tuple of int
        ``(height, width)`` of one image; ``height * width`` must equal the
        number of input features.
    kind : {"decoder", "encoder"}, optional
        What to draw of a fitted estimator (``"decoder"`` if omitted; must
        be omitted with an array):

        - ``"decoder"``: the decoder's *direction* for each unit,
          ``inverse_transform(e_i) - inverse_transform(0)`` with ``e_i``
          the coding in which unit ``i`` alone is 1: what switching the unit
          on adds to the reconstruction. For a decoder of one Dense layer
          with a linear output (``hidden_layer_sizes=()``,
          ``loss="squared_error"``) this is exactly the unit's row of the
          decoder's weight matrix; through a sigmoid output or hidden layers
          it is the decoder's response to that unit. Works for any fitted
          transformer with ``inverse_transform`` and
          ``get_feature_names_out``; for a PCA it is ``components_``.
        - ``"encoder"``: each coding unit's input weights (the coding
          layer's kernel), what the unit responds to. Only for an encoder of
          one Dense layer (``hidden_layer_sizes=()``), whose input is the
          image itself.
    units : sequence of int, optional
        Indices of the units to draw, in that order; all units if omitted.
    n_cols : int, default=10
        Panels per row (fewer if fewer units are drawn).
    shared_scale : bool, default=False
        Whether all panels share one colour scale, ``+-`` the largest
        absolute value over the drawn features, so that their magnitudes
        compare (a weak or dead unit looks pale). By default each panel is
        scaled to its own largest absolute value. An all-zero feature is
        drawn white.
    cmap : str or matplotlib.colors.Colormap, default="RdBu_r"
        Colour map; a diverging one suits the symmetric scale.
    title : str, optional
        Figure title.
    figsize : tuple of float, optional
        Size in inches of the new figure; by default 1 inch per panel. Only
        without ``fig``.
    fig : matplotlib.figure.Figure or matplotlib.figure.SubFigure, optional
        Where to draw, e.g. ``plt.figure()`` or one of
        ``fig.subfigures(...)``; it must be empty. By default a new figure
        that pyplot does not track.

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.figure.SubFigure
        ``fig``, or the new figure; ``fig.axes[j]`` shows ``units[j]``.

    Raises
    ------
    ValueError
        If ``image_shape`` does not match the number of features, a unit
        index is out of range, ``kind="encoder"`` is asked of an encoder
        with hidden layers, or the estimator is not fitted.
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    plot_reconstructions : Images beside their reconstructions.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.inspection import plot_features
    >>> weights = np.random.default_rng(0).normal(size=(6, 64))
    >>> fig = plot_features(weights, (8, 8), n_cols=3)
    >>> len(fig.axes)
    6
    >>> bool(np.array_equal(fig.axes[1].images[0].get_array(),
    ...                     weights[1].reshape(8, 8)))
    True
    """
    features = _features_of(estimator_or_weights, kind)
    image_shape = _check_image_shape(image_shape, features.shape[1])
    units = _check_units(units, len(features))
    n_cols = _check_positive_int("n_cols", n_cols)
    features = features[units]
    n_cols = min(n_cols, len(units))
    n_rows = -(-len(units) // n_cols)
    fig = _target_figure(fig, figsize, (n_cols, n_rows + 0.4), "plot_features")

    limits = np.abs(features).max(axis=1)
    if shared_scale:
        limits[:] = limits.max()
    limits[limits == 0] = 1.0
    for position, (unit, feature, limit) in enumerate(
        zip(units, features, limits, strict=True)
    ):
        ax = fig.add_subplot(n_rows, n_cols, position + 1)
        ax.imshow(feature.reshape(image_shape), cmap=cmap, vmin=-limit, vmax=limit)
        ax.set_title(str(unit), fontsize="small")
        ax.set_axis_off()
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_reconstructions(
    estimator,
    X,
    image_shape,
    *,
    cmap="gray",
    vmin=None,
    vmax=None,
    title=None,
    figsize=None,
    fig=None,
):
    """Draw images (top row) above their reconstructions (one row per model).

    The reconstruction of ``X`` by a fitted autoencoder is
    ``inverse_transform(transform(X))``. Every panel shares one colour
    scale, so a reconstruction's contrast compares with the original's.

    Parameters
    ----------
    estimator : estimator or dict of str to estimator
        A fitted transformer with ``transform`` and ``inverse_transform``,
        or several, by row label (in the dict's order).
    X : array-like of shape (n_images, n_features)
        The images to draw, one per row, in the estimators' input space.
    image_shape : tuple of int
        ``(height, width)`` of one image; ``height * width`` must equal
        ``n_features``.
    cmap : str or matplotlib.colors.Colormap, default="gray"
        Colour map.
    vmin, vmax : float, optional
        The colour scale; by default the smallest and largest value over
        the images and all reconstructions.
    title : str, optional
        Figure title.
    figsize : tuple of float, optional
        Size in inches of the new figure; by default 1 inch per panel. Only
        without ``fig``.
    fig : matplotlib.figure.Figure or matplotlib.figure.SubFigure, optional
        Where to draw, e.g. ``plt.figure()``; it must be empty. By default a
        new figure that pyplot does not track.

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.figure.SubFigure
        ``fig``, or the new figure. Its axes are row by row: ``n_images``
        originals, then ``n_images`` reconstructions per estimator; the
        first panel of each row is labelled ("original", or the
        estimator's label).

    Raises
    ------
    ValueError
        If ``X`` is not a finite 2-D array or ``image_shape`` does not match
        its width.
    ImportError
        If matplotlib is not installed.

    See Also
    --------
    plot_features : The learned features as images.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sk_sparse_ae.inspection import plot_reconstructions
    >>> X = np.random.default_rng(0).uniform(size=(40, 16))
    >>> pca = PCA(n_components=4).fit(X)
    >>> fig = plot_reconstructions({"PCA(4)": pca}, X[:5], (4, 4))
    >>> len(fig.axes)
    10
    """
    estimators = _check_estimators(estimator)
    X = _check_images(X)
    image_shape = _check_image_shape(image_shape, X.shape[1])
    rows = [("original", X)]
    for label, model in estimators.items():
        reconstruction = model.inverse_transform(model.transform(X))
        rows.append((label, np.asarray(reconstruction, dtype=np.float64)))
    if vmin is None:
        vmin = min(float(images.min()) for _, images in rows)
    if vmax is None:
        vmax = max(float(images.max()) for _, images in rows)
    n_cols = len(X)
    fig = _target_figure(
        fig, figsize, (n_cols, len(rows) + 0.4), "plot_reconstructions"
    )
    axes = fig.subplots(len(rows), n_cols, squeeze=False)
    for (label, images), row_axes in zip(rows, axes, strict=True):
        for image, ax in zip(images, row_axes, strict=True):
            ax.imshow(image.reshape(image_shape), cmap=cmap, vmin=vmin, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
        row_axes[0].set_ylabel(label, rotation=0, ha="right", va="center")
    if title is not None:
        fig.suptitle(title)
    return fig


def _target_figure(fig, figsize, default_figsize, caller):
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib: pip install sk_sparse_ae[plot]"
        ) from exc
    if fig is None:
        size = default_figsize if figsize is None else figsize
        return Figure(figsize=size, layout="constrained")
    if figsize is not None:
        raise ValueError(
            "figsize sizes a new figure; with fig given, size that figure instead."
        )
    if fig.axes:
        raise ValueError(f"fig must be empty; it has {len(fig.axes)} axes.")
    return fig


def _features_of(estimator_or_weights, kind):
    if not hasattr(estimator_or_weights, "transform"):
        if kind is not None:
            raise ValueError(
                f"kind={kind!r} chooses what to draw of a fitted estimator; "
                "with an array of features, omit it."
            )
        features = _check_images(estimator_or_weights, name="weights")
        return features
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator_or_weights)
    if kind is None or kind == "decoder":
        return _decoder_directions(estimator_or_weights)
    if kind == "encoder":
        return _encoder_weights(estimator_or_weights)
    raise ValueError(f'kind must be "decoder" or "encoder", got {kind!r}.')


def _decoder_directions(estimator):
    n_units = len(estimator.get_feature_names_out())
    codings = np.vstack([np.zeros((1, n_units)), np.eye(n_units)])
    decoded = np.asarray(estimator.inverse_transform(codings), dtype=np.float64)
    return decoded[1:] - decoded[0]


def _encoder_weights(estimator):
    encoder = getattr(estimator, "encoder_", None)
    if encoder is None:
        raise ValueError(
            'kind="encoder" needs a fitted SparseAutoencoderTransformer, got '
            f"{type(estimator).__name__}."
        )
    import keras

    from ..nn._options import flat_layers

    dense = [layer for layer in flat_layers(encoder) if hasattr(layer, "kernel")]
    if len(dense) != 1:
        raise ValueError(
            'kind="encoder" draws the coding units\' input weights, which are '
            "image-shaped only for an encoder of one Dense layer "
            f"(hidden_layer_sizes=()); this encoder has {len(dense)} "
            f"(hidden_layer_sizes={estimator.hidden_layer_sizes!r}). "
            'Use kind="decoder".'
        )
    kernel = keras.ops.convert_to_numpy(dense[0].kernel)
    return np.asarray(kernel, dtype=np.float64).T


def _check_images(X, name="X"):
    array = np.asarray(X, dtype=np.float64)
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(
            f"{name} must be a non-empty 2-D array (one flattened image per "
            f"row), got shape {array.shape}."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


def _check_image_shape(image_shape, n_features):
    try:
        height, width = (operator_index(size) for size in image_shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"image_shape must be a pair (height, width) of ints, got {image_shape!r}."
        ) from None
    if height < 1 or width < 1 or height * width != n_features:
        raise ValueError(
            f"image_shape {image_shape!r} holds {height * width} pixels, but each "
            f"image has {n_features} features."
        )
    return height, width


def _check_units(units, n_units):
    if units is None:
        return np.arange(n_units)
    indices = np.asarray(units)
    if (
        indices.ndim != 1
        or len(indices) == 0
        or not np.issubdtype(indices.dtype, np.integer)
    ):
        raise ValueError(f"units must be a non-empty sequence of ints, got {units!r}.")
    outside = indices[(indices < 0) | (indices >= n_units)]
    if len(outside):
        raise ValueError(
            f"units must lie in [0, {n_units - 1}], got {outside.tolist()}."
        )
    return indices


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")
    return int(value)


def _check_estimators(estimator):
    estimators = (
        estimator if isinstance(estimator, dict) else {"reconstruction": estimator}
    )
    if not estimators:
        raise ValueError("estimator must be an estimator or a non-empty dict of them.")
    for label, model in estimators.items():
        if not (hasattr(model, "transform") and hasattr(model, "inverse_transform")):
            raise ValueError(
                f"{label!r}: expected a fitted transformer with transform and "
                f"inverse_transform, got {type(model).__name__}."
            )
    return estimators


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
