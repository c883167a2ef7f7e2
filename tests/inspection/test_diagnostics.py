import dataclasses
import json
import math
import sys

import numpy as np
import pytest

from sk_sparse_ae.inspection._diagnostics import (
    ActivationStats,
    SparsityReport,
    activation_stats,
    sparsity_report,
)


class TinySigmoidAutoencoder:
    """Fixed-weight encoder/decoder: codings = sigmoid(X W + b), X_hat = C V."""

    def __init__(self, n_features=5, n_units=7, seed=0):
        rng = np.random.default_rng(seed)
        self.W = rng.normal(scale=2.0, size=(n_features, n_units))
        self.b = rng.normal(size=n_units)
        self.b[0] = -30.0  # unit 0 is dead: sigmoid(-30 + small) ~ 1e-13
        self.V = rng.normal(size=(n_units, n_features))

    def transform(self, X):
        return 1.0 / (1.0 + np.exp(-(np.asarray(X) @ self.W + self.b)))

    def inverse_transform(self, codings):
        return codings @ self.V


class FixedOutputs:
    """Returns given codings and reconstruction whatever the input."""

    def __init__(self, codings, reconstruction):
        self.codings = np.asarray(codings, dtype=float)
        self.reconstruction = np.asarray(reconstruction, dtype=float)

    def transform(self, X):
        return self.codings

    def inverse_transform(self, codings):
        return self.reconstruction


def reference_report(codings, X, reconstruction, threshold, band):
    """Independent computation with plain Python loops."""
    C = codings.tolist()
    n_samples, n_units = len(C), len(C[0])
    values = [v for row in C for v in row]
    means = [sum(row[j] for row in C) / n_samples for j in range(n_units)]
    l0 = [sum(v > threshold for v in row) for row in C]
    X_rows = [list(np.ravel(x)) for x in X]
    R_rows = [list(np.ravel(r)) for r in reconstruction]
    n_features = len(X_rows[0])
    sse = sum(
        (x - r) ** 2
        for x_row, r_row in zip(X_rows, R_rows, strict=True)
        for x, r in zip(x_row, r_row, strict=True)
    )
    feature_means = [
        sum(row[k] for row in X_rows) / n_samples for k in range(n_features)
    ]
    sst = sum(
        (row[k] - feature_means[k]) ** 2 for row in X_rows for k in range(n_features)
    )
    return {
        "fraction_below_threshold": sum(v < threshold for v in values) / len(values),
        "mean_activation": means,
        "fraction_units_in_band": sum(band[0] <= m <= band[1] for m in means) / n_units,
        "l0": l0,
        "l0_mean": sum(l0) / n_samples,
        "dead_units": [
            j for j in range(n_units) if all(row[j] <= threshold for row in C)
        ],
        "reconstruction_mse": sse / (n_samples * n_features),
        "explained_variance": 1 - sse / sst,
    }


@pytest.mark.parametrize(("threshold", "band"), [(0.1, (0.1, 0.2)), (0.5, (0.3, 0.6))])
def test_report_matches_independent_computation(threshold, band):
    model = TinySigmoidAutoencoder()
    X = np.random.default_rng(1).normal(size=(40, 5))
    report = sparsity_report(model, X, threshold=threshold, band=band)

    codings = model.transform(X)
    expected = reference_report(
        codings, X, model.inverse_transform(codings), threshold, band
    )
    assert isinstance(report, SparsityReport)
    assert report.threshold == threshold and report.band == band
    for name, value in expected.items():
        np.testing.assert_allclose(
            getattr(report, name), value, rtol=1e-12, err_msg=name
        )
    assert report.n_dead_units == len(expected["dead_units"])
    assert 0 in report.dead_units.tolist()
    assert 0 < report.n_dead_units < codings.shape[1]


# Dyadic values so every mean is exact; columns: dead, always exactly at the
# threshold (so also dead), mean inside the band, mean on the band's edge.
HAND_CODINGS = np.array(
    [
        [0.0, 0.25, 0.75, 0.5],
        [0.0, 0.25, 0.25, 0.5],
        [0.0, 0.25, 0.5, 0.0],
        [0.0, 0.25, 0.0, 0.0],
    ]
)


def test_hand_checked_activation_stats():
    stats = activation_stats(HAND_CODINGS, threshold=0.25, band=(0.25, 0.5))
    assert isinstance(stats, ActivationStats)
    assert stats.fraction_below_threshold == 7 / 16  # 0.25 is not below 0.25
    assert stats.mean_activation.tolist() == [0.0, 0.25, 0.375, 0.25]
    assert stats.fraction_units_in_band == 3 / 4  # both edges are inclusive
    assert stats.l0.tolist() == [2, 1, 1, 0]  # 0.25 is not above 0.25
    assert stats.l0_mean == 1.0
    assert stats.dead_units.tolist() == [0, 1]
    assert stats.n_dead_units == 2


@pytest.mark.parametrize(
    ("band", "expected"),
    [
        ((0.25, 0.25), 2 / 4),  # band of zero width hits the units at 0.25
        ((0.0, 0.25), 3 / 4),  # upper edge inclusive
        ((0.375, 1.0), 1 / 4),  # lower edge inclusive
        ((0.26, 0.37), 0.0),
    ],
)
def test_band_edges_are_inclusive(band, expected):
    stats = activation_stats(HAND_CODINGS, threshold=0.25, band=band)
    assert stats.fraction_units_in_band == expected


def test_hand_checked_reconstruction():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    reconstruction = np.array([[1.0, 2.0], [3.0, 6.0]])
    report = sparsity_report(FixedOutputs([[0.5], [0.0]], reconstruction), X)
    assert report.reconstruction_mse == 1.0  # SSE 4 over 4 entries
    assert report.explained_variance == 0.0  # SST is 4 too


def test_perfect_reconstruction_explains_all_variance():
    X = np.array([[0.0, 1.0], [2.0, 5.0], [1.0, 1.0]])
    report = sparsity_report(FixedOutputs(np.ones((3, 2)), X), X)
    assert report.reconstruction_mse == 0.0
    assert report.explained_variance == 1.0


def test_image_shaped_inputs_are_flattened_per_sample():
    X = np.arange(12.0).reshape(2, 2, 3)
    reconstruction = X.reshape(2, 6) + 0.5
    report = sparsity_report(FixedOutputs(np.zeros((2, 3)), reconstruction), X)
    assert report.reconstruction_mse == 0.25


def test_reconstruction_of_wrong_size_raises():
    X = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"shape \(2, 4\)"):
        sparsity_report(FixedOutputs(np.zeros((2, 1)), np.zeros((2, 4))), X)


def test_constant_input_has_undefined_explained_variance():
    X = np.ones((3, 2))
    report = sparsity_report(FixedOutputs(np.zeros((3, 1)), np.zeros((3, 2))), X)
    assert math.isnan(report.explained_variance)
    assert report.to_dict()["explained_variance"] is None


def test_to_dict_is_plain_json():
    model = TinySigmoidAutoencoder()
    X = np.random.default_rng(2).normal(size=(10, 5))
    report = sparsity_report(model, X)
    as_dict = report.to_dict()
    assert set(as_dict) == {field.name for field in dataclasses.fields(SparsityReport)}
    assert json.loads(json.dumps(as_dict, allow_nan=False)) == as_dict
    assert as_dict["band"] == [0.1, 0.2]
    assert as_dict["mean_activation"] == report.mean_activation.tolist()
    assert as_dict["dead_units"] == report.dead_units.tolist()
    assert type(as_dict["n_dead_units"]) is int
    assert type(as_dict["l0"][0]) is int
    assert type(as_dict["reconstruction_mse"]) is float


def test_report_is_immutable():
    stats = activation_stats(HAND_CODINGS, threshold=0.25, band=(0.25, 0.5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.threshold = 0.5
    with pytest.raises(ValueError, match="read-only"):
        stats.mean_activation[0] = 1.0


def test_accepts_float32_codings():
    stats = activation_stats(HAND_CODINGS.astype(np.float32), threshold=0.25)
    assert stats.dead_units.tolist() == [0, 1]


@pytest.mark.parametrize("threshold", [math.nan, math.inf, "0.1", None, True])
def test_invalid_threshold(threshold):
    with pytest.raises(ValueError, match="threshold") as info:
        activation_stats(HAND_CODINGS, threshold=threshold)
    assert repr(threshold) in str(info.value)


@pytest.mark.parametrize(
    "band", [(0.3, 0.1), (0.1,), (0.1, 0.2, 0.3), None, (0.0, math.inf), ("a", "b")]
)
def test_invalid_band(band):
    with pytest.raises(ValueError, match="band") as info:
        activation_stats(HAND_CODINGS, band=band)
    assert repr(band) in str(info.value)


@pytest.mark.parametrize(
    ("codings", "match"),
    [
        (np.zeros(4), "2-D"),
        (np.zeros((0, 3)), "non-empty"),
        (np.zeros((3, 0)), "non-empty"),
        (np.array([[0.1, np.nan]]), "NaN"),
    ],
)
def test_invalid_codings(codings, match):
    with pytest.raises(ValueError, match=match):
        activation_stats(codings)


def test_arguments_checked_before_running_the_model():
    class Exploding:
        def transform(self, X):
            raise AssertionError("transform should not run")

    with pytest.raises(ValueError, match="threshold"):
        sparsity_report(Exploding(), np.zeros((2, 2)), threshold=-math.inf)


# plotting.py (optional matplotlib extra) is tested here too.


def bar_heights(ax):
    (bars,) = ax.containers
    return np.array([rect.get_height() for rect in bars])


def test_histograms_match_numpy():
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from matplotlib.figure import Figure

    from sk_sparse_ae.inspection import plot_activation_histograms

    codings = np.random.default_rng(3).beta(0.5, 3.0, size=(50, 20))
    fig = plot_activation_histograms(codings, threshold=0.1, bins=10, title="t")
    assert isinstance(fig, Figure)
    activations_ax, units_ax = fig.axes

    edges = np.linspace(0.0, 1.0, 11)
    counts, _ = np.histogram(codings, bins=edges)
    unit_counts, _ = np.histogram(codings.mean(axis=0), bins=edges)
    np.testing.assert_allclose(bar_heights(activations_ax) * codings.size, counts)
    np.testing.assert_allclose(bar_heights(units_ax) * 20, unit_counts)
    assert np.isclose(bar_heights(activations_ax).sum(), 1.0)
    assert np.isclose(bar_heights(units_ax).sum(), 1.0)


def test_histograms_from_transformer_and_png(tmp_path):
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from sk_sparse_ae.inspection import plot_activation_histograms

    model = TinySigmoidAutoencoder()
    X = np.random.default_rng(4).normal(size=(30, 5))
    fig = plot_activation_histograms(model, X, bins=5)
    codings = model.transform(X)
    counts, _ = np.histogram(codings, bins=np.linspace(0, 1, 6))
    np.testing.assert_allclose(bar_heights(fig.axes[0]) * codings.size, counts)

    path = tmp_path / "histograms.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_histogram_edges_widen_for_values_outside_unit_interval():
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from sk_sparse_ae.inspection._plotting import (
        activation_histogram_edges,
        plot_activation_histograms,
    )

    codings = np.array([[-0.5, 0.2], [1.5, 0.9], [0.0, 0.3]])
    edges = activation_histogram_edges(codings, bins=4)
    assert edges[0] == -0.5 and edges[-1] == 1.5 and len(edges) == 5
    fig = plot_activation_histograms(codings, bins=4)
    counts, _ = np.histogram(codings, bins=edges)
    assert counts.sum() == codings.size
    np.testing.assert_allclose(bar_heights(fig.axes[0]) * codings.size, counts)

    explicit = [0.0, 0.5, 1.0]
    np.testing.assert_array_equal(
        activation_histogram_edges(codings, explicit), explicit
    )
    with pytest.raises(ValueError, match="increase"):
        activation_histogram_edges(codings, [0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="positive integer"):
        activation_histogram_edges(codings, 0)


def test_plot_argument_errors():
    pytest.importorskip("matplotlib", reason="the plot extra is not installed")
    from sk_sparse_ae.inspection import plot_activation_histograms

    with pytest.raises(ValueError, match="X is required"):
        plot_activation_histograms(TinySigmoidAutoencoder())
    with pytest.raises(ValueError, match="X must be None"):
        plot_activation_histograms(HAND_CODINGS, HAND_CODINGS)


def test_plot_without_matplotlib_says_how_to_install(monkeypatch):
    from sk_sparse_ae.inspection import plot_activation_histograms

    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install sk_sparse_ae\[plot\]"):
        plot_activation_histograms(HAND_CODINGS)
