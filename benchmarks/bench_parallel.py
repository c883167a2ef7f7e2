"""GridSearchCV wall time: n_jobs=1 vs n_jobs=2 (loky), with and without the cap.

Each variant runs in a fresh Python process (TensorFlow fixes its thread pools
once per process), in the order given by ``--repeats`` rounds of
``n_jobs=1 / n_jobs=2 capped / n_jobs=2 uncapped``, so the ratios compare
runs made side by side:

- ``n_jobs=1``: one process; TensorFlow's default pools (one thread per core).
- ``n_jobs=2, capped``: two loky workers; joblib gives each
  ``OMP_NUM_THREADS=cpu_count // 2`` and ``fit`` sizes TensorFlow's pools
  to it (``sk_sparse_ae._tf.threads``).
- ``n_jobs=2, uncapped``: the same, with ``TF_NUM_INTRAOP_THREADS`` and
  ``TF_NUM_INTEROP_THREADS`` set to the core count, i.e. TensorFlow's own
  default, which the cap then leaves alone: each worker runs pools as large
  as the whole machine.

Writes ``benchmarks/results/bench_parallel{,_fashion}.{json,md}`` (``--workload``,
``--output-dir``).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, format_table, machine_info, write_files

VARIANTS = ["n_jobs=1", "n_jobs=2, capped", "n_jobs=2, uncapped"]


def probe_worker():
    """What TensorFlow's pools are in the process this runs in."""
    import psutil
    import tensorflow as tf

    return {
        "pid": os.getpid(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "TF_NUM_INTRAOP_THREADS": os.environ.get("TF_NUM_INTRAOP_THREADS"),
        "tf_intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "tf_inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        "os_threads": psutil.Process().num_threads(),
    }


def import_package():
    import sk_sparse_ae  # noqa: F401

    return worker_cpu_seconds()


def worker_cpu_seconds():
    """``(pid, user + system CPU seconds)`` of the process this runs in."""
    times = os.times()
    return os.getpid(), times.user + times.system


def child(variant, epochs, workload):
    import joblib
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV
    from sklearn.preprocessing import MinMaxScaler

    from sk_sparse_ae import SparseAutoencoderTransformer

    if workload == "digits":
        X = MinMaxScaler().fit_transform(load_digits().data)
        estimator = SparseAutoencoderTransformer(
            n_components=32, hidden_layer_sizes=(64,), epochs=epochs, random_state=0
        )
    else:  # the book's model, on 6,000 Fashion-MNIST images, larger batches
        from sk_sparse_ae import load_fashion_mnist

        (X, _), _ = load_fashion_mnist(flatten=True, as_float=True)
        X = X[:6000]
        estimator = SparseAutoencoderTransformer(
            batch_size=256, epochs=epochs, random_state=0
        )
    n_jobs = 1 if variant == "n_jobs=1" else 2
    search = GridSearchCV(
        estimator,
        {"sparsity_weight": [1e-4, 1e-3, 1e-2, 1e-1]},
        cv=3,
        n_jobs=n_jobs,
        refit=False,
    )
    # Start the workers and import the package there first (this does not
    # start TensorFlow's runtime), so that wall_s is the search alone.
    start = time.perf_counter()
    cpu_at_start = dict(
        joblib.Parallel(n_jobs=n_jobs)(
            joblib.delayed(import_package)() for _ in range(4 * n_jobs)
        )
    )
    startup = time.perf_counter() - start
    cpu_before = os.times()
    start = time.perf_counter()
    search.fit(X)
    wall = time.perf_counter() - start
    cpu_after = os.times()
    # The same loky executor is reused, so these report the search's workers.
    cpu_at_end = dict(
        joblib.Parallel(n_jobs=n_jobs)(
            joblib.delayed(worker_cpu_seconds)() for _ in range(4 * n_jobs)
        )
    )
    worker_cpu = sum(cpu_at_end[pid] - cpu_at_start.get(pid, 0.0) for pid in cpu_at_end)
    workers = joblib.Parallel(n_jobs=n_jobs)(
        joblib.delayed(probe_worker)() for _ in range(2 * n_jobs)
    )
    cpu = sum(
        getattr(cpu_after, f) - getattr(cpu_before, f)
        for f in ("user", "system", "children_user", "children_system")
    )
    json.dump(
        {
            "wall_s": wall,
            "worker_startup_s": startup,
            # CPU seconds of all processes that ran fits (the workers, or the
            # main process for n_jobs=1) during the search.
            "fit_cpu_s": worker_cpu if n_jobs > 1 else cpu,
            "cpu_s_main_process": cpu,
            "scores": search.cv_results_["mean_test_score"].tolist(),
            "workers": {w["pid"]: w for w in workers},
        },
        sys.stdout,
    )


def run_variant(variant, epochs, workload):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("TF_NUM_INTRAOP_THREADS", None)
    env.pop("TF_NUM_INTEROP_THREADS", None)
    if variant == "n_jobs=2, uncapped":
        env["TF_NUM_INTRAOP_THREADS"] = env["TF_NUM_INTEROP_THREADS"] = str(
            os.cpu_count()
        )
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            variant,
            "--epochs",
            str(epochs),
            "--workload",
            workload,
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out[out.index("{") :])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument(
        "--workload",
        choices=["digits", "fashion"],
        default="digits",
        help="digits: 64-32 model on load_digits; fashion: the book's "
        "784-100-300 model, batch 256, on 6,000 Fashion-MNIST images",
    )
    parser.add_argument(
        "--output-dir", type=Path, default=RESULTS, help="default: benchmarks/results"
    )
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.epochs, args.workload)

    runs = {v: [] for v in VARIANTS}
    for repeat in range(args.repeats):
        for variant in VARIANTS:
            result = run_variant(variant, args.epochs, args.workload)
            runs[variant].append(result)
            print(f"round {repeat + 1} {variant}: {result['wall_s']:.2f} s", flush=True)

    base = statistics.median(r["wall_s"] for r in runs["n_jobs=1"])
    reference_scores = runs["n_jobs=1"][0]["scores"]
    rows = []
    for variant in VARIANTS:
        walls = [r["wall_s"] for r in runs[variant]]
        workers = list(runs[variant][-1]["workers"].values())
        rows.append(
            {
                "variant": variant,
                "wall_s_median": statistics.median(walls),
                "wall_s_all": walls,
                "fit_cpu_s_median": statistics.median(
                    r["fit_cpu_s"] for r in runs[variant]
                ),
                "worker_startup_s_median": statistics.median(
                    r["worker_startup_s"] for r in runs[variant]
                ),
                "speedup_vs_n_jobs_1": base / statistics.median(walls),
                "tf_intra_inter_in_workers": sorted(
                    {(w["tf_intra_op"], w["tf_inter_op"]) for w in workers}
                ),
                "OMP_NUM_THREADS_in_workers": sorted(
                    {str(w["OMP_NUM_THREADS"]) for w in workers}
                ),
                "max_abs_score_diff_vs_n_jobs_1": max(
                    abs(a - b)
                    for r in runs[variant]
                    for a, b in zip(r["scores"], reference_scores, strict=True)
                ),
            }
        )
    write(rows, args)


def write(rows, args):
    headers = [
        "variant",
        "search wall s, median (all)",
        "speedup vs n_jobs=1",
        "CPU s of the fits (median)",
        "worker start s",
        "TF pools in workers",
    ]
    table = format_table(
        headers,
        [
            [
                r["variant"],
                f"{r['wall_s_median']:.2f} "
                f"({', '.join(f'{w:.2f}' for w in r['wall_s_all'])})",
                f"{r['speedup_vs_n_jobs_1']:.2f}",
                f"{r['fit_cpu_s_median']:.1f}",
                f"{r['worker_startup_s_median']:.2f}",
                f"intra/inter {r['tf_intra_inter_in_workers']}",
            ]
            for r in rows
        ],
    )
    print(table)
    # No thread limit in this process: the variants set their own.
    machine = machine_info(
        None,
        note="Other jobs may have shared this machine while it ran; "
        "variants were interleaved round by round to compare them fairly.",
    )
    model = {
        "digits": "SparseAutoencoderTransformer(n_components=32, "
        "hidden_layer_sizes=(64,), random_state=0) on load_digits (1797 x 64, "
        "MinMaxScaler)",
        "fashion": "SparseAutoencoderTransformer(batch_size=256, random_state=0) "
        "(784-100-300) on the first 6000 Fashion-MNIST training images",
    }[args.workload]
    settings = {
        "search": f"GridSearchCV({model}, 4 sparsity weights, cv=3, refit=False)",
        "epochs": args.epochs,
        "repeats": args.repeats,
        "tf_pools_note": "0 means TensorFlow's default (sized to the cores)",
    }
    record = {"settings": settings, "machine": machine, "rows": rows}
    name = "bench_parallel" + ("" if args.workload == "digits" else "_fashion")
    md = [
        "# GridSearchCV: n_jobs=1 vs n_jobs=2 (loky)",
        "",
        table,
        "",
        f"- settings: {json.dumps(settings)}",
        f"- machine: {json.dumps(machine)}",
        f"- rerun: `python benchmarks/bench_parallel.py --workload {args.workload}`",
        "",
    ]
    write_files(name, record, "\n".join(md), args.output_dir)


if __name__ == "__main__":
    main()
