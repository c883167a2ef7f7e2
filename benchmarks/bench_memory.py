"""Peak memory of fit, transform and score on 60,000 x 784 float64 input.

For each of ``fit`` (1 epoch), ``transform`` and ``score`` this records, in the same
process and after a warm-up fit that starts TensorFlow's runtime:

- the peak resident set size (``VmHWM``, reset before each step through
  ``/proc/self/clear_refs``) and its rise over the resident size before the
  step, in MiB and in units of the input's size (359 MiB);
- the resident size the step left behind, after ``gc.collect()`` (for
  ``transform``: its result);
- the peak of memory traced by ``tracemalloc``, which sees NumPy's
  allocations (not TensorFlow's), in units of the input's size, and each
  allocation of at least a quarter of the input's size still held at that
  peak (file:line and size), to count the full-size copies.

A float32 copy of the input is 0.5 input-sizes. Linux only (``/proc``).
Writes ``benchmarks/results/bench_memory.{json,md}`` (``--output-dir``, ``--output``).
"""

import argparse
import gc
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    RESULTS,
    format_table,
    limit_threads,
    machine_info,
    reset_peak_rss,
    status_kb,
    write_files,
)

MiB = 2**20


def measure(step, input_bytes):
    """Run ``step()``; return its memory figures."""
    reset_peak_rss()
    rss_before = status_kb("VmRSS") * 1024
    tracemalloc.start(1)
    tracemalloc.reset_peak()
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_rss = status_kb("VmHWM") * 1024
    gc.collect()
    rss_after = status_kb("VmRSS") * 1024
    return result, {
        "seconds": seconds,
        "rss_before_MiB": rss_before / MiB,
        "peak_rss_MiB": peak_rss / MiB,
        "peak_rss_rise_MiB": (peak_rss - rss_before) / MiB,
        "peak_rss_rise_in_input_sizes": (peak_rss - rss_before) / input_bytes,
        "numpy_traced_peak_in_input_sizes": traced_peak / input_bytes,
        # What the step left allocated (its result included), after gc.
        "rss_kept_after_step_MiB": (rss_after - rss_before) / MiB,
    }


def large_blocks_during_training(input_bytes):
    """A Keras callback listing NumPy blocks >= input/4 alive at the first step.

    Everything ``fit`` holds while it trains exists by then; tracemalloc sees
    NumPy's allocations with the line that made them.
    """
    import keras

    class Snapshot(keras.callbacks.Callback):
        blocks = []

        def on_train_batch_end(self, batch, logs=None):
            if batch or not tracemalloc.is_tracing() or self.blocks:
                return
            for stat in tracemalloc.take_snapshot().statistics("lineno"):
                if stat.size >= input_bytes / 4:
                    frame = stat.traceback[0]
                    where = f"{Path(frame.filename).name}:{frame.lineno}"
                    self.blocks.append([where, round(stat.size / MiB, 1)])

    return Snapshot()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--n-samples", type=int, default=60_000)
    parser.add_argument(
        "--output", default="bench_memory", help="<output-dir>/<output>.json and .md"
    )
    parser.add_argument(
        "--output-dir", type=Path, default=RESULTS, help="default: benchmarks/results"
    )
    parser.add_argument("--label", default="", help="what code this measured")
    args = parser.parse_args()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    limit_threads(args.threads)

    from sk_sparse_ae import SparseAutoencoderTransformer

    X = np.random.default_rng(0).random((args.n_samples, 784))  # float64, [0, 1)
    input_bytes = X.nbytes
    params = dict(epochs=1, random_state=0)  # the book's model, 1 epoch
    SparseAutoencoderTransformer(**params).fit(X[:256]).transform(X[:256])

    import keras

    snapshot = large_blocks_during_training(input_bytes)
    original_fit = keras.Model.fit

    def fit_with_snapshot(self, *args, callbacks=None, **kwargs):
        callbacks = [*(callbacks or []), snapshot]
        return original_fit(self, *args, callbacks=callbacks, **kwargs)

    keras.Model.fit = fit_with_snapshot
    sae = SparseAutoencoderTransformer(**params)
    _, fit_figures = measure(lambda: sae.fit(X), input_bytes)
    keras.Model.fit = original_fit
    fit_figures["numpy_blocks_held_while_training_MiB"] = snapshot.blocks
    codings, transform_figures = measure(lambda: sae.transform(X), input_bytes)
    output_bytes = codings.nbytes
    del codings
    _, score_figures = measure(lambda: sae.score(X), input_bytes)

    rows = []
    for name, figures in [
        ("fit", fit_figures),
        ("transform", transform_figures),
        ("score", score_figures),
    ]:
        rows.append({"step": name, **figures})
    report(rows, args, input_bytes, output_bytes)


def report(rows, args, input_bytes, output_bytes):
    headers = [
        "step",
        "seconds",
        "peak RSS MiB",
        "peak RSS rise MiB",
        "rise / input size",
        "NumPy traced peak / input size",
        "RSS kept after step MiB",
    ]
    keys = [
        "step",
        "seconds",
        "peak_rss_MiB",
        "peak_rss_rise_MiB",
        "peak_rss_rise_in_input_sizes",
        "numpy_traced_peak_in_input_sizes",
        "rss_kept_after_step_MiB",
    ]
    table = [format_table(headers, [[r[k] for k in keys] for r in rows], ".3g")]
    print(table[0])
    blocks = rows[0]["numpy_blocks_held_while_training_MiB"]
    table += ["", f"NumPy blocks >= input/4 held while fit trains: {blocks}"]
    print(table[-1])
    machine = machine_info(
        args.threads,
        note="Other jobs may have shared this machine while it ran "
        "(times only; memory figures are this process's own).",
    )
    settings = {
        "label": args.label,
        "input": f"{args.n_samples} x 784 float64, uniform [0, 1)",
        "input_MiB": input_bytes / MiB,
        "output_MiB": output_bytes / MiB,
        "estimator": "SparseAutoencoderTransformer(epochs=1, random_state=0), "
        "otherwise the defaults (784-100-300-100-784)",
    }
    record = {"settings": settings, "machine": machine, "rows": rows}
    md = [
        "# Peak memory of fit, transform and score",
        "",
        *table,
        "",
        f"- settings: {json.dumps(settings)}",
        f"- machine: {json.dumps(machine)}",
        "- rerun: `python benchmarks/bench_memory.py`",
        "",
    ]
    write_files(args.output, record, "\n".join(md), args.output_dir)


if __name__ == "__main__":
    main()
