"""Command line: ``sk-sparse-ae demo`` and ``sk-sparse-ae reproduce``."""

import argparse
import functools
import sys
import time

import numpy as np

DEFAULT_WEIGHTS = (0.0, 1e-4, 1e-3, 1e-2, 1e-1)
DEFAULT_OUTPUT_DIR = "benchmarks/results"


def _fraction_below(threshold):
    """A scorer: fraction of the pipeline's coding activations below threshold."""

    def scorer(pipeline, X, y=None):
        return float(np.mean(pipeline[:-1].transform(X) < threshold))

    return scorer


def _mean_l0(threshold):
    """A scorer: mean number of coding units above threshold per sample."""

    def scorer(pipeline, X, y=None):
        return float(np.mean(np.sum(pipeline[:-1].transform(X) > threshold, axis=1)))

    return scorer


def run_demo(args):
    """The digits grid search, or the Fashion-MNIST downstream comparison."""
    if args.data == "fashion-mnist":
        return _run_fashion_demo(args)
    given = [
        option
        for option, value in (
            ("--quick", args.quick),
            ("--output-dir", args.output_dir),
            ("--threads", args.threads),
        )
        if value not in (None, False)
    ]
    if given:
        raise SystemExit(
            f"sk-sparse-ae demo: {', '.join(given)} only applies with "
            "--data fashion-mnist."
        )
    if args.random_state is None:
        args.random_state = 0
    return _run_digits_demo(args)


def _run_fashion_demo(args):
    digits_only = [
        option
        for option, value, default in (
            ("--weights", args.weights, DEFAULT_WEIGHTS),
            ("--epochs", args.epochs, 10),
            ("--cv", args.cv, 3),
            ("--n-jobs", args.n_jobs, 1),
        )
        if value != default
    ]
    if digits_only:
        raise SystemExit(
            f"sk-sparse-ae demo: {', '.join(digits_only)} only applies with "
            "--data digits; the Fashion-MNIST comparison uses the book's settings."
        )
    random_state = 42 if args.random_state is None else args.random_state
    _run_experiment("compare_downstream", args, random_state)
    return 0


def _run_digits_demo(args):
    """Grid-search the KL sparsity weight of MinMaxScaler -> SAE -> LogReg."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from .estimator import SparseAutoencoderTransformer

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    pipe = make_pipeline(
        MinMaxScaler(),
        SparseAutoencoderTransformer(
            sparsity="kl", epochs=args.epochs, random_state=args.random_state
        ),
        LogisticRegression(max_iter=2000),
    )
    grid = {"sparseautoencodertransformer__sparsity_weight": list(args.weights)}
    n_fits = len(args.weights) * args.cv
    print(
        f"Grid search on load_digits ({len(X_train)} train / {len(X_test)} test "
        f"samples): {len(args.weights)} sparsity weights x {args.cv} folds = "
        f"{n_fits} fits, {args.epochs} epochs each.",
        flush=True,
    )
    search = GridSearchCV(
        pipe,
        grid,
        cv=args.cv,
        scoring={
            "accuracy": "accuracy",
            "below": _fraction_below(0.1),
            "l0": _mean_l0(0.1),
        },
        refit="accuracy",
        n_jobs=args.n_jobs,
        verbose=2,  # one progress line per fit
    )
    start = time.perf_counter()
    search.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    print(format_table(search.cv_results_))
    best = search.best_params_["sparseautoencodertransformer__sparsity_weight"]
    print(
        f"\nBest sparsity_weight={best:g}: test accuracy "
        f"{search.score(X_test, y_test):.4f} (refit on all training data). "
        f"Total {elapsed:.1f} s."
    )
    return 0


def format_table(results):
    """The grid-search results as a fixed-width text table."""
    header = (
        f"{'sparsity_weight':>15}  {'accuracy (CV)':>15}  {'act < 0.1':>9}  "
        f"{'mean L0':>7}  {'fit time (s)':>12}"
    )
    rows = [header, "-" * len(header)]
    for i, params in enumerate(results["params"]):
        weight = params["sparseautoencodertransformer__sparsity_weight"]
        rows.append(
            f"{weight:>15g}  "
            f"{results['mean_test_accuracy'][i]:>8.4f} ± "
            f"{results['std_test_accuracy'][i]:.3f}  "
            f"{results['mean_test_below'][i]:>9.3f}  "
            f"{results['mean_test_l0'][i]:>7.1f}  "
            f"{results['mean_fit_time'][i]:>12.2f}"
        )
    return "\n".join(rows)


def _weights(text):
    try:
        weights = tuple(float(w) for w in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated floats, got {text!r}"
        ) from None
    if any(not w >= 0 for w in weights):
        raise argparse.ArgumentTypeError(f"weights must be >= 0, got {text!r}")
    return weights


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sk-sparse-ae", description="Sparse autoencoder features for scikit-learn."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="grid-search the sparsity weight of MinMaxScaler -> sparse "
        "autoencoder -> LogisticRegression on the bundled digits; with --data "
        "fashion-mnist, compare LogisticRegression on raw pixels, PCA, RBM and "
        "sparse-autoencoder features",
    )
    demo.add_argument(
        "--data",
        choices=("digits", "fashion-mnist"),
        default="digits",
        help="default: %(default)s",
    )
    demo.add_argument(
        "--weights",
        type=_weights,
        default=DEFAULT_WEIGHTS,
        help="comma-separated sparsity weights (default: %(default)s)",
    )
    demo.add_argument("--epochs", type=int, default=10, help="default: %(default)s")
    demo.add_argument("--cv", type=int, default=3, help="folds (default: %(default)s)")
    demo.add_argument("--n-jobs", type=int, default=1, help="default: %(default)s")
    demo.add_argument(
        "--random-state",
        type=int,
        default=None,
        help="default: 0 on digits, 42 on fashion-mnist",
    )
    _add_experiment_arguments(demo, fashion_only=True)
    demo.set_defaults(handler=run_demo)
    reproduce = commands.add_parser(
        "reproduce",
        help="train the book's KL and L1 sparse autoencoders on Fashion-MNIST and "
        "compare their sparsity with the book's Figure 17-11; a full run exits "
        "with status 1 if the acceptance check fails",
    )
    reproduce.add_argument("--random-state", type=int, default=42, help="default: 42")
    _add_experiment_arguments(reproduce, fashion_only=False)
    reproduce.set_defaults(handler=run_reproduce)
    return parser


def _add_experiment_arguments(parser, *, fashion_only):
    only = " (--data fashion-mnist only)" if fashion_only else ""
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 2,000 training / 500 test images, 1 epoch" + only,
    )
    parser.add_argument(
        "--output-dir",
        default=None,
        help=f"where results go (default: {DEFAULT_OUTPUT_DIR}){only}",
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        help="TensorFlow and BLAS threads (default: their own defaults)" + only,
    )


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _run_experiment(function, args, random_state):
    from . import experiments

    if args.threads is not None:
        experiments.configure_threads(args.threads)
    return getattr(experiments, function)(
        args.output_dir or DEFAULT_OUTPUT_DIR,
        quick=args.quick,
        random_state=random_state,
        n_threads=args.threads,
        log=functools.partial(print, flush=True),
    )


def run_reproduce(args):
    """Reproduce the book's Figure 17-11 on Fashion-MNIST.

    A full run fails (exit status 1) when the acceptance check does not pass;
    a ``--quick`` run trains too little to be held to it.
    """
    result = _run_experiment("reproduce", args, args.random_state)
    acceptance = result.summary["acceptance"]
    if not args.quick and acceptance["passed"] is not True:
        verdict = "failed" if acceptance["passed"] is False else "was not run"
        raise SystemExit(
            f"sk-sparse-ae reproduce: the acceptance check {verdict} "
            f"({acceptance['criteria']}); the numbers are in the table above "
            f"and in {result.json_path}"
        )
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
