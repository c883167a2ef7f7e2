"""The book's Figure 17-11 on Fashion-MNIST: how sparse its models' codings are."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._machine import (
    _blas_threads,
    _jsonable,
    _load,
    _prepare_output_dir,
    _require_matplotlib,
    machine_info,
)
from ._settings import (
    _SPARSITY_PARAMS,
    ACCEPTANCE,
    BAND,
    BOOK_FIGURES,
    BOOK_SETTINGS,
    DEFAULT_OUTPUT_DIR,
    QUICK,
    REPRODUCE_MODELS,
    THRESHOLD,
)

__all__ = [
    "ReproductionResult",
    "format_reproduce_table",
    "passes_acceptance",
    "reproduce",
]


@dataclass
class ReproductionResult:
    """What :func:`reproduce` measured.

    Attributes
    ----------
    summary : dict
        Everything written to the JSON file.
    codings : dict of str to ndarray of shape (n_test, n_components)
        Each model's codings of the test images.
    estimators : dict of str to SparseAutoencoderTransformer
        The fitted models.
    json_path : pathlib.Path
        The JSON file written.
    figure_paths : dict of str to pathlib.Path
        Each model's Figure 17-11 PNG.
    """

    summary: dict
    codings: dict = field(repr=False)
    estimators: dict = field(repr=False)
    json_path: Path
    figure_paths: dict


def reproduce(
    output_dir=DEFAULT_OUTPUT_DIR,
    *,
    quick=False,
    random_state=42,
    n_threads=None,
    data_home=None,
    log=print,
):
    """Train the book's sparse autoencoders on Fashion-MNIST; measure sparsity.

    Each model of ``REPRODUCE_MODELS`` is trained with ``BOOK_SETTINGS`` on
    the 60,000 training images; its codings of the 10,000 test images give
    the fraction of activations below 0.1, the fraction of units whose mean
    lies in [0.1, 0.2], L0, dead units and the reconstruction loss. Writes
    ``reproduce.json``, ``reproduce.md`` and ``reproduce_<model>.png``
    (``reproduce_quick*`` with ``quick``) to ``output_dir``.

    Parameters
    ----------
    output_dir : str or os.PathLike, default="sk-sparse-ae-results"
        Where the files go; created if missing.
    quick : bool, default=False
        Train on the first 2,000 training images for 1 epoch, evaluate on
        the first 500 test images: a smoke run, not a reproduction.
    random_state : int, default=42
        Seed of every model.
    n_threads : int, optional
        BLAS threads (threadpoolctl) during the run; None leaves them alone.
    data_home : str or os.PathLike, optional
        Passed to :func:`~sk_sparse_ae.datasets.load_fashion_mnist`.
    log : callable, default=print
        Receives progress lines and the final table.

    Returns
    -------
    ReproductionResult

    Examples
    --------
    >>> from sk_sparse_ae.experiments import reproduce
    >>> result = reproduce("results", quick=True)  # doctest: +SKIP
    >>> result.summary["acceptance"]["passed"]  # doctest: +SKIP
    """
    from ..autoencoder import SparseAutoencoderTransformer
    from ..inspection import plot_activation_histograms, sparsity_report

    _require_matplotlib()  # before training, not after the first model
    output_dir = _prepare_output_dir(output_dir)
    stem = "reproduce_quick" if quick else "reproduce"
    (X_train, _), (X_test, _) = _load(data_home, quick)
    epochs = QUICK["epochs"] if quick else BOOK_SETTINGS["epochs"]
    settings = {**BOOK_SETTINGS, "epochs": epochs, "random_state": random_state}

    rows, codings, estimators, figure_paths = [], {}, {}, {}
    with _blas_threads(n_threads):
        for name, params in REPRODUCE_MODELS:
            log(f"[{name}] fitting on {len(X_train)} images, {epochs} epoch(s)...")
            estimator = SparseAutoencoderTransformer(**settings, **params)
            start = time.perf_counter()
            estimator.fit(X_train)
            fit_time = time.perf_counter() - start
            report = sparsity_report(estimator, X_test, threshold=THRESHOLD, band=BAND)
            codings[name] = estimator.transform(X_test)
            estimators[name] = estimator
            figure_paths[name] = output_dir / f"{stem}_{name}.png"
            figure = plot_activation_histograms(
                codings[name],
                threshold=THRESHOLD,
                title=_figure_title(name, estimator, epochs, len(X_train)),
            )
            _annotate(figure, report)
            figure.savefig(figure_paths[name], dpi=100)
            rows.append(
                _reproduce_row(name, estimator, report, X_test, fit_time)
                | {"figure": figure_paths[name].name}
            )
            log(f"[{name}] done in {fit_time:.1f} s")

    summary = {
        "experiment": "reproduce",
        "quick": quick,
        "data": {"n_train": len(X_train), "n_test": len(X_test)},
        "training_settings": _jsonable(settings),
        "random_state": random_state,
        "epochs": epochs,
        "threshold": THRESHOLD,
        "band": list(BAND),
        "book": BOOK_FIGURES,
        "models": rows,
        "acceptance": _acceptance(rows),
        "machine": machine_info(n_threads),
    }
    json_path = output_dir / f"{stem}.json"
    json_path.write_text(json.dumps(summary, indent=2) + "\n")
    table = format_reproduce_table(summary)
    (output_dir / f"{stem}.md").write_text(table + "\n")
    log(table)
    return ReproductionResult(summary, codings, estimators, json_path, figure_paths)


def _reproduce_row(name, estimator, report, X_test, fit_time):
    l0 = np.asarray(report.l0)
    return {
        "name": name,
        "params": {key: estimator.get_params()[key] for key in _SPARSITY_PARAMS},
        "fraction_below_threshold": report.fraction_below_threshold,
        "fraction_units_in_band": report.fraction_units_in_band,
        "l0_mean": report.l0_mean,
        "l0_std": float(l0.std()),
        "l0_percentiles": {
            str(q): float(v)
            for q, v in zip(
                (0, 5, 25, 50, 75, 95, 100),
                np.percentile(l0, (0, 5, 25, 50, 75, 95, 100)),
                strict=True,
            )
        },
        "n_dead_units": report.n_dead_units,
        "mean_activation": float(np.mean(report.mean_activation)),
        "test_reconstruction_loss": -estimator.score(X_test),
        "test_reconstruction_mse": report.reconstruction_mse,
        "test_explained_variance": report.explained_variance,
        "final_training_loss": estimator.history_["loss"][-1],
        "n_iter": estimator.n_iter_,
        "fit_time_s": fit_time,
    }


def _acceptance(rows):
    row = next((r for r in rows if r["name"] == ACCEPTANCE["model"]), None)
    low, high = ACCEPTANCE["fraction_below_threshold"]
    criteria = (
        f"model {ACCEPTANCE['model']!r}: fraction of activations < {THRESHOLD} "
        f"in [{low}, {high}] and fraction of units with mean in {list(BAND)} "
        f">= {ACCEPTANCE['min_fraction_units_in_band']}"
    )
    if row is None:
        return {"criteria": criteria, "passed": None}
    passed = passes_acceptance(
        row["fraction_below_threshold"], row["fraction_units_in_band"]
    )
    return {"criteria": criteria, "passed": passed}


def passes_acceptance(fraction_below_threshold, fraction_units_in_band):
    """Whether a model's sparsity figures meet ``ACCEPTANCE``'s bounds.

    Parameters
    ----------
    fraction_below_threshold : float
        Fraction of the test codings below ``THRESHOLD``.
    fraction_units_in_band : float
        Fraction of units whose mean test coding lies in ``BAND``.

    Returns
    -------
    bool

    Examples
    --------
    >>> from sk_sparse_ae.experiments import passes_acceptance
    >>> passes_acceptance(0.70, 0.90), passes_acceptance(0.80, 0.90)
    (True, False)
    """
    low, high = ACCEPTANCE["fraction_below_threshold"]
    return bool(
        low <= fraction_below_threshold <= high
        and fraction_units_in_band >= ACCEPTANCE["min_fraction_units_in_band"]
    )


def format_reproduce_table(summary):
    """The reproduction's numbers as a Markdown table, the book's beside ours.

    Parameters
    ----------
    summary : dict
        ``ReproductionResult.summary``.

    Returns
    -------
    str
    """
    book = summary["book"]
    lines = [
        f"Fashion-MNIST: {summary['data']['n_train']} training images, "
        f"{summary['epochs']} epoch(s), random_state={summary['random_state']}; "
        f"codings of {summary['data']['n_test']} test images.",
        "",
        "| model | activations < 0.1 | units with mean in [0.1, 0.2] "
        "| mean L0 | dead units | test reconstruction loss "
        "| fit time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in summary["models"]:
        lines.append(
            f"| {row['name']} "
            f"| {row['fraction_below_threshold']:.1%} "
            f"(book {book['fraction_below_threshold']:.0%}) "
            f"| {row['fraction_units_in_band']:.1%} "
            f"(book {book['fraction_units_in_band']:.0%}) "
            f"| {row['l0_mean']:.1f} | {row['n_dead_units']} "
            f"| {row['test_reconstruction_loss']:.4f} | {row['fit_time_s']:.1f} |"
        )
    acceptance = summary["acceptance"]
    verdict = {True: "PASSED", False: "FAILED", None: "not run"}[acceptance["passed"]]
    lines += ["", f"Acceptance ({acceptance['criteria']}): {verdict}."]
    return "\n".join(lines)


def _annotate(figure, report):
    """Write ours and the book's figures on the panels; shade the band."""
    activations_ax, units_ax = figure.axes
    low, high = BAND
    units_ax.axvspan(low, high, color="tab:green", alpha=0.15)
    notes = (
        (
            activations_ax,
            f"< {THRESHOLD:g}: {report.fraction_below_threshold:.1%}\n"
            f"(book ~{BOOK_FIGURES['fraction_below_threshold']:.0%})",
        ),
        (
            units_ax,
            f"mean in [{low:g}, {high:g}]: {report.fraction_units_in_band:.1%}\n"
            f"(book ~{BOOK_FIGURES['fraction_units_in_band']:.0%})",
        ),
    )
    for ax, text in notes:
        ax.text(0.97, 0.93, text, transform=ax.transAxes, ha="right", va="top")


def _figure_title(name, estimator, epochs, n_train):
    if estimator.sparsity == "topk":
        sparsity = f"topk, k={estimator.k}"
    else:
        sparsity = f"{estimator.sparsity}, weight {estimator.sparsity_weight_:.3g}"
    return (
        f"'{name}' ({sparsity}): Fashion-MNIST test codings after "
        f"{epochs} epoch(s) on {n_train} images"
    )
