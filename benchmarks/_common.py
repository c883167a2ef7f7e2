"""Shared helpers of the benchmarks: thread limits, machine info, result files.

Nothing here imports Keras at import time: the Keras backend is fixed by the
``KERAS_BACKEND`` environment variable before Keras's first import, and
``bench_backends.py`` runs each backend in its own subprocess.
"""

import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


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


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist):
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_info(n_threads):
    """What ran the benchmark, including the load from other jobs."""
    return {
        "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "threads_used": n_threads,
        "load_average_1_5_15_min": list(os.getloadavg()),
        "note": (
            "The machine may have been shared with other jobs while this ran; "
            "compare ratios of variants interleaved in the same run, not "
            "absolute times across runs."
        ),
        "python": sys.version.split()[0],
        "keras_backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "versions": {
            d: _version(d)
            for d in (
                "numpy",
                "scikit-learn",
                "keras",
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


def format_table(headers, rows):
    """A Markdown table; floats with 4 significant digits."""

    def cell(value):
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(name, *, title, headers, rows, machine, settings, extra=None):
    """Print the table and write ``results/<name>.json`` and ``.md``."""
    table = format_table(headers, rows)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    record = {
        "benchmark": name,
        "settings": settings,
        "machine": machine,
        "headers": headers,
        "rows": rows,
        **(extra or {}),
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
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
    (RESULTS / f"{name}.md").write_text("\n".join(md))
    print(f"\nwrote {RESULTS / name}.json and .md")


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
