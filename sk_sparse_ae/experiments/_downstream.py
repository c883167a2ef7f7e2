"""Codes as features: LogisticRegression on six kinds of Fashion-MNIST features."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._machine import (
    _blas_threads,
    _jsonable,
    _kwargs,
    _load,
    _prepare_output_dir,
    machine_info,
)
from ._settings import (
    BOOK_SETTINGS,
    DEFAULT_OUTPUT_DIR,
    FEATURES_SETTINGS,
    LOGREG_PARAMS,
    QUICK,
    REPRODUCE_MODELS,
    THRESHOLD,
)

__all__ = [
    "DownstreamResult",
    "compare_downstream",
    "evaluate_classifier",
    "evaluate_features",
    "format_downstream_table",
]


@dataclass
class DownstreamResult:
    """What :func:`compare_downstream` measured.

    Attributes
    ----------
    summary : dict
        Everything written to the JSON file.
    json_path, markdown_path : pathlib.Path
        The files written.
    """

    summary: dict
    json_path: Path
    markdown_path: Path


def compare_downstream(
    output_dir=DEFAULT_OUTPUT_DIR,
    *,
    quick=False,
    random_state=42,
    n_threads=None,
    data_home=None,
    log=print,
):
    """LogisticRegression on raw pixels, PCA, RBM, kernel and autoencoder features.

    On Fashion-MNIST's published train/test split, pixels scaled to [0, 1],
    fits each feature extractor on the training images, then the same
    ``LogisticRegression(**LOGREG_PARAMS)`` on its features, and measures
    test accuracy, fit times, the time to transform the test images and,
    for the autoencoders, L0 (units active per test image) and the units
    never active on the test images. The extractors: none (raw pixels),
    ``PCA(300)``, ``BernoulliRBM(300)``, ``Nystroem(kernel="rbf",
    n_components=2000)``, the book's KL autoencoder (``BOOK_SETTINGS``) and
    the TopK autoencoder of ``FEATURES_SETTINGS``; the last one's codes are
    also given to the classifier as a CSR matrix (``sparse_output=True``,
    the same codes), to time that. Writes ``downstream.json`` and
    ``downstream.md`` (``downstream_quick.*`` with ``quick``) to
    ``output_dir``.

    Parameters
    ----------
    output_dir : str or os.PathLike, default="sk-sparse-ae-results"
        Where the files go; created if missing.
    quick : bool, default=False
        The first 2,000 training and 500 test images, 1 epoch for the
        autoencoders: a smoke run.
    random_state : int, default=42
        Seed of every extractor and of the classifier.
    n_threads : int, optional
        BLAS threads (threadpoolctl) during the run; None leaves them alone.
    data_home : str or os.PathLike, optional
        Passed to :func:`~sk_sparse_ae.datasets.load_fashion_mnist`.
    log : callable, default=print
        Receives progress lines and the final table.

    Returns
    -------
    DownstreamResult

    Examples
    --------
    >>> from sk_sparse_ae.experiments import compare_downstream
    >>> result = compare_downstream("results", quick=True)  # doctest: +SKIP
    """
    from sklearn.linear_model import LogisticRegression

    output_dir = _prepare_output_dir(output_dir)
    stem = "downstream_quick" if quick else "downstream"
    (X_train, y_train), (X_test, y_test) = _load(data_home, quick)
    epochs = QUICK["epochs"] if quick else BOOK_SETTINGS["epochs"]

    def classifier():
        return LogisticRegression(**LOGREG_PARAMS, random_state=random_state)

    rows, extractors = [], _downstream_extractors(random_state, epochs)
    with _blas_threads(n_threads):
        for name, extractor, threshold in extractors:
            log(f"[{name}] fitting on {len(X_train)} images...")
            row = evaluate_features(
                extractor, classifier(), X_train, y_train, X_test, y_test, threshold
            )
            rows.append({"features": name, **row})
            log(f"[{name}] test accuracy {row['test_accuracy']:.4f}")
        # The same fitted TopK codes as CSR: only the classifier's input changes.
        name, topk, threshold = extractors[-1]
        rows.append(
            _sparse_output_row(
                topk.set_params(sparse_output=True),
                rows[-1],
                classifier(),
                (X_train, y_train, X_test, y_test),
                threshold,
            )
            | {"features": f"{name}, sparse_output=True"}
        )
        log(f"[{rows[-1]['features']}] test accuracy {rows[-1]['test_accuracy']:.4f}")

    summary = {
        "experiment": "downstream",
        "quick": quick,
        "data": {"n_train": len(X_train), "n_test": len(X_test)},
        "random_state": random_state,
        "autoencoder_settings": _jsonable({**BOOK_SETTINGS, "epochs": epochs}),
        "features_settings": _jsonable(FEATURES_SETTINGS),
        "logistic_regression": LOGREG_PARAMS,
        "extractors": {
            name: {"class": type(extractor).__name__, **extractor.get_params()}
            for name, extractor, _ in extractors
        },
        "results": rows,
        "machine": machine_info(n_threads),
    }
    json_path = output_dir / f"{stem}.json"
    json_path.write_text(json.dumps(summary, indent=2, default=repr) + "\n")
    table = format_downstream_table(summary)
    markdown_path = output_dir / f"{stem}.md"
    markdown_path.write_text(table + "\n")
    log(table)
    return DownstreamResult(summary, json_path, markdown_path)


def evaluate_features(
    extractor, classifier, X_train, y_train, X_test, y_test, threshold=None
):
    """Fit ``extractor`` then ``classifier`` on its features; time and score.

    Parameters
    ----------
    extractor : transformer
        Unfitted feature extractor.
    classifier : classifier
        Unfitted classifier with ``n_iter_`` and ``max_iter``.
    X_train, y_train, X_test, y_test : array-like
        Training and test data.
    threshold : float, optional
        For autoencoder codes: a feature is active on a sample when it is
        ``> threshold``; gives ``l0_mean`` and ``n_dead_units`` on the test
        features (``None`` for other features).

    Returns
    -------
    dict
        ``n_features``, ``test_accuracy``, ``extractor_fit_time_s``,
        ``classifier_fit_time_s``, ``fit_time_s`` (their sum),
        ``transform_time_s`` (extractor on ``X_test``), ``classifier_n_iter``,
        ``classifier_converged`` (fewer iterations than ``max_iter``),
        ``l0_mean``, ``n_dead_units`` and ``dead_fraction_training`` (the
        extractor's ``dead_fraction_``, or ``None``).
    """
    start = time.perf_counter()
    features_train = extractor.fit_transform(X_train)
    extractor_fit = time.perf_counter() - start
    start = time.perf_counter()
    features_test = extractor.transform(X_test)
    transform_time = time.perf_counter() - start
    row = evaluate_classifier(
        classifier, features_train, y_train, features_test, y_test, threshold
    )
    return {
        **row,
        "extractor_fit_time_s": extractor_fit,
        "fit_time_s": extractor_fit + row["classifier_fit_time_s"],
        "transform_time_s": transform_time,
        "dead_fraction_training": getattr(extractor, "dead_fraction_", None),
    }


def evaluate_classifier(
    classifier, features_train, y_train, features_test, y_test, threshold=None
):
    """Fit ``classifier`` on given features; time and score it.

    Parameters
    ----------
    classifier : classifier
        Unfitted classifier with ``n_iter_`` and ``max_iter``.
    features_train, y_train, features_test, y_test : array-like or sparse
        Features and labels.
    threshold : float, optional
        As in :func:`evaluate_features`.

    Returns
    -------
    dict
        ``n_features``, ``test_accuracy``, ``classifier_fit_time_s``,
        ``classifier_n_iter``, ``classifier_converged``, ``l0_mean`` and
        ``n_dead_units``.
    """
    start = time.perf_counter()
    classifier.fit(features_train, y_train)
    classifier_fit = time.perf_counter() - start
    n_iter = int(np.max(classifier.n_iter_))
    l0_mean, n_dead = None, None
    if threshold is not None:
        from ..inspection import activation_stats

        stats = activation_stats(features_test, threshold=threshold)
        l0_mean, n_dead = stats.l0_mean, stats.n_dead_units
    return {
        "n_features": int(features_train.shape[1]),
        "test_accuracy": float(np.mean(classifier.predict(features_test) == y_test)),
        "classifier_fit_time_s": classifier_fit,
        "classifier_n_iter": n_iter,
        "classifier_converged": n_iter < classifier.max_iter,
        "l0_mean": l0_mean,
        "n_dead_units": n_dead,
    }


def _sparse_output_row(extractor, fitted_row, classifier, data, threshold):
    """``evaluate_features``'s row for an already fitted extractor."""
    X_train, y_train, X_test, y_test = data
    start = time.perf_counter()
    features_test = extractor.transform(X_test)
    transform_time = time.perf_counter() - start
    row = evaluate_classifier(
        classifier,
        extractor.transform(X_train),
        y_train,
        features_test,
        y_test,
        threshold,
    )
    return {
        **fitted_row,
        **row,
        "fit_time_s": fitted_row["extractor_fit_time_s"] + row["classifier_fit_time_s"],
        "transform_time_s": transform_time,
    }


def _downstream_extractors(random_state, epochs):
    """``(name, unfitted extractor, activity threshold or None)`` triples."""
    from sklearn.decomposition import PCA
    from sklearn.kernel_approximation import Nystroem
    from sklearn.neural_network import BernoulliRBM
    from sklearn.preprocessing import FunctionTransformer

    from ..autoencoder import SparseAutoencoderTransformer

    book = {**BOOK_SETTINGS, "epochs": epochs, "random_state": random_state}
    features = {**FEATURES_SETTINGS, "random_state": random_state}
    if epochs != BOOK_SETTINGS["epochs"]:
        features["epochs"] = epochs
    return (
        ("raw pixels", FunctionTransformer(), None),
        ("PCA(300)", PCA(n_components=300, random_state=random_state), None),
        (
            "BernoulliRBM(300)",
            BernoulliRBM(n_components=300, random_state=random_state),
            None,
        ),
        (
            "Nystroem(rbf, 2000)",
            Nystroem(kernel="rbf", n_components=2000, random_state=random_state),
            None,
        ),
        (
            "SAE KL (300, book)",
            SparseAutoencoderTransformer(**book, **dict(REPRODUCE_MODELS)["kl"]),
            THRESHOLD,
        ),
        ("SAE TopK (2000)", SparseAutoencoderTransformer(**features), 0.0),
    )


def format_downstream_table(summary):
    """The downstream comparison as a Markdown table.

    Parameters
    ----------
    summary : dict
        ``DownstreamResult.summary``.

    Returns
    -------
    str
    """
    lines = [
        f"Fashion-MNIST: {summary['data']['n_train']} training / "
        f"{summary['data']['n_test']} test images; "
        f"LogisticRegression({_kwargs(summary['logistic_regression'])}) "
        "on each kind of features. Every extractor's parameters are in the JSON "
        "file's `extractors`; times are from one run on a machine other jobs may "
        "have shared. L0: units active per test image; dead: units never "
        "active on the test images (for the autoencoders).",
        "",
        "| features | test accuracy | extractor fit (s) | classifier fit (s) "
        "| transform test (s) | LR iterations | L0 | dead units |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in summary["results"]:
        converged = "" if row["classifier_converged"] else " (not converged)"
        l0 = "" if row.get("l0_mean") is None else f"{row['l0_mean']:.1f}"
        dead = "" if row.get("n_dead_units") is None else f"{row['n_dead_units']}"
        transform = row.get("transform_time_s")
        lines.append(
            f"| {row['features']} | {row['test_accuracy']:.4f} "
            f"| {row['extractor_fit_time_s']:.1f} "
            f"| {row['classifier_fit_time_s']:.1f} "
            f"| {'' if transform is None else f'{transform:.2f}'} "
            f"| {row['classifier_n_iter']}{converged} | {l0} | {dead} |"
        )
    return "\n".join(lines)
