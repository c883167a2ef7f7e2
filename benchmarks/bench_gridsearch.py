"""Grid search: wall time, time inside epochs, and the per-fit overhead.

``GridSearchCV`` over 10 KL sparsity weights x 3 folds on scikit-learn's
digits (scaled to [0, 1]), scored by the estimator's ``score``, with
``n_jobs=1`` and ``n_jobs=2``. Variants, interleaved:

- ``current``: ``SparseAutoencoderTransformer`` as it is: one Keras ``fit``
  call per fit, on a pooled model already traced by an earlier fit of the
  same architecture in the same process (``sk_sparse_ae/training/_pool.py``);
- ``per-step fit``: the pooled model trained by Keras's ``fit`` one step per
  batch (the estimator before its whole-epoch loop, ``training.fit_shuffled``);
- ``new model each fit``: the estimator without the pool (every fit builds and
  traces a new model);
- ``per-epoch fit calls``: also without the pool, and training with one Keras
  ``fit`` call per epoch, as the estimator did before
  ``training.shuffled_epochs`` (reproduced by a subclass below).

The last three override private methods that the restructure into subpackages
removed; they run only from the code before it (``git checkout a7569ce``),
where ``benchmarks/results/bench_gridsearch.md`` was measured. Today the
script runs ``current`` alone.

All give identical codings.

Each fit times its own epochs (Keras's epoch begin/end callbacks) inside the
worker that runs it and reports them through a scorer, so the split holds for
``n_jobs=2`` too. "training s/fit" is ``epochs`` times the median epoch after
the first (the first epoch of a new model also traces the train step);
"overhead s/fit" is the rest of the mean fit time: validation, model
building, compiling, tracing, input pipeline, per-call set-up.

    python benchmarks/bench_gridsearch.py
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import EpochClock, limit_threads, machine_info, median, write_results
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import MinMaxScaler

from sk_sparse_ae import SparseAutoencoderTransformer

WEIGHTS = np.geomspace(1e-4, 1e-1, 10).tolist()


class TimedTransformer(SparseAutoencoderTransformer):
    """Records ``epochs`` x the median steady-state epoch in ``epoch_seconds_``."""

    def fit(self, X, y=None):
        with EpochClock() as clock:
            super().fit(X, y)
        steady = np.median(clock.durations[1:]) if len(clock.durations) > 1 else 0
        self.epoch_seconds_ = float(steady * len(clock.durations))
        return self


class PerStepFit(TimedTransformer):
    """The pooled model trained by Keras's fit one step per batch (the
    training loop before ``training.fit_shuffled``'s whole-epoch loop)."""

    def _train(self, X_train, X_val, rng):
        import keras

        from sk_sparse_ae.training._loop import shuffled_epochs

        history = self.model_.fit(
            shuffled_epochs(X_train, self.batch_size, self.epochs, rng),
            epochs=self.epochs,
            steps_per_epoch=-(-len(X_train) // self.batch_size),
            shuffle=False,
            verbose=0,
            callbacks=[keras.callbacks.TerminateOnNaN()],
        )
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        return self.epochs


class NewModelEachFit(TimedTransformer):
    """Trains the model built for this fit instead of a pooled one."""

    def _train_pooled(self, X_train, X_val, rng, center):
        # The model built for this fit already starts from ``center``.
        return self._train(X_train, X_val, rng)


class PerEpochFitCalls(NewModelEachFit):
    """The training loop before ``shuffled_epochs``: one ``fit`` per epoch."""

    def _train(self, X_train, X_val, rng):
        import keras

        for _ in range(self.epochs):
            rng.shuffle(X_train)
            history = self.model_.fit(
                X_train,
                X_train,
                batch_size=self.batch_size,
                epochs=1,
                shuffle=False,
                verbose=0,
                callbacks=[keras.callbacks.TerminateOnNaN()],
            )
            for key, values in history.history.items():
                self.history_.setdefault(key, []).extend(float(v) for v in values)
        return self.epochs


def _score(estimator, X, y=None):
    return estimator.score(X)


def _epoch_seconds(estimator, X, y=None):
    return estimator.epoch_seconds_


def run_search(cls, n_jobs, X, params):
    search = GridSearchCV(
        cls(**params),
        {"sparsity_weight": WEIGHTS},
        cv=3,
        n_jobs=n_jobs,
        scoring={"score": _score, "epoch_seconds": _epoch_seconds},
        refit=False,
    )
    start = time.perf_counter()
    search.fit(X)
    wall = time.perf_counter() - start
    results = search.cv_results_
    epoch_seconds = np.concatenate(
        [results[f"split{i}_test_epoch_seconds"] for i in range(3)]
    )
    # cv_results_ keeps only the mean and std of fit times per candidate.
    mean_fit = float(np.mean(results["mean_fit_time"]))
    return {
        "wall": wall,
        "n_fits": epoch_seconds.size,
        "mean_fit": mean_fit,
        "mean_epochs": float(np.mean(epoch_seconds)),
        "best_weight": results["params"][int(np.argmax(results["mean_test_score"]))][
            "sparsity_weight"
        ],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--variants",
        nargs="+",
        default=["current"],
        help="only 'current' runs on this code (see the check below)",
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--name", default="bench_gridsearch")
    args = parser.parse_args()
    historical = [name for name in args.variants if name != "current"]
    if historical:
        # Their subclasses override private methods (_train, _train_pooled)
        # that the restructure into subpackages removed: they would silently
        # time the current loop.
        parser.error(
            f"--variants {' '.join(historical)}: these old training loops need "
            "the code before the restructure (git checkout a7569ce), where "
            "benchmarks/results/bench_gridsearch.md was measured"
        )

    limit_threads(args.threads)
    X = MinMaxScaler().fit_transform(load_digits().data).astype(np.float32)
    # The estimator's defaults (64-100-300-100-64 here), as in the demo CLI.
    params = dict(epochs=args.epochs, random_state=0)
    variants = {
        name: cls
        for name, cls in {
            "current": TimedTransformer,
            "per-step fit": PerStepFit,
            "new model each fit": NewModelEachFit,
            "per-epoch fit calls": PerEpochFitCalls,
        }.items()
        if name.split()[0] in args.variants
    }
    rows = []
    for n_jobs in args.n_jobs:
        # Start the worker processes (and their imports) before timing, with
        # another architecture so that no model of the timed one is pooled.
        warm_up = {**params, "epochs": 1, "n_components": 7}
        run_search(TimedTransformer, n_jobs, X[:200], warm_up)
        runs = {name: [] for name in variants}
        for repeat in range(args.repeats):
            order = list(variants.items())
            for name, cls in order if repeat % 2 == 0 else order[::-1]:
                runs[name].append(run_search(cls, n_jobs, X, params))
        for name, results in runs.items():
            wall = median([r["wall"] for r in results])
            mean_fit = median([r["mean_fit"] for r in results])
            epochs = median([r["mean_epochs"] for r in results])
            rows.append(
                [
                    n_jobs,
                    name,
                    results[0]["n_fits"],
                    wall,
                    mean_fit,
                    epochs,
                    mean_fit - epochs,
                    results[0]["best_weight"],
                ]
            )

    write_results(
        args.name,
        title=(
            "Grid search: 10 sparsity weights x 3 folds on digits "
            f"(64-100-300, {args.epochs} epochs, batch 32)"
        ),
        headers=[
            "n_jobs",
            "training loop",
            "fits",
            "wall s",
            "mean fit s",
            "training s/fit",
            "overhead s/fit",
            "best weight",
        ],
        rows=rows,
        machine=machine_info(args.threads),
        settings={**vars(args), "model": params, "weights": WEIGHTS},
    )


if __name__ == "__main__":
    main()
