"""XLA over the whole training loop against XLA per step, side by side.

The estimator's compiled training loop (``sk_sparse_ae.training._loop.
steps_function``) under ``jit_compile=True`` compiles the loop over a call's
full batches as one XLA program. Before, it ran a TensorFlow ``while_loop``
calling an XLA-compiled step per batch. This script times, in one process
and interleaved, milliseconds per training step of:

- ``no XLA``: the estimator's loop with ``jit_compile=False`` (the default on
  the CPU);
- ``XLA per step (before)``: a ``tf.while_loop`` whose body calls the
  model's ``train_step`` compiled with XLA, the earlier design;
- ``XLA whole loop (now)``: ``steps_function`` with ``jit_compile=True``.

Each model is first fitted for one epoch on the same rows (so AuxK and the
dead-unit counter are in their trained state), then each variant runs its
loop over the rows once per repeat; the first call (tracing and compiling)
is not timed. The models are those of ``bench_training.py``.

    python benchmarks/bench_xla_loop.py --threads 2     # ~4 min on 2 idle cores
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import limit_threads, machine_info, median, write_results


def per_step_xla_loop(model, batch_size, n_features):
    """The earlier XLA design: an uncompiled loop of XLA-compiled steps."""
    import tensorflow as tf

    step = tf.function(
        lambda rows: model.train_step((rows, rows)), jit_compile=True, autograph=False
    )

    @tf.function(autograph=False)
    def run(data, order, first_step, n_steps):
        def body(i):
            indices = tf.slice(order, [i * batch_size], [batch_size])
            step(tf.ensure_shape(tf.gather(data, indices), (batch_size, n_features)))
            return (i + 1,)

        tf.while_loop(
            lambda i: i < first_step + n_steps,
            body,
            (first_step,),
            parallel_iterations=1,
        )
        return model.get_metrics_result()

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["kl", "topk"])
    parser.add_argument("--samples", type=int, nargs="+", default=[16384, 4096])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--name", default="bench_xla_loop")
    args = parser.parse_args()

    limit_threads(args.threads)
    import keras
    import tensorflow as tf
    from bench_training import MODELS, load_data, tensorflow_gemm_floor

    from sk_sparse_ae import SparseAutoencoderTransformer
    from sk_sparse_ae.training._loop import steps_function

    keras.utils.disable_interactive_logging()
    samples = dict(zip(args.models, args.samples, strict=True))
    X_all = load_data(max(samples.values()), False)
    rows = []
    for model_name in args.models:
        X = np.ascontiguousarray(X_all[: samples[model_name]])
        data = tf.constant(X)
        order = tf.constant(np.arange(len(X), dtype=np.int64))
        for batch_size in args.batch_sizes:
            n_steps = len(X) // batch_size

            def fitted_model(jit_compile, batch_size=batch_size, X=X, name=model_name):
                return (
                    SparseAutoencoderTransformer(
                        **MODELS[name],
                        batch_size=batch_size,
                        epochs=1,
                        random_state=0,
                        jit_compile=jit_compile,
                    )
                    .fit(X)
                    .model_
                )

            loops = {
                "no XLA": steps_function(fitted_model(False), X.shape[1], batch_size),
                "XLA per step (before)": per_step_xla_loop(
                    fitted_model(False), batch_size, X.shape[1]
                ),
                "XLA whole loop (now)": steps_function(
                    fitted_model(True), X.shape[1], batch_size
                ),
            }
            call_args = (
                data,
                order,
                tf.constant(0, tf.int64),
                tf.constant(n_steps, tf.int64),
            )
            for run in loops.values():
                float(run(*call_args)["loss"])  # trace and compile
            times = {name: [] for name in loops}
            for _ in range(args.repeats):
                for name, run in loops.items():
                    start = time.perf_counter()
                    float(run(*call_args)["loss"])
                    times[name].append((time.perf_counter() - start) / n_steps)
            floor = tensorflow_gemm_floor(
                MODELS[model_name], batch_size, X.shape[1], batch_size
            )
            reference = median(times["XLA per step (before)"])
            for name, seconds in times.items():
                rows.append(
                    [
                        model_name,
                        batch_size,
                        name,
                        median(seconds) * 1e3,
                        min(seconds) * 1e3,
                        median(seconds) / reference,
                        median(seconds) / floor,
                    ]
                )
            print(f"done: {model_name} batch {batch_size}", flush=True)

    write_results(
        args.name,
        title="XLA over the whole loop against XLA per step: ms per training step",
        headers=[
            "model",
            "batch",
            "variant",
            "ms/step (median)",
            "ms/step (min)",
            "x XLA per step",
            "x GEMM floor",
        ],
        rows=rows,
        machine=machine_info(args.threads),
        settings=vars(args),
    )


if __name__ == "__main__":
    main()
