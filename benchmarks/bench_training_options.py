"""Training-loop options, each measured against the GEMM floor in its process.

What ``bench_training.py`` compares end to end, taken apart: for the book's
KL model (and ``--models topk``: the 2,000-unit TopK model), microseconds
per training step of

- ``per-step fit``: Keras's ``fit`` over the ``tf.data`` batches, one
  compiled step per batch (the estimator before the whole-epoch loop; all
  variants but one use the estimator's fused optimizer);
- ``steps_per_execution``: Keras's own multi-step loop, one execution per
  epoch, the last partial group exact (a per-epoch dataset of known
  cardinality, re-iterated every epoch);
- ``whole-epoch loop``: the estimator's loop (``training.fit_shuffled``);
- ``... + XLA``: the same with the step compiled by XLA;
- ``..., Keras's optimizer (unfused)``: Keras's SGD or Adam instead of the
  estimator's fused ones (``sk_sparse_ae/nn/_optimizers.py``);
- ``... KL in fewer ops``: the KL penalty as ``2 * KL(p || q)`` with ``log``
  and ``log1p`` (fewer ops, different rounding);
- ``... cross-entropy fused``: the loss from the output's logits in three ops
  and its gradient written out (fewer ops, different rounding);
- ``step alone``: the train step on one fixed batch in a graph loop (no data);
- ``tf.data pipeline alone``, ``in-graph gather alone``: the input side only;

each variant's weights compared bit for bit with ``per-step fit`` after one
epoch. Settings that TensorFlow reads once per process (oneDNN on or off,
XLA's CPU flags, thread counts) run in subprocesses, one per setting, each
timing its own GEMM floor, so that "x floor" compares them across processes.
CPU time per step (all threads; the floor's too) is printed beside wall
time: on a shared machine it is the steadier number.

    python benchmarks/bench_training_options.py          # ~5 min idle (kl)
    python benchmarks/bench_training_options.py --samples 4096 --repeats 2
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# name -> (environment, extra arguments) of one subprocess
SETTINGS = {
    "default (oneDNN on)": ({}, []),
    "TF_ENABLE_ONEDNN_OPTS=0": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, []),
    "XLA dots via oneDNN": ({"XLA_FLAGS": "--xla_cpu_use_onednn=true"}, ["--xla-only"]),
    "XLA dots via XNNPACK": (
        {"XLA_FLAGS": "--xla_cpu_use_xnnpack=true"},
        ["--xla-only"],
    ),
    "1 intra-op, 1 inter-op thread": ({}, ["--threads", "1", "--inter", "1"]),
    "2 intra-op, 1 inter-op thread": ({}, ["--threads", "2", "--inter", "1"]),
}


def kl_in_fewer_ops():
    """KLDivergenceSparsity's penalty, one Bernoulli KL(p || q) per unit, with
    its constant part summed once and log1p: fewer ops, not the same rounding
    (the batch-size convention is the class's own ``__call__``)."""
    from keras import ops

    from sk_sparse_ae.nn import KLDivergenceSparsity

    class FewerOpsKL(KLDivergenceSparsity):
        def _penalty(self, x):
            q = ops.clip(ops.mean(x, axis=0), 1e-7, 1 - 1e-7)
            p = self.target
            const = p * np.log(p) + (1 - p) * np.log1p(-p)
            terms = p * ops.log(q) + (1 - p) * ops.log1p(-q)
            return self.weight * (const * x.shape[1] - ops.sum(terms))

    return FewerOpsKL


def fused_cross_entropy():
    """Binary cross-entropy of a sigmoid output from its logits in three ops,
    with the gradient ``(sigmoid(z) - y) / n_features`` written out (a custom
    gradient): fewer ops than ``sigmoid_cross_entropy_with_logits`` and its
    autodiff gradient, different rounding."""
    import tensorflow as tf

    @tf.custom_gradient
    def from_logits(y, z):
        loss = tf.reduce_mean(tf.nn.softplus(z) - y * z, axis=-1)

        def grad(upstream):
            scale = upstream[:, None] / tf.cast(tf.shape(z)[-1], z.dtype)
            return None, (tf.sigmoid(z) - y) * scale

        return loss, grad

    def loss(y_true, y_pred):
        return from_logits(y_true, y_pred._keras_logits)

    return loss


def measure(args):
    """Run in one process: time every variant, print one JSON line."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.inter or args.threads)
    import keras

    keras.utils.disable_interactive_logging()
    from bench_training import MODELS, load_data, tensorflow_gemm_floor

    from sk_sparse_ae import SparseAutoencoderTransformer
    from sk_sparse_ae._tf.memory import as_tf_variable, float32_copy
    from sk_sparse_ae.training._loop import fit_shuffled, shuffled_epochs

    params, batch = MODELS[args.model], args.batch_size
    X = float32_copy(load_data(args.samples, args.synthetic))
    n, steps = len(X), -(-len(X) // batch)

    def build(
        jit_compile=False, spe=1, regularizer=None, keras_optimizer=False, loss=None
    ):
        import sk_sparse_ae.autoencoder._model_building as building

        sae = SparseAutoencoderTransformer(**params, batch_size=batch, random_state=0)
        sae._resolve_auto_settings(X, "fit")
        center = X.mean(axis=0) if params["sparsity"] == "topk" else None
        make_regularizer = building.make_regularizer
        if regularizer is not None:
            building.make_regularizer = lambda _params, weight: regularizer(
                weight=weight, target=params["sparsity_target"]
            )
        try:
            model, _, _ = sae._build_model(
                X.shape[1],
                list(sae.hidden_layer_sizes_),
                np.random.default_rng(0),
                center,
                1.0,
            )
        finally:
            building.make_regularizer = make_regularizer
        optimizer = model.optimizer
        if keras_optimizer:
            optimizer = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[
                params["optimizer"]
            ](learning_rate=params["learning_rate"])
        if jit_compile or spe != 1 or keras_optimizer or loss is not None:
            model.compile(
                loss=model.loss if loss is None else loss,
                optimizer=optimizer,
                jit_compile=jit_compile,
                steps_per_execution=spe,
            )
        return model

    def per_step_fit():
        model = build()
        return model, lambda rng: model.fit(
            shuffled_epochs(X, batch, 1, rng),
            epochs=1,
            steps_per_epoch=steps,
            shuffle=False,
            verbose=0,
        )

    def epoch_dataset(rng):
        """One epoch's batches, re-iterable with a new order each time."""
        data, n_full = as_tf_variable(X), n // batch
        order = np.arange(n, dtype=np.int64)

        def one_order():
            rng.shuffle(order)
            yield order.copy()

        def batches_of(epoch_order):
            full = tf.reshape(epoch_order[: n_full * batch], (n_full, batch))
            batches = tf.data.Dataset.from_tensor_slices(full)
            if n % batch:
                rest = tf.data.Dataset.from_tensors(epoch_order[n_full * batch :])
                batches = batches.concatenate(rest)
            return batches

        def gather(indices):
            rows = tf.gather(data.read_value(), indices)
            return rows, rows

        return (
            tf.data.Dataset.from_generator(
                one_order, output_signature=tf.TensorSpec((n,), tf.int64)
            )
            .flat_map(batches_of)
            .map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .prefetch(tf.data.AUTOTUNE)
            .apply(tf.data.experimental.assert_cardinality(steps))
        )

    def steps_per_execution():
        model = build(spe=steps)
        return model, lambda rng: model.fit(
            epoch_dataset(rng), epochs=1, shuffle=False, verbose=0
        )

    def whole_epoch(**kwargs):
        model = build(**kwargs)
        return model, lambda rng: fit_shuffled(
            model, X, batch_size=batch, epochs=1, rng=rng, verbose=0
        )

    def step_alone():
        model = build()
        x = tf.constant(X[:batch])

        @tf.function
        def run(k):
            for _ in tf.range(k):
                model.train_step((x, x))
            return model.get_metrics_result()

        # No model returned: it trains on other data, nothing to compare.
        return None, lambda rng: run(tf.constant(steps))["loss"].numpy()

    def pipeline_alone():
        @tf.function
        def consume(dataset):
            total = tf.constant(0.0)
            for x, _ in dataset:
                total += x[0, 0]
            return total

        return None, lambda rng: consume(shuffled_epochs(X, batch, 1, rng)).numpy()

    def gather_alone():
        data = tf.constant(X)

        @tf.function
        def run(order):
            def body(i, total):
                rows = tf.gather(data, order[i * batch : (i + 1) * batch])
                return i + 1, total + rows[0, 0]

            return tf.while_loop(
                lambda i, _: i < steps, body, (0, 0.0), parallel_iterations=1
            )[1]

        def go(rng):
            order = np.arange(n, dtype=np.int64)
            rng.shuffle(order)
            run(tf.constant(order)).numpy()

        return None, go

    if args.xla_only:
        variants = {"whole-epoch loop + XLA": lambda: whole_epoch(jit_compile=True)}
    elif args.baseline_only:
        variants = {"whole-epoch loop": whole_epoch}
    else:
        variants = {
            "per-step fit": per_step_fit,
            "steps_per_execution": steps_per_execution,
            "whole-epoch loop": whole_epoch,
            "whole-epoch loop + XLA": lambda: whole_epoch(jit_compile=True),
            "whole-epoch loop, Keras's optimizer (unfused)": lambda: whole_epoch(
                keras_optimizer=True
            ),
            "step alone (fixed batch)": step_alone,
            "tf.data pipeline alone": pipeline_alone,
            "in-graph gather alone": gather_alone,
        }
        if params["sparsity"] == "kl":
            variants["whole-epoch loop, KL in fewer ops"] = lambda: whole_epoch(
                regularizer=kl_in_fewer_ops()
            )
        if params["loss"] == "binary_crossentropy":
            variants["whole-epoch loop, cross-entropy fused"] = lambda: whole_epoch(
                loss=fused_cross_entropy()
            )
    built = {name: make() for name, make in variants.items()}
    identical, expected = {}, None
    for name, (model, go) in built.items():
        go(np.random.default_rng(1))  # traces; and the bit-for-bit check
        if model is None:
            continue
        weights = [np.asarray(w) for w in model.weights]
        if name == "per-step fit":
            expected = weights
        elif expected is not None:
            identical[name] = all(
                np.array_equal(a, b) for a, b in zip(weights, expected, strict=True)
            )
    wall = {name: [] for name in built}
    cpu = {name: [] for name in built}
    floors, cpu_floors = [], []
    for repeat in range(args.repeats):
        for name, (_, go) in built.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            go(np.random.default_rng(100 + repeat))
            wall[name].append((time.perf_counter() - start) / steps * 1e6)
            cpu[name].append((time.process_time() - start_cpu) / steps * 1e6)
        floors.append(tensorflow_gemm_floor(params, n, X.shape[1], batch) / steps * 1e6)
        cpu_floors.append(
            tensorflow_gemm_floor(params, n, X.shape[1], batch, clock=time.process_time)
            / steps
            * 1e6
        )
    print(
        "RESULT "
        + json.dumps(
            {
                "floor_us": statistics.median(floors),
                "cpu_floor_us": statistics.median(cpu_floors),
                "wall_us": {k: statistics.median(v) for k, v in wall.items()},
                "wall_min_us": {k: min(v) for k, v in wall.items()},
                "cpu_us": {k: statistics.median(v) for k, v in cpu.items()},
                "identical": identical,
            }
        ),
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["kl"])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--samples", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--name", default="bench_training_options")
    # One measuring subprocess:
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--inter", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--xla-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args)

    from _common import machine_info, write_results

    rows = []
    for model in args.models:
        for batch in args.batch_sizes:
            for setting in args.settings:
                env, extra = SETTINGS[setting]
                if setting != "default (oneDNN on)" and "--xla-only" not in extra:
                    extra = [*extra, "--baseline-only"]
                if "--threads" not in extra:
                    extra = [*extra, "--threads", str(args.threads)]
                command = [
                    sys.executable,
                    __file__,
                    "--measure",
                    "--model",
                    model,
                    "--batch-size",
                    str(batch),
                    "--samples",
                    str(args.samples),
                    "--repeats",
                    str(args.repeats),
                    *(["--synthetic"] if args.synthetic else []),
                    *extra,
                ]
                done = subprocess.run(
                    command,
                    env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **env},
                    capture_output=True,
                    text=True,
                    check=False,
                )
                lines = [
                    line
                    for line in done.stdout.splitlines()
                    if line.startswith("RESULT ")
                ]
                if not lines:
                    print(done.stdout[-2000:], done.stderr[-4000:], file=sys.stderr)
                    raise SystemExit(f"{setting}: the measuring process failed")
                result = json.loads(lines[-1][len("RESULT ") :])
                floor = result["floor_us"]
                for name, us in result["wall_us"].items():
                    rows.append(
                        [
                            model,
                            batch,
                            setting,
                            name,
                            us,
                            result["wall_min_us"][name],
                            result["cpu_us"][name],
                            us / floor,
                            result["cpu_us"][name] / result["cpu_floor_us"],
                            result["identical"].get(name, ""),
                        ]
                    )
                rows.append(
                    [
                        model,
                        batch,
                        setting,
                        "GEMM floor",
                        floor,
                        "",
                        result["cpu_floor_us"],
                        1.0,
                        1.0,
                        "",
                    ]
                )
                print(f"done: {model} batch {batch} {setting}", flush=True)
    write_results(
        args.name,
        title=f"Training-loop options: microseconds per step, {args.samples} "
        f"{'random' if args.synthetic else 'Fashion-MNIST'} images",
        headers=[
            "model",
            "batch",
            "process setting",
            "variant",
            "us/step (median)",
            "us/step (min)",
            "CPU us/step",
            "x GEMM floor",
            "x GEMM floor (CPU time)",
            "same weights as per-step fit",
        ],
        rows=rows,
        machine=machine_info(args.threads),
        settings=vars(args),
    )


if __name__ == "__main__":
    main()
