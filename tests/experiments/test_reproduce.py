"""The Fashion-MNIST experiments (quick runs) and their command-line wiring."""

import json
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from sk_sparse_ae import experiments
from sk_sparse_ae.datasets._fashion_mnist import (
    FashionMNISTNotFoundError,
    load_fashion_mnist,
)
from sk_sparse_ae.experiments import _settings, cli

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def fashion_subset():
    """The --quick subset of Fashion-MNIST, or a skip when it is not installed."""
    try:
        (X_train, y_train), (X_test, y_test) = load_fashion_mnist(
            flatten=True, as_float=True, download_if_missing=False
        )
    except FashionMNISTNotFoundError:
        pytest.skip(
            "Fashion-MNIST files not found (apt-get install -y dataset-fashion-mnist)"
        )
    n_train, n_test = _settings.QUICK["n_train"], _settings.QUICK["n_test"]
    return (X_train[:n_train], y_train[:n_train]), (X_test[:n_test], y_test[:n_test])


@pytest.fixture(scope="module")
def quick_reproduction(fashion_subset, tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("reproduce")
    lines = []
    result = experiments.reproduce(
        output_dir, quick=True, random_state=0, log=lines.append
    )
    return result, output_dir, lines


def test_reproduce_json_matches_numpy_on_the_codings(quick_reproduction):
    result, output_dir, _ = quick_reproduction
    summary = json.loads((output_dir / "reproduce_quick.json").read_text())
    names = [name for name, _ in experiments.REPRODUCE_MODELS]
    assert [row["name"] for row in summary["models"]] == names
    assert summary["quick"] is True
    assert summary["data"] == {"n_train": 2000, "n_test": 500}
    assert summary["epochs"] == 1 and summary["random_state"] == 0
    for row in summary["models"]:
        codings = np.asarray(result.codings[row["name"]], dtype=np.float64)
        assert codings.shape == (500, 300)
        unit_means = codings.mean(axis=0)
        l0 = (codings > 0.1).sum(axis=1)
        assert row["fraction_below_threshold"] == pytest.approx(
            np.mean(codings < 0.1), abs=1e-12
        )
        assert row["fraction_units_in_band"] == pytest.approx(
            np.mean((unit_means >= 0.1) & (unit_means <= 0.2)), abs=1e-12
        )
        assert row["l0_mean"] == pytest.approx(l0.mean(), abs=1e-12)
        assert row["l0_percentiles"]["50"] == pytest.approx(np.median(l0))
        assert row["n_dead_units"] == int(np.sum(codings.max(axis=0) <= 0.1))
    sparsity = {
        row["name"]: (row["params"]["sparsity"], row["params"]["sparsity_weight"])
        for row in summary["models"]
    }
    assert sparsity == {
        "kl": ("kl", "auto"),  # 2e-3, as sparsity_weight_ records
        "kl-book": ("kl", 0.05 / 32),
        "l1": ("l1", 1e-3),
        "topk": ("topk", "auto"),  # no penalty: 0.0
    }
    topk = next(row for row in summary["models"] if row["name"] == "topk")
    assert topk["params"]["k"] == 100
    assert topk["l0_percentiles"]["100"] <= 100


def test_reproduce_reconstruction_loss_is_binary_cross_entropy(
    quick_reproduction, fashion_subset
):
    result, _, _ = quick_reproduction
    _, (X_test, _) = fashion_subset
    X = X_test.astype(np.float64)
    for row in result.summary["models"]:
        estimator = result.estimators[row["name"]]
        X_hat = estimator.inverse_transform(result.codings[row["name"]])
        X_hat = np.clip(X_hat.astype(np.float64), 1e-7, 1 - 1e-7)  # Keras's epsilon
        bce = -np.mean(X * np.log(X_hat) + (1 - X) * np.log(1 - X_hat))
        assert row["test_reconstruction_loss"] == pytest.approx(bce, rel=1e-4)


def test_reproduce_acceptance_verdict_follows_the_numbers(quick_reproduction):
    result, _, lines = quick_reproduction
    kl = next(row for row in result.summary["models"] if row["name"] == "kl")
    expected = (
        0.65 <= kl["fraction_below_threshold"] <= 0.75
        and kl["fraction_units_in_band"] >= 0.85
    )
    assert result.summary["acceptance"]["passed"] is expected
    table = lines[-1]
    assert ("PASSED" if expected else "FAILED") in table
    assert f"| kl | {kl['fraction_below_threshold']:.1%} (book 70%)" in table


def test_reproduce_writes_valid_pngs_and_markdown(quick_reproduction):
    from matplotlib.image import imread

    result, output_dir, lines = quick_reproduction
    for name, _ in experiments.REPRODUCE_MODELS:
        path = output_dir / f"reproduce_quick_{name}.png"
        assert result.figure_paths[name] == path
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        height, width, _ = imread(path).shape
        assert (width, height) == (1000, 300)  # figsize (10, 3) at 100 dpi
    assert (output_dir / "reproduce_quick.md").read_text().strip() == lines[-1]
    # A quick run never overwrites the committed full-run files.
    assert not (output_dir / "reproduce.json").exists()


def test_evaluate_features_matches_an_independent_fit(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = X[:1200], X[1200:], y[:1200], y[1200:]
    row = experiments.evaluate_features(
        PCA(n_components=10, random_state=0),
        LogisticRegression(max_iter=500),
        X_train,
        y_train,
        X_test,
        y_test,
    )
    pca = PCA(n_components=10, random_state=0).fit(X_train)
    reference = LogisticRegression(max_iter=500).fit(pca.transform(X_train), y_train)
    expected = np.mean(reference.predict(pca.transform(X_test)) == y_test)
    assert row["test_accuracy"] == pytest.approx(expected, abs=1e-12)
    assert row["n_features"] == 10
    assert row["classifier_n_iter"] == reference.n_iter_[0] < 500
    assert row["classifier_converged"] is True
    assert row["fit_time_s"] == pytest.approx(
        row["extractor_fit_time_s"] + row["classifier_fit_time_s"]
    )


def test_evaluate_features_flags_an_unconverged_classifier(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        row = experiments.evaluate_features(
            FunctionTransformer(), LogisticRegression(max_iter=3), X, y, X, y
        )
    assert row["classifier_n_iter"] == 3 and row["classifier_converged"] is False
    table = experiments.format_downstream_table(
        {
            "data": {"n_train": len(X), "n_test": len(X)},
            "logistic_regression": {"max_iter": 3},
            "results": [{"features": "raw pixels", **row}],
        }
    )
    assert f"| raw pixels | {row['test_accuracy']:.4f} |" in table
    assert "| 3 (not converged) |" in table


def _fake_reproduction(passed):
    """A stand-in for ``reproduce``'s result with the given acceptance verdict."""
    return SimpleNamespace(
        summary={"acceptance": {"criteria": "model 'kl': ...", "passed": passed}},
        json_path=Path("out/reproduce.json"),
    )


def test_cli_reproduce_passes_its_options(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)  # the default output directory is made here
    calls = []

    def fake_reproduce(*args, **kwargs):
        calls.append((args, _without_log(kwargs)))
        return _fake_reproduction(passed=True)

    monkeypatch.setattr(experiments, "reproduce", fake_reproduce)
    assert cli.main(["reproduce", "--quick", "--output-dir", str(tmp_path)]) == 0
    assert calls == [
        ((str(tmp_path),), {"quick": True, "random_state": 42, "n_threads": None})
    ]
    # It says where the files went.
    assert f"Wrote reproduce.json, reproduce.md to {tmp_path.resolve()}\n" in (
        capsys.readouterr().out
    )
    calls.clear()
    cli.main(["reproduce"])
    assert calls == [
        (
            ("sk-sparse-ae-results",),
            {"quick": False, "random_state": 42, "n_threads": None},
        )
    ]


@pytest.mark.parametrize("passed, verdict", [(False, "failed"), (None, "was not run")])
def test_cli_reproduce_fails_when_the_acceptance_check_does_not_pass(
    monkeypatch, tmp_path, passed, verdict
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        experiments, "reproduce", lambda *a, **k: _fake_reproduction(passed)
    )
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["reproduce"])
    # A string code: Python prints it to stderr and exits with status 1.
    assert excinfo.value.code == (
        f"sk-sparse-ae reproduce: the acceptance check {verdict} (model 'kl': ...); "
        "the numbers are in the table above and in out/reproduce.json"
    )
    # A --quick run is a smoke run, not held to the check.
    assert cli.main(["reproduce", "--quick"]) == 0


def test_cli_demo_fashion_mnist_calls_the_downstream_comparison(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(
        experiments,
        "compare_downstream",
        lambda *args, **kwargs: calls.append((args, _without_log(kwargs))),
    )
    monkeypatch.setattr(experiments, "configure_threads", calls.append)
    cli.main(["demo", "--data", "fashion-mnist", "--quick", "--threads", "2"])
    assert calls == [
        2,
        (
            ("sk-sparse-ae-results",),
            {"quick": True, "random_state": 42, "n_threads": 2},
        ),
    ]


def _without_log(kwargs):
    assert callable(kwargs.pop("log"))
    return kwargs


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "--quick"], "--quick only applies with --data fashion-mnist"),
        (["demo", "--output-dir", "x"], "--output-dir only applies with --data"),
        (
            ["demo", "--data", "fashion-mnist", "--epochs", "3"],
            "--epochs only applies with --data digits",
        ),
    ],
)
def test_cli_rejects_options_of_the_other_demo(argv, message, capsys):
    with pytest.raises(SystemExit) as excinfo:
        cli.main(argv)
    assert excinfo.value.code == 2
    assert f"sk-sparse-ae demo: error: {message}" in capsys.readouterr().err


@pytest.mark.parametrize("threads", ["0", "-1", "two"])
def test_cli_rejects_bad_thread_counts(threads, capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["reproduce", "--threads", threads])
    assert f"expected an integer in [1, 4096], got '{threads}'" in (
        capsys.readouterr().err
    )


def test_cli_demo_defaults_unchanged():
    args = cli.build_parser().parse_args(["demo"])
    assert cli._check_demo_options(args) is None
    assert args.data == "digits" and args.weights == cli.DEFAULT_WEIGHTS
    assert (args.epochs, args.cv, args.n_jobs) == (10, 3, 1)


def test_reproduce_without_matplotlib_fails_before_training(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install sk_sparse_ae\[plot\]"):
        experiments.reproduce(tmp_path / "out", quick=True, log=pytest.fail)
    assert not (tmp_path / "out").exists()
