"""TopK sparsity: the layer's cost, and TopK vs KL on Fashion-MNIST.

Part 1, interleaved in one process: microseconds per forward + backward step
of the coding nonlinearity alone on a (32, 300) batch (the book's batch and
coding sizes), for

- ``sigmoid``: the KL/L1 models' plain sigmoid (the floor);
- ``TopKActivation``: this package's layer (unsorted ``top_k`` threshold plus
  positional tie-breaking);
- ``two argsorts``: ranking whole rows, the first implementation.

Part 2 (``--fit-samples``, 0 skips it): the book's model with KL sparsity at
the defaults and with TopK at each ``--k``, 10 epochs on the first
``--fit-samples`` training images; sparsity of the codings of the 10,000
test images (mean L0 = activations > 0.1 per sample, dead units), test
reconstruction loss and fit time.

    python benchmarks/bench_topk.py                     # both parts, ~5 min
    python benchmarks/bench_topk.py --fit-samples 0     # layer only

Writes ``benchmarks/results/bench_topk.{json,md}`` (``--output-dir``).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, format_table, limit_threads, machine_info, write_files


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fit-samples", type=int, default=60000)
    parser.add_argument("--k", type=int, nargs="+", default=[30, 100])
    parser.add_argument("--random-state", type=int, default=42)
    parser.add_argument(
        "--output-dir", type=Path, default=RESULTS, help="default: benchmarks/results"
    )
    return parser.parse_args()


def two_argsorts(inputs, k):
    from keras import ops

    ranks = ops.argsort(ops.argsort(ops.negative(inputs), axis=-1), axis=-1)
    return ops.where(ops.less(ranks, k), ops.sigmoid(inputs), ops.zeros_like(inputs))


def layer_rows(args):
    import tensorflow as tf
    from keras import ops

    from sk_sparse_ae import TopKActivation

    x = tf.Variable(np.random.default_rng(0).normal(size=(32, 300)).astype("float32"))
    variants = {
        "sigmoid": lambda k: ops.sigmoid,
        "TopKActivation": lambda k: TopKActivation(k),
        "two argsorts": lambda k: lambda inputs: two_argsorts(inputs, k),
    }
    steps = {}
    for k in args.k:
        for name, make in variants.items():
            fn = make(k)

            @tf.function
            def step(fn=fn):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(fn(x) * 1.5)
                return tape.gradient(loss, x)

            step()  # trace
            steps[k, name] = step
    times = {key: [] for key in steps}
    for _ in range(args.repeats):  # interleaved: every variant once per repeat
        for key, step in steps.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            times[key].append(1e6 * (time.perf_counter() - start) / args.steps)
    rows = []
    for k in args.k:
        floor = float(np.median(times[k, "sigmoid"]))
        for name in variants:
            us = float(np.median(times[k, name]))
            rows.append([k, name, round(us, 1), round(us / floor, 2)])
    return rows


def fit_rows(args):
    from sk_sparse_ae import (
        SparseAutoencoderTransformer,
        load_fashion_mnist,
        sparsity_report,
    )

    (X, _), (X_test, _) = load_fashion_mnist(flatten=True, as_float=True)
    X = np.ascontiguousarray(X[: args.fit_samples])
    configs = [("kl (defaults)", {})] + [
        (f"topk k={k}", {"sparsity": "topk", "k": k}) for k in args.k
    ]
    rows = []
    for name, params in configs:
        sae = SparseAutoencoderTransformer(random_state=args.random_state, **params)
        start = time.perf_counter()
        sae.fit(X)
        seconds = time.perf_counter() - start
        report = sparsity_report(sae, X_test, threshold=0.1)
        rows.append(
            [
                name,
                round(report.l0_mean, 1),
                round(report.fraction_below_threshold, 3),
                report.n_dead_units,
                round(-sae.score(X_test), 4),
                round(seconds, 1),
            ]
        )
        print(rows[-1], flush=True)
    return rows


def main():
    args = parse_args()
    limit_threads(args.threads)
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # one tf.function per variant "retraces"

    layer_headers = ["k", "coding nonlinearity", "us per step", "x sigmoid"]
    layer = layer_rows(args)
    sections = [
        "## The coding nonlinearity alone, forward + backward, batch (32, 300)",
        "",
        format_table(layer_headers, layer, float_format=""),  # rounded already
    ]
    fit_headers = [
        "model",
        "mean L0 (> 0.1)",
        "activations < 0.1",
        "dead units",
        "test BCE",
        "fit s",
    ]
    fit = fit_rows(args) if args.fit_samples else []
    if fit:
        sections += [
            "",
            f"## Fashion-MNIST, {args.fit_samples} training images, 10 epochs, "
            f"random_state={args.random_state}; 10,000 test images",
            "",
            format_table(fit_headers, fit, float_format=""),
        ]
    machine = machine_info(
        args.threads,
        note=(
            "Other jobs shared this 2-core machine during the run; compare "
            "the ratios of variants measured in the same run, not absolute "
            "times across runs."
        ),
    )
    machine["load_average_1_5_15_min"] = [
        round(x, 2) for x in machine["load_average_1_5_15_min"]
    ]
    text = "\n".join(["# TopK sparsity", "", *sections, "", f"machine: {machine}"])
    print(text)
    record = {
        "settings": {k: v for k, v in vars(args).items() if k != "output_dir"},
        "machine": machine,
        "layer": {"headers": layer_headers, "rows": layer},
        "fit": {"headers": fit_headers, "rows": fit},
    }
    write_files("bench_topk", record, text + "\n", args.output_dir)


if __name__ == "__main__":
    main()
