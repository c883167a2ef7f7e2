"""How many epochs the book's KL models need to pass the Figure 17-11 check.

Fits the ``kl`` and ``kl-book`` models of ``sk-sparse-ae reproduce`` (book
settings, seed 42) for 1, 2, 3, 5 and 10 epochs on the 60,000 Fashion-MNIST
training images and measures their codings of the 10,000 test images. With
an int seed, a fit of k epochs is the first k epochs of a longer fit (same
initial weights, same per-epoch shuffles). Writes
``benchmarks/results/reproduce_epochs.{json,md}``::

    python benchmarks/reproduce_epochs.py [--threads N]
"""

import argparse
import json
import os
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae.datasets import load_fashion_mnist
from sk_sparse_ae.experiments import _reproduce as experiments
from sk_sparse_ae.inspection import activation_stats

EPOCHS = (1, 2, 3, 5, 10)
MODELS = ("kl", "kl-book")
RANDOM_STATE = 42


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--output-dir", default="benchmarks/results")
    args = parser.parse_args()
    experiments.configure_threads(args.threads)
    (X_train, _), (X_test, _) = load_fashion_mnist(flatten=True, as_float=True)
    params = dict(experiments.REPRODUCE_MODELS)
    rows = []
    with threadpool_limits(limits=args.threads, user_api="blas"):
        for name in MODELS:
            for epochs in EPOCHS:
                estimator = SparseAutoencoderTransformer(
                    **{**experiments.BOOK_SETTINGS, "epochs": epochs},
                    **params[name],
                    random_state=RANDOM_STATE,
                )
                start = time.perf_counter()
                estimator.fit(X_train)
                fit_time = time.perf_counter() - start
                stats = activation_stats(estimator.transform(X_test))
                rows.append(
                    {
                        "model": name,
                        "epochs": epochs,
                        "fraction_below_threshold": stats.fraction_below_threshold,
                        "fraction_units_in_band": stats.fraction_units_in_band,
                        "l0_mean": stats.l0_mean,
                        "n_dead_units": stats.n_dead_units,
                        "passes": experiments.passes_acceptance(
                            stats.fraction_below_threshold,
                            stats.fraction_units_in_band,
                        ),
                        "fit_time_s": fit_time,
                    }
                )
                print(rows[-1], flush=True)
    lines = [
        "| model | epochs | activations < 0.1 | units with mean in [0.1, 0.2] "
        "| mean L0 | passes | fit time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['model']} | {row['epochs']} "
            f"| {row['fraction_below_threshold']:.1%} "
            f"| {row['fraction_units_in_band']:.1%} | {row['l0_mean']:.1f} "
            f"| {'yes' if row['passes'] else 'no'} | {row['fit_time_s']:.1f} |"
        )
    table = "\n".join(lines)
    print(table)
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    summary = {
        "experiment": "reproduce_epochs",
        "random_state": RANDOM_STATE,
        "acceptance": experiments.ACCEPTANCE,
        "results": rows,
        "machine": experiments.machine_info(args.threads),
    }
    (output_dir / "reproduce_epochs.json").write_text(json.dumps(summary, indent=2))
    (output_dir / "reproduce_epochs.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
