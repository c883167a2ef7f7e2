"""Training speed: the estimator vs raw Keras of the identical model, and the floor.

For each batch size, in one process and interleaved repeat by repeat:

- ``estimator``: ``SparseAutoencoderTransformer`` with the book's model
  (784-100-300-100-784, SELU, KL sparsity, SGD 1.0) fitting ``--epochs``;
- ``raw keras``: the same layers, initializers, regularizer, loss and
  optimizer built with plain Keras, ``model.fit(..., shuffle=True)``;
- ``raw keras + XLA``: the same with ``jit_compile=True``;
- the GEMM floor: NumPy float32 matmuls of the real layer shapes (forward,
  weight gradient and input gradient of every layer) for one epoch's steps.

Per-epoch times are steady-state (epochs 2 and later; the first one traces),
taken from the end-of-epoch timestamps of each variant. ``total`` is the
whole ``fit`` call including model building, compiling and tracing.

    python benchmarks/bench_training.py                   # Fashion-MNIST, 60k
    python benchmarks/bench_training.py --samples 2000 --epochs 3 --repeats 1
"""

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    EpochClock,
    limit_threads,
    machine_info,
    median,
    timed,
    write_results,
)

HIDDEN, CODINGS = 100, 300
SETTINGS = dict(
    n_components=CODINGS,
    hidden_layer_sizes=(HIDDEN,),
    activation="selu",
    sparsity="kl",
    sparsity_weight=1e-3,
    sparsity_target=0.1,
    optimizer="sgd",
    learning_rate=1.0,
)


def load_data(n_samples, synthetic):
    if synthetic:
        rng = np.random.default_rng(0)
        return rng.random((n_samples, 784), dtype=np.float32)
    from sk_sparse_ae.datasets import load_fashion_mnist

    (X, _), _ = load_fashion_mnist(flatten=True, as_float=True)
    return np.ascontiguousarray(X[:n_samples])


def raw_keras_model(n_features, seed, jit_compile):
    import keras

    from sk_sparse_ae.regularizers import KLDivergenceSparsity

    def dense(units, activation, i, **kwargs):
        init = keras.initializers.GlorotUniform(seed=seed + i)
        return keras.layers.Dense(
            units, activation=activation, kernel_initializer=init, **kwargs
        )

    model = keras.Sequential(
        [
            keras.Input((n_features,)),
            dense(HIDDEN, "selu", 0),
            dense(
                CODINGS,
                "sigmoid",
                1,
                activity_regularizer=KLDivergenceSparsity(weight=1e-3, target=0.1),
            ),
            dense(HIDDEN, "selu", 2),
            dense(n_features, "sigmoid", 3),
        ]
    )
    model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.SGD(learning_rate=1.0),
        jit_compile=jit_compile,
    )
    return model


def run_raw_keras(X, batch_size, epochs, jit_compile):
    def fit():
        model = raw_keras_model(X.shape[1], 0, jit_compile)
        model.fit(X, X, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0)

    with EpochClock() as ends:
        total, _ = timed(fit)
    return total, ends.steady_epoch_seconds()


def run_estimator(X, batch_size, epochs):
    from sk_sparse_ae import SparseAutoencoderTransformer

    sae = SparseAutoencoderTransformer(
        **SETTINGS, batch_size=batch_size, epochs=epochs, random_state=0
    )
    with EpochClock() as ends:
        total, _ = timed(lambda: sae.fit(X))
    return total, ends.steady_epoch_seconds()


def _layer_shapes(n_features):
    encoder = [(n_features, HIDDEN), (HIDDEN, CODINGS)]
    return encoder + [(n_out, n_in) for n_in, n_out in reversed(encoder)]


def _step_arrays(batch, n_features, rng):
    """Per layer: input, kernel, output gradient, and whether the layer
    needs the gradient of its input (not the first one)."""
    return [
        (
            rng.random((batch, n_in), dtype=np.float32),
            rng.random((n_in, n_out), dtype=np.float32),
            rng.random((batch, n_out), dtype=np.float32),
            i > 0,
        )
        for i, (n_in, n_out) in enumerate(_layer_shapes(n_features))
    ]


def epoch_flops(n_samples, n_features):
    """Multiply-adds x 2 of forward, weight-gradient and input-gradient GEMMs."""
    return n_samples * sum(
        2 * n_in * n_out * (3 if i > 0 else 2)
        for i, (n_in, n_out) in enumerate(_layer_shapes(n_features))
    )


def _epoch_seconds(step_seconds, n_samples, batch_size):
    full, rest = divmod(n_samples, batch_size)
    return full * step_seconds(batch_size) + (step_seconds(rest) if rest else 0)


def numpy_gemm_floor(n_samples, n_features, batch_size, reps=3):
    """Seconds per epoch of the training GEMMs alone, in NumPy (its BLAS)."""
    rng = np.random.default_rng(0)

    def step_seconds(batch):
        arrays = _step_arrays(batch, n_features, rng)

        def steps(n):
            for _ in range(n):
                for x, w, dy, needs_input_grad in arrays:
                    x @ w
                    x.T @ dy
                    if needs_input_grad:
                        dy @ w.T

        n = max(3, 2000 // batch)
        steps(1)
        return min(timed(lambda: steps(n))[0] / n for _ in range(reps))

    return _epoch_seconds(step_seconds, n_samples, batch_size)


def tensorflow_gemm_floor(n_samples, n_features, batch_size, reps=3):
    """The same GEMMs in one TensorFlow graph loop (oneDNN kernels, no Python)."""
    import tensorflow as tf

    rng = np.random.default_rng(0)

    def step_seconds(batch):
        arrays = [
            (tf.constant(x), tf.constant(w), tf.constant(dy), needs)
            for x, w, dy, needs in _step_arrays(batch, n_features, rng)
        ]

        @tf.function
        def steps(n):
            total = tf.constant(0.0)
            for i in tf.range(n):
                # Depends on i so that no GEMM is hoisted out of the loop;
                # the sum keeps every result alive.
                scale = 1.0 + 1e-9 * tf.cast(i, tf.float32)
                for x, w, dy, needs_input_grad in arrays:
                    x = x * scale
                    total += tf.matmul(x, w)[0, 0]
                    total += tf.matmul(x, dy, transpose_a=True)[0, 0]
                    if needs_input_grad:
                        total += tf.matmul(dy, w, transpose_b=True)[0, 0]
            return total

        n = max(3, 2000 // batch)
        steps(tf.constant(1)).numpy()
        return min(
            timed(lambda: steps(tf.constant(n)).numpy())[0] / n for _ in range(reps)
        )

    return _epoch_seconds(step_seconds, n_samples, batch_size)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument(
        "--synthetic", action="store_true", help="uniform random data of the same shape"
    )
    parser.add_argument("--name", default="bench_training")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be >= 2 (the first epoch traces)")

    limit_threads(args.threads)
    import keras

    keras.utils.disable_interactive_logging()
    X = load_data(args.samples, args.synthetic)

    variants = {
        "estimator": lambda b: run_estimator(X, b, args.epochs),
        "raw keras": lambda b: run_raw_keras(X, b, args.epochs, False),
        "raw keras + XLA": lambda b: run_raw_keras(X, b, args.epochs, True),
    }
    rows = []
    flops = epoch_flops(len(X), X.shape[1])
    for batch_size in args.batch_sizes:
        totals = {name: [] for name in variants}
        epochs = {name: [] for name in variants}
        floors = {"numpy": [], "tensorflow": []}
        for _ in range(args.repeats):  # interleaved: every variant each repeat
            for name, run in variants.items():
                total, per_epoch = run(batch_size)
                totals[name].append(total)
                epochs[name].append(per_epoch)
            floors["numpy"].append(numpy_gemm_floor(len(X), X.shape[1], batch_size))
            floors["tensorflow"].append(
                tensorflow_gemm_floor(len(X), X.shape[1], batch_size)
            )
        floor = min(median(floors["numpy"]), median(floors["tensorflow"]))
        raw = median(epochs["raw keras"])
        for name in variants:
            per_epoch = median(epochs[name])
            rows.append(
                [
                    batch_size,
                    name,
                    per_epoch,
                    median(totals[name]),
                    per_epoch / raw,
                    per_epoch / floor,
                ]
            )
        for name, seconds in floors.items():
            seconds = median(seconds)
            rows.append(
                [
                    batch_size,
                    f"GEMM floor ({name}, {flops / seconds / 1e9:.0f} GFLOP/s)",
                    seconds,
                    math.nan,
                    seconds / raw,
                    seconds / floor,
                ]
            )

    write_results(
        args.name,
        title=f"Training: s/epoch on {len(X)} x {X.shape[1]} "
        f"({'random' if args.synthetic else 'Fashion-MNIST'}), {args.epochs} epochs",
        headers=[
            "batch",
            "variant",
            "s/epoch",
            "total fit s",
            "x raw keras",
            "x GEMM floor",
        ],
        rows=rows,
        machine=machine_info(args.threads),
        settings=vars(args),
    )


if __name__ == "__main__":
    main()
