"""The same fit under each Keras backend that installs here.

Keras picks its backend from ``KERAS_BACKEND`` at its first import, so each
backend runs in its own subprocess (this script with ``--worker``). Each
worker fits, interleaved per batch size, the estimator and raw Keras of the
identical model (``benchmarks/bench_training.py``; both with Keras's default
``jit_compile="auto"``: XLA under JAX, none under TensorFlow on CPU, eager
under torch) on Fashion-MNIST, then times one small fit on digits (the
per-fit cost a grid search pays) and checks that the estimator's
``transform`` equals the encoder's Keras output. Install the optional
backends into the environment first (never an unpinned torch)::

    pip install jax "torch==2.13.0"
    python benchmarks/bench_backends.py
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import limit_threads, machine_info, median, timed, write_results

BACKENDS = ["tensorflow", "jax", "torch"]


def worker(args):
    limit_threads(args.threads)
    import keras
    from bench_training import load_data, run_estimator, run_raw_keras
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import MinMaxScaler

    from sk_sparse_ae import SparseAutoencoderTransformer

    keras.utils.disable_interactive_logging()
    X = load_data(args.samples, synthetic=False)
    result = {"backend": keras.backend.backend(), "batches": {}}
    for batch_size in args.batch_sizes:
        runs = {"estimator": [], "raw keras": []}
        for _ in range(args.repeats):
            runs["estimator"].append(run_estimator(X, batch_size, args.epochs))
            runs["raw keras"].append(
                run_raw_keras(X, batch_size, args.epochs, jit_compile="auto")
            )
        result["batches"][batch_size] = {
            name: {
                "total": median([total for total, _ in values]),
                "per_epoch": median([per_epoch for _, per_epoch in values]),
            }
            for name, values in runs.items()
        }
    digits = MinMaxScaler().fit_transform(load_digits().data).astype(np.float32)
    small = SparseAutoencoderTransformer(epochs=10, random_state=0)
    small.fit(digits)  # the first fit in a process also pays for imports
    result["digits_fit"] = median(
        [
            timed(
                lambda: SparseAutoencoderTransformer(epochs=10, random_state=0).fit(
                    digits
                )
            )[0]
            for _ in range(args.repeats)
        ]
    )
    keras_codings = keras.ops.convert_to_numpy(small.encoder_(digits[:100]))
    result["transform_gap"] = float(
        np.abs(small.transform(digits[:100]) - keras_codings).max()
    )
    print("RESULT " + json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=BACKENDS)
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--timeout", type=float, default=1200)
    parser.add_argument("--name", default="bench_backends")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    rows, failures = [], {}
    for backend in args.backends:
        command = [sys.executable, __file__, "--worker", *sys.argv[1:]]
        env = {**os.environ, "KERAS_BACKEND": backend}
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=args.timeout
            )
        except subprocess.TimeoutExpired:
            failures[backend] = f"timed out after {args.timeout} s"
            continue
        lines = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
        if done.returncode or not lines:
            failures[backend] = (done.stderr or done.stdout).strip().splitlines()[-1:]
            continue
        result = json.loads(lines[-1].removeprefix("RESULT "))
        for batch_size, runs in result["batches"].items():
            estimator, raw = runs["estimator"], runs["raw keras"]
            rows.append(
                [
                    backend,
                    int(batch_size),
                    estimator["per_epoch"],
                    raw["per_epoch"],
                    estimator["per_epoch"] / raw["per_epoch"],
                    estimator["total"],
                    raw["total"],
                    result["digits_fit"],
                    result["transform_gap"],
                ]
            )
        print(rows[-1], flush=True)
    for backend, reason in failures.items():
        print(f"{backend}: not measured: {reason}")

    write_results(
        args.name,
        title=(
            f"Backends: Fashion-MNIST {args.samples} x 784, book model, "
            f"{args.epochs} epochs"
        ),
        headers=[
            "backend",
            "batch",
            "estimator s/epoch",
            "raw keras s/epoch",
            "ratio",
            "estimator total s",
            "raw keras total s",
            "digits fit s (10 epochs)",
            "max |transform - keras|",
        ],
        rows=rows,
        machine=machine_info(args.threads),
        settings={k: v for k, v in vars(args).items() if k != "worker"},
        extra={"failures": failures},
    )


if __name__ == "__main__":
    main()
