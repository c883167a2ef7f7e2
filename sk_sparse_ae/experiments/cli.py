"""Command line: ``sk-sparse-ae demo`` and ``sk-sparse-ae reproduce``.

Parsing and checking the options imports nothing heavy, so ``--help`` and
option errors are instant; TensorFlow is imported when a command runs
(``_quiet_startup``).
"""

import argparse
import contextlib
import functools
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from ._settings import DEFAULT_OUTPUT_DIR

DEFAULT_WEIGHTS = (0.0, 2e-4, 2e-3, 2e-2, 2e-1)
# The digits demo's options and defaults (None on the command line: not given).
DIGITS_DEFAULTS = {"weights": DEFAULT_WEIGHTS, "epochs": 10, "cv": 3, "n_jobs": 1}


def _fraction_below(threshold):
    """A scorer: fraction of the pipeline's coding activations below threshold."""

    def scorer(pipeline, X, y=None):
        import numpy as np

        return float(np.mean(pipeline[:-1].transform(X) < threshold))

    return scorer


def _mean_l0(threshold):
    """A scorer: mean number of coding units above threshold per sample."""

    def scorer(pipeline, X, y=None):
        import numpy as np

        return float(np.mean(np.sum(pipeline[:-1].transform(X) > threshold, axis=1)))

    return scorer


def run_demo(args):
    """The digits grid search, or the Fashion-MNIST downstream comparison."""
    if args.data == "fashion-mnist":
        random_state = 42 if args.random_state is None else args.random_state
        _run_experiment("compare_downstream", args, random_state)
        return 0
    if args.random_state is None:
        args.random_state = 0
    return _run_digits_demo(args)


def _run_digits_demo(args):
    """Raw pixels, KL sparsity weights and the TopK features model, compared by
    a grid search over MinMaxScaler -> (autoencoder) -> LogisticRegression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    X_train, X_test, y_train, y_test = _digits_split()
    from ..autoencoder import SparseAutoencoderTransformer
    from ._settings import FEATURES_SETTINGS

    pipe = make_pipeline(
        MinMaxScaler(),
        SparseAutoencoderTransformer(
            sparsity="kl", epochs=args.epochs, random_state=args.random_state
        ),
        LogisticRegression(max_iter=2000),
    )
    grid = [
        {_STEP: ["passthrough"]},
        {f"{_STEP}__sparsity_weight": list(args.weights)},
        # The features model: FEATURES_SETTINGS on the pipeline's autoencoder.
        {f"{_STEP}__{name}": [value] for name, value in FEATURES_SETTINGS.items()},
    ]
    n_candidates = len(args.weights) + 2
    print(
        f"Grid search on load_digits ({len(X_train)} train / {len(X_test)} test "
        f"samples): raw pixels, {len(args.weights)} KL sparsity weights and the "
        f"TopK features model (2,000 units) x {args.cv} folds = "
        f"{n_candidates * args.cv} fits, {args.epochs} epochs each.",
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
    with _quiet_workers(args):
        search.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    print(format_table(search.cv_results_))
    print(
        f"\nBest: {_candidate_name(search.best_params_)}: test accuracy "
        f"{search.score(X_test, y_test):.4f} (refit on all training data). "
        f"Total {elapsed:.1f} s."
    )
    return 0


# The autoencoder step of the demo's pipeline.
_STEP = "sparseautoencodertransformer"


def _candidate_name(params):
    """How the demo's table names a grid-search candidate."""
    if f"{_STEP}__sparsity_weight" in params:
        return f"KL, weight {params[f'{_STEP}__sparsity_weight']:g}"
    if params.get(_STEP) == "passthrough":
        return "raw pixels"
    return f"TopK, {params[f'{_STEP}__n_components']} units"


def _digits_split():
    """The digits demo's train/test split: ``X_train, X_test, y_train, y_test``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def _quiet_workers(args):
    """Worker processes of the grid search import TensorFlow quietly too."""
    if args.n_jobs == 1 or not args.quiet_tensorflow:
        return contextlib.nullcontext()
    import joblib

    from .._tf.quiet_import import import_tensorflow_quietly

    return joblib.parallel_config(backend="loky", initializer=import_tensorflow_quietly)


def format_table(results):
    """The grid-search results as a fixed-width text table.

    "features < 0.1" and "features > 0.1" describe what the classifier sees:
    the scaled pixels for raw pixels, the codes otherwise.
    """
    header = (
        f"{'features':>26}  {'accuracy (CV)':>15}  {'features < 0.1':>14}  "
        f"{'features > 0.1':>14}  {'fit time (s)':>12}"
    )
    rows = [header, "-" * len(header)]
    for i, params in enumerate(results["params"]):
        rows.append(
            f"{_candidate_name(params):>26}  "
            f"{results['mean_test_accuracy'][i]:>8.4f} ± "
            f"{results['std_test_accuracy'][i]:.3f}  "
            f"{results['mean_test_below'][i]:>14.3f}  "
            f"{results['mean_test_l0'][i]:>14.1f}  "
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
    if any(not 0 <= w < math.inf for w in weights):
        raise argparse.ArgumentTypeError(
            f"weights must be finite and >= 0, got {text!r}"
        )
    return weights


def _int_at_least(low, high=None):
    """An argparse type: an int in ``[low, high]``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bound = f">= {low}" if high is None else f"in [{low}, {high}]"
            raise argparse.ArgumentTypeError(
                f"expected an integer {bound}, got {text!r}"
            )
        return value

    return parse


_positive_int = _int_at_least(1)
# TensorFlow takes thread counts as 32-bit ints; far more than any machine has.
_thread_count = _int_at_least(1, 4096)
# scikit-learn's check_random_state takes seeds in [0, 2**32 - 1].
_seed = _int_at_least(0, 2**32 - 1)


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"expected a non-zero integer (-1: all CPUs), got {text!r}"
        )
    return value


def _output_dir(text):
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} exists and is not a directory")
    return text


def _check_output_dir(args):
    """Create the output directory and check that it takes files, before any
    model is fitted; an error message, or None."""
    writes = args.handler is run_reproduce or getattr(args, "data", None) == (
        "fashion-mnist"
    )
    if not writes or getattr(args, "quick", None) is None:
        return None
    output_dir = args.output_dir or DEFAULT_OUTPUT_DIR
    try:
        os.makedirs(output_dir, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_dir):
            pass
    except OSError as error:
        return (
            f"argument --output-dir: cannot write result files to {output_dir!r} "
            f"({error.strerror or error})"
        )
    return None


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sk-sparse-ae", description="Sparse autoencoder features for scikit-learn."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="grid-search MinMaxScaler -> sparse autoencoder -> "
        "LogisticRegression on the bundled digits: raw pixels, KL sparsity "
        "weights and the TopK features model; with --data fashion-mnist, "
        "compare LogisticRegression on raw pixels, PCA, RBM, kernel and "
        "sparse-autoencoder features",
    )
    demo.add_argument(
        "--data",
        choices=("digits", "fashion-mnist"),
        default="digits",
        help="default: %(default)s",
    )
    # Digits-only options default to None, so that giving one with
    # --data fashion-mnist is caught (_check_demo_options).
    demo.add_argument(
        "--weights",
        type=_weights,
        help="comma-separated sparsity weights, finite and >= 0 (default: "
        + ",".join(f"{w:g}" for w in DEFAULT_WEIGHTS)
        + ")",
    )
    demo.add_argument(
        "--epochs", type=_positive_int, help=f"default: {DIGITS_DEFAULTS['epochs']}"
    )
    demo.add_argument(
        "--cv",
        type=_int_at_least(2),
        help=f"folds, >= 2 (default: {DIGITS_DEFAULTS['cv']})",
    )
    demo.add_argument(
        "--n-jobs",
        type=_n_jobs,
        help=f"parallel fits, -1 for all CPUs (default: {DIGITS_DEFAULTS['n_jobs']})",
    )
    demo.add_argument(
        "--random-state",
        type=_seed,
        default=None,
        help="default: 0 on digits, 42 on fashion-mnist",
    )
    _add_experiment_arguments(demo, fashion_only=True)
    demo.set_defaults(handler=run_demo, check=_check_demo_options, subparser=demo)
    reproduce = commands.add_parser(
        "reproduce",
        help="train the book's KL and L1 sparse autoencoders on Fashion-MNIST and "
        "compare their sparsity with the book's Figure 17-11; a full run exits "
        "with status 1 if the acceptance check fails",
    )
    reproduce.add_argument(
        "--random-state", type=_seed, default=42, help="default: %(default)s"
    )
    _add_experiment_arguments(reproduce, fashion_only=False)
    reproduce.set_defaults(handler=run_reproduce, check=None, subparser=reproduce)
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
        type=_output_dir,
        default=None,
        help="where result files go, created if missing (default: "
        f"./{DEFAULT_OUTPUT_DIR}){only}",
    )
    parser.add_argument(
        "--threads",
        type=_thread_count,
        default=None,
        help="TensorFlow and BLAS threads (default: their own defaults)" + only,
    )


def _check_demo_options(args):
    """Reject the options of the other demo; fill in the digits defaults.

    Returns an error message, or None.
    """
    if args.data == "fashion-mnist":
        given = [
            f"--{name.replace('_', '-')}"
            for name in DIGITS_DEFAULTS
            if getattr(args, name) is not None
        ]
        if given:
            return (
                f"{', '.join(given)} only applies with --data digits; the "
                "Fashion-MNIST comparison uses the book's settings"
            )
        return None
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
        return f"{', '.join(given)} only applies with --data fashion-mnist"
    for name, default in DIGITS_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    import numpy as np

    _, _, y_train, _ = _digits_split()
    smallest_class = int(np.bincount(y_train).min())
    if args.cv > smallest_class:
        return (
            f"argument --cv: at most {smallest_class} folds (the smallest class "
            f"of the {len(y_train)} training digits), got {args.cv}"
        )
    return None


def _run_experiment(function, args, random_state):
    from .. import experiments

    if args.threads is not None:
        experiments.configure_threads(args.threads)
    output_dir = args.output_dir or DEFAULT_OUTPUT_DIR
    result = getattr(experiments, function)(
        output_dir,
        quick=args.quick,
        random_state=random_state,
        n_threads=args.threads,
        log=functools.partial(print, flush=True),
    )
    if result is not None:
        files = [result.json_path, result.json_path.with_suffix(".md")]
        files += list(getattr(result, "figure_paths", {}).values())
        print(
            f"\nWrote {', '.join(Path(f).name for f in files)} to "
            f"{Path(output_dir).resolve()}",
            flush=True,
        )
    return result


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
    parser = build_parser()
    args = parser.parse_args(argv)
    for check in (args.check, _check_output_dir):
        message = None if check is None else check(args)
        if message is not None:
            args.subparser.error(message)
    from .._tf.quiet_import import import_tensorflow_quietly, quiet_tensorflow_wanted

    # Unless the user set TensorFlow's log level, print only our own output.
    args.quiet_tensorflow = quiet_tensorflow_wanted()
    if args.quiet_tensorflow:
        import_tensorflow_quietly()
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
