"""Memory across many fits of different architectures: RSS after each fit.

Fits ``--fits`` transformers one after the other in one process, cycling
through ``--n-components`` (6 architectures by default, more than the model
pool keeps, so most fits build and trace a new Keras model), on random data
of the digits' width (500 x 64), and records the process's RSS after each
fit and ``gc.collect()``. The verdict compares RSS at fit 25 (after the
warm-up: TensorFlow's runtime, the first traces) with the last fit; issue 10
asks for at most 10% growth from fit 25 to fit 150. Also counted: the
``CustomGradient`` entries in TensorFlow's gradient registry, which held a
traced graph per model before ``sk_sparse_ae/_tf/gradient_registry.py``.

    python benchmarks/bench_memory_growth.py --threads 2
"""

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import limit_threads, machine_info, write_results


def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=150)
    parser.add_argument(
        "--n-components", type=int, nargs="+", default=[10, 20, 30, 40, 50, 60]
    )
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--baseline-fit", type=int, default=25)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--name", default="bench_memory_growth")
    args = parser.parse_args()

    limit_threads(args.threads)
    import keras
    from tensorflow.python.framework import ops

    from sk_sparse_ae import SparseAutoencoderTransformer

    keras.utils.disable_interactive_logging()

    def registry_entries():
        # TensorFlow's private registry, read only to report the leak.
        return sum(
            name.startswith("CustomGradient") for name in ops._gradient_registry.list()
        )

    X = np.random.default_rng(0).random((500, 64))
    rss, seconds = [], []
    start = time.perf_counter()
    for i in range(args.fits):
        SparseAutoencoderTransformer(
            n_components=args.n_components[i % len(args.n_components)],
            epochs=args.epochs,
            random_state=i,
        ).fit(X)
        gc.collect()
        rss.append(rss_mib())
        seconds.append(time.perf_counter() - start)
        if (i + 1) % 25 == 0:
            print(
                f"fit {i + 1}: RSS {rss[-1]:.1f} MiB, {seconds[-1]:.0f} s", flush=True
            )

    base = args.baseline_fit - 1
    checkpoints = sorted({0, base, *range(24, args.fits, 25), args.fits - 1})
    rows = [
        [i + 1, rss[i], rss[i] - rss[base], 100 * (rss[i] / rss[base] - 1)]
        for i in checkpoints
    ]
    growth = 100 * (rss[-1] / rss[base] - 1)
    per_fit = (rss[-1] - rss[base]) / (args.fits - 1 - base)
    write_results(
        args.name,
        title=(
            f"Memory over {args.fits} fits cycling through "
            f"{len(args.n_components)} architectures"
        ),
        headers=["fit", "RSS MiB", f"vs fit {args.baseline_fit} MiB", "growth %"],
        rows=rows,
        machine=machine_info(args.threads),
        settings=vars(args),
        extra={
            "rss_mib_after_each_fit": rss,
            "seconds_after_each_fit": seconds,
            "growth_percent": growth,
            "growth_mib_per_fit": per_fit,
            "custom_gradient_registry_entries": registry_entries(),
            "verdict": "pass" if growth <= 10 else "fail",
        },
    )
    print(
        f"growth fit {args.baseline_fit} -> {args.fits}: {growth:.1f}% "
        f"({per_fit:.3f} MiB per fit); CustomGradient registry entries: "
        f"{registry_entries()}"
    )


if __name__ == "__main__":
    main()
