"""Shared helpers of the benchmarks: thread limits, machine info, result files.

Nothing here imports Keras at import time: the Keras backend is fixed by the
``KERAS_BACKEND`` environment variable before Keras's first import, and
``bench_backends.py`` runs each backend in its own subprocess.
"""

import json
import os
import statistics
import time
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def status_kb(field):
    """A ``/proc/self/status`` field in kB (``"VmRSS"``, ``"VmHWM"``: Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss():
    """Start ``VmHWM``, the peak resident size, over from the current size."""
    Path("/proc/self/clear_refs").write_text("5")


def limit_threads(n_threads):
    """Use ``n_threads`` for BLAS and for the active Keras backend's kernels.

    Call before the backend runs anything (TensorFlow refuses changes later).
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(n_threads)
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(n_threads)
        tf.config.threading.set_inter_op_parallelism_threads(n_threads)
    elif backend == "torch":
        import torch

        torch.set_num_threads(n_threads)
    # JAX has no runtime setting; XLA's CPU client sizes its pool to the
    # visible cores (this machine's 2), recorded in machine_info().


def _version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


BENCHMARK_NOTE = (
    "The machine may have been shared with other jobs while this ran; "
    "compare ratios of variants interleaved in the same run, not "
    "absolute times across runs."
)


def machine_info(n_threads, note=BENCHMARK_NOTE):
    """What ran the benchmark, including the load from other jobs.

    The package's ``sk_sparse_ae.experiments.machine_info`` (what
    ``sk-sparse-ae reproduce`` records), plus what benchmarks compare runs
    by: the load average, the Keras backend and the installed versions.
    Imports Keras and TensorFlow, so call it once the backend has run.
    """
    from sk_sparse_ae.experiments._machine import machine_info as package_machine_info

    return {
        **package_machine_info(n_threads),
        "cores": os.cpu_count(),
        "threads_used": n_threads,
        "load_average_1_5_15_min": list(os.getloadavg()),
        "note": note,
        "keras_backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "versions": {
            d: _version(d)
            for d in (
                "numpy",
                "scikit-learn",
                "keras",
                "tensorflow",
                "tensorflow-cpu",
                "jax",
                "torch",
            )
            if _version(d)
        },
    }


def timed(fn):
    """``(seconds, result)`` of one call."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median(values):
    return statistics.median(values)


def format_table(headers, rows, float_format=".4g"):
    """A Markdown table; floats formatted with ``float_format`` (4 significant
    digits by default; ``""`` prints them as ``str`` does)."""

    def cell(value):
        if isinstance(value, float):
            return format(value, float_format)
        return str(value)

    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_files(name, record, markdown, output_dir=RESULTS):
    """Write ``record`` to ``<output_dir>/<name>.json`` and ``markdown`` to ``.md``."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    (output_dir / f"{name}.md").write_text(markdown)
    return output_dir / name


def write_results(
    name, *, title, headers, rows, machine, settings, extra=None, output_dir=RESULTS
):
    """Print the table and write ``<output_dir>/<name>.json`` and ``.md``."""
    table = format_table(headers, rows)
    print(table)
    record = {
        "benchmark": name,
        "settings": settings,
        "machine": machine,
        "headers": headers,
        "rows": rows,
        **(extra or {}),
    }
    load = ", ".join(f"{x:.2f}" for x in machine["load_average_1_5_15_min"])
    md = [
        f"# {title}",
        "",
        table,
        "",
        f"- machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['threads_used']} threads used, load average {load} "
        f"(1/5/15 min) at the end of the run",
        f"- {machine['note']}",
        f"- {machine['date_utc']}, Python {machine['python']}, "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()),
        f"- settings: `{json.dumps(settings)}`",
        f"- rerun: `python benchmarks/{name}.py` (see `--help`)",
        "",
    ]
    path = write_files(name, record, "\n".join(md), output_dir)
    print(f"\nwrote {path}.json and .md")


class EpochClock:
    """Times every Keras epoch run while active (a context manager).

    Patches ``keras.callbacks.CallbackList``, which every ``Model.fit`` calls
    at the start and end of each epoch, so that the estimator and plain Keras
    are timed by the same mechanism. ``ends`` holds the end-of-epoch times,
    ``durations`` each epoch's seconds from its start to its end (the first
    epoch of a new model includes tracing the train step).
    """

    def __enter__(self):
        import keras

        cls = keras.callbacks.CallbackList
        self._originals = cls.on_epoch_begin, cls.on_epoch_end
        begin, end = self._originals
        self.start, self.ends, self.durations = time.perf_counter(), [], []
        self._began = None
        clock = self

        def on_epoch_begin(callbacks, epoch, logs=None):
            clock._began = time.perf_counter()
            return begin(callbacks, epoch, logs)

        def on_epoch_end(callbacks, epoch, logs=None):
            now = time.perf_counter()
            clock.ends.append(now)
            clock.durations.append(now - clock._began)
            return end(callbacks, epoch, logs)

        cls.on_epoch_begin, cls.on_epoch_end = on_epoch_begin, on_epoch_end
        return self

    def __exit__(self, *exc_info):
        import keras

        cls = keras.callbacks.CallbackList
        cls.on_epoch_begin, cls.on_epoch_end = self._originals

    def steady_epoch_seconds(self):
        """Median end-to-end epoch time, leaving out the first (tracing) epoch."""
        import numpy as np

        per_epoch = np.diff([self.start, *self.ends])
        return float(np.median(per_epoch[1:])) if len(per_epoch) > 1 else float("nan")
