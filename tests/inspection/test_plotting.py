"""plot_features and plot_reconstructions: the drawn pixels against NumPy."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError

from sk_sparse_ae import SparseAutoencoderTransformer

pytest.importorskip("matplotlib", reason="the plot extra is not installed")
from matplotlib.figure import Figure

from sk_sparse_ae.inspection._plotting import (
    plot_activation_histograms,
    plot_features,
    plot_reconstructions,
)

DIGIT_SHAPE = (8, 8)


def drawn(ax):
    """The array an axes' one image shows, and its colour limits."""
    (image,) = ax.images
    return np.asarray(image.get_array()), image.get_clim()


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture(scope="module")
def linear_sae(digits):
    """One Dense layer each way, sigmoid codings, linear output."""
    X, _ = digits
    return SparseAutoencoderTransformer(
        n_components=12,
        hidden_layer_sizes=(),
        sparsity="l1",
        loss="squared_error",
        optimizer="adam",
        epochs=2,
        random_state=0,
    ).fit(X[:500])


def keras_weights(layer):
    kernel, bias = layer.get_weights()
    return kernel.astype(np.float64), bias.astype(np.float64)


def test_weights_are_drawn_as_given_with_symmetric_scales():
    weights = np.random.default_rng(0).normal(size=(5, 64))
    weights[4] = 0.0
    fig = plot_features(weights, DIGIT_SHAPE, units=[3, 0, 4], n_cols=2, title="w")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    for ax, unit in zip(fig.axes, [3, 0, 4], strict=True):
        image, (low, high) = drawn(ax)
        np.testing.assert_array_equal(image, weights[unit].reshape(DIGIT_SHAPE))
        limit = np.abs(weights[unit]).max() or 1.0  # all-zero: drawn white
        assert (low, high) == (-limit, limit)
        assert ax.get_title() == str(unit)
    assert fig.axes[0].get_subplotspec().get_geometry()[:2] == (2, 2)

    shared = plot_features(weights, DIGIT_SHAPE, shared_scale=True)
    largest = np.abs(weights).max()
    assert all(drawn(ax)[1] == (-largest, largest) for ax in shared.axes)


def test_decoder_directions_of_pca_are_its_components(digits):
    X, _ = digits
    pca = PCA(n_components=6, random_state=0).fit(X)
    fig = plot_features(pca, DIGIT_SHAPE)
    for ax, component in zip(fig.axes, pca.components_, strict=True):
        image, _ = drawn(ax)
        np.testing.assert_allclose(image, component.reshape(DIGIT_SHAPE), atol=1e-12)


def test_decoder_directions_are_the_linear_decoders_rows(linear_sae):
    kernel, _ = keras_weights(linear_sae.decoder_.layers[-1])  # (12, 64)
    fig = plot_features(linear_sae, DIGIT_SHAPE, kind="decoder", units=[0, 7, 11])
    for ax, unit in zip(fig.axes, [0, 7, 11], strict=True):
        image, _ = drawn(ax)
        np.testing.assert_allclose(image.ravel(), kernel[unit], atol=1e-5)


def test_encoder_weights_are_what_transform_responds_to(linear_sae):
    # Independent of the Keras kernel: for sigmoid codings of one Dense layer,
    # logit(transform(x)) = x @ W + b, so pixel j's weights are
    # logit(transform(e_j)) - logit(transform(0)).
    probes = np.vstack([np.zeros((1, 64)), np.eye(64)])
    codings = linear_sae.transform(probes)
    assert codings.min() > 1e-3 and codings.max() < 1 - 1e-3  # logit is precise
    logits = np.log(codings) - np.log1p(-codings)
    weights = (logits[1:] - logits[0]).T  # (12 units, 64 pixels)

    fig = plot_features(linear_sae, DIGIT_SHAPE, kind="encoder")
    assert len(fig.axes) == 12
    for ax, unit_weights in zip(fig.axes, weights, strict=True):
        image, _ = drawn(ax)
        np.testing.assert_allclose(image.ravel(), unit_weights, atol=2e-4)


def test_reconstructions_match_numpy(linear_sae, digits):
    X, _ = digits
    images = X[600:605]
    pca = PCA(n_components=4, random_state=0).fit(X)
    fig = plot_reconstructions(
        {"SAE": linear_sae, "PCA": pca}, images, DIGIT_SHAPE, title="r"
    )
    encoder_kernel, encoder_bias = keras_weights(linear_sae.encoder_.layers[-1])
    decoder_kernel, decoder_bias = keras_weights(linear_sae.decoder_.layers[-1])
    sae_rows = sigmoid(images @ encoder_kernel + encoder_bias) @ decoder_kernel
    sae_rows += decoder_bias
    centred = images - pca.mean_
    pca_rows = centred @ pca.components_.T @ pca.components_ + pca.mean_
    expected = [images, sae_rows, pca_rows]

    assert len(fig.axes) == 3 * 5
    low = min(rows.min() for rows in expected)
    high = max(rows.max() for rows in expected)
    for row, rows in enumerate(expected):
        for column, image in enumerate(rows):
            shown, clim = drawn(fig.axes[row * 5 + column])
            np.testing.assert_allclose(shown, image.reshape(DIGIT_SHAPE), atol=1e-5)
            np.testing.assert_allclose(clim, (low, high), atol=1e-5)
    labels = [fig.axes[row * 5].get_ylabel() for row in range(3)]
    assert labels == ["original", "SAE", "PCA"]

    fixed = plot_reconstructions(linear_sae, images, DIGIT_SHAPE, vmin=0, vmax=1)
    assert drawn(fixed.axes[7])[1] == (0, 1)
    assert fixed.axes[5].get_ylabel() == "reconstruction"


def test_drawing_into_a_given_figure():
    weights = np.random.default_rng(1).normal(size=(4, 64))
    parent = Figure()
    left, right = parent.subfigures(1, 2)
    assert plot_features(weights, DIGIT_SHAPE, fig=left) is left
    assert plot_activation_histograms(weights.clip(0, 1), fig=right) is right
    assert len(left.axes) == 4 and len(right.axes) == 2
    with pytest.raises(ValueError, match="fig must be empty; it has 4 axes"):
        plot_features(weights, DIGIT_SHAPE, fig=left)
    with pytest.raises(ValueError, match="figsize"):
        plot_features(weights, DIGIT_SHAPE, fig=Figure(), figsize=(3, 3))


def test_plot_feature_errors_name_the_value(linear_sae):
    weights = np.zeros((3, 64))
    with pytest.raises(ValueError, match=r"image_shape \(8, 7\) holds 56 pixels"):
        plot_features(weights, (8, 7))
    with pytest.raises(ValueError, match="pair"):
        plot_features(weights, (8, 8, 1))
    with pytest.raises(ValueError, match=r"units must lie in \[0, 2\], got \[3\]"):
        plot_features(weights, DIGIT_SHAPE, units=[0, 3])
    with pytest.raises(ValueError, match="sequence of ints"):
        plot_features(weights, DIGIT_SHAPE, units=[0.5])
    with pytest.raises(ValueError, match="n_cols must be a positive int, got 0"):
        plot_features(weights, DIGIT_SHAPE, n_cols=0)
    with pytest.raises(ValueError, match="omit it"):
        plot_features(weights, DIGIT_SHAPE, kind="encoder")
    with pytest.raises(ValueError, match="NaN"):
        plot_features(np.full((2, 64), np.nan), DIGIT_SHAPE)
    with pytest.raises(ValueError, match="kind must be"):
        plot_features(linear_sae, DIGIT_SHAPE, kind="both")
    with pytest.raises(NotFittedError):
        plot_features(SparseAutoencoderTransformer(), DIGIT_SHAPE)
    with pytest.raises(ValueError, match=r"hidden_layer_sizes=\(4,\)"):
        deep = SparseAutoencoderTransformer(
            n_components=3, hidden_layer_sizes=(4,), epochs=1, random_state=0
        ).fit(np.random.default_rng(0).uniform(size=(20, 64)))
        plot_features(deep, DIGIT_SHAPE, kind="encoder")
    with pytest.raises(ValueError, match="SparseAutoencoderTransformer, got PCA"):
        pca = PCA(n_components=2).fit(np.random.default_rng(0).normal(size=(9, 64)))
        plot_features(pca, DIGIT_SHAPE, kind="encoder")
    with pytest.raises(ValueError, match="'bad': expected a fitted transformer"):
        plot_reconstructions({"bad": object()}, weights, DIGIT_SHAPE)
    with pytest.raises(ValueError, match="non-empty 2-D"):
        plot_reconstructions(linear_sae, np.zeros(64), DIGIT_SHAPE)
