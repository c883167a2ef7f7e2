"""Sparse input: peak memory and time of one epoch on a wide CSR matrix.

A random CSR matrix (``--rows`` x ``--cols``, ``--nnz`` non-zeros, column
frequencies following a power law as word counts do, values like sublinear
TF-IDF weights; a memory and time benchmark, not a corpus) trains one epoch
of a TopK model. Each variant runs in a fresh process, so that its peak
resident memory (VmHWM) is its own: the figure reported is the peak minus the
resident memory once the matrix is built, i.e. what training adds beyond the
matrix. ``--dense-too`` also trains on the same matrix densified, where it
fits in memory, for the time ratio.

    python benchmarks/bench_sparse_input.py --threads 2
    python benchmarks/bench_sparse_input.py --rows 20000 --cols 10000 \\
        --nnz 1000000 --dense-too --name bench_sparse_input_small
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_info, reset_peak_rss, status_kb, write_results

MiB = 2**20


def make_matrix(rows, cols, nnz, seed=0):
    """A CSR float32 matrix with power-law column frequencies."""
    import numpy as np
    import scipy.sparse

    rng = np.random.default_rng(seed)
    column_weights = 1.0 / np.arange(1, cols + 1)
    column_weights /= column_weights.sum()
    row_ids = rng.integers(0, rows, size=nnz)
    col_ids = rng.choice(cols, size=nnz, p=column_weights)
    values = (1 + np.log(rng.integers(1, 20, size=nnz))).astype(np.float32)
    X = scipy.sparse.csr_matrix((values, (row_ids, col_ids)), shape=(rows, cols))
    X.sum_duplicates()
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return scipy.sparse.csr_matrix(scipy.sparse.diags(1 / norms) @ X, dtype=np.float32)


def run_variant(args):
    """In this process: build the matrix, train one epoch; print a JSON line."""
    import time

    from _common import limit_threads

    limit_threads(args.threads)
    X = make_matrix(args.rows, args.cols, args.nnz)
    if args.variant == "dense":
        X = X.toarray()
    from sk_sparse_ae import SparseAutoencoderTransformer

    sae = SparseAutoencoderTransformer(
        sparsity="topk",
        n_components=args.n_components,
        hidden_layer_sizes=(),
        k=args.k,
        optimizer="adam",
        learning_rate=1e-3,
        loss="squared_error",
        batch_size=args.batch_size,
        epochs=1,
        random_state=0,
    )
    reset_peak_rss()
    before = status_kb("VmRSS") * 1024
    start = time.perf_counter()
    sae.fit(X)
    seconds = time.perf_counter() - start
    peak = status_kb("VmHWM") * 1024
    matrix_bytes = (
        X.nbytes if args.variant == "dense" else X.data.nbytes + X.indices.nbytes
    ) + (0 if args.variant == "dense" else X.indptr.nbytes)
    print(
        "RESULT "
        + json.dumps(
            {
                "variant": args.variant,
                "seconds": seconds,
                "matrix_MiB": matrix_bytes / MiB,
                "rss_with_matrix_MiB": before / MiB,
                "peak_rise_MiB": (peak - before) / MiB,
                "n_weights": int(sum(w.size for w in sae.model_.get_weights())),
            }
        ),
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--cols", type=int, default=100_000)
    parser.add_argument("--nnz", type=int, default=10_000_000)
    parser.add_argument("--n-components", type=int, default=256)
    parser.add_argument("--k", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--dense-too", action="store_true")
    parser.add_argument("--name", default="bench_sparse_input")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        return run_variant(args)

    rows = []
    for variant in ["sparse", "dense"] if args.dense_too else ["sparse"]:
        command = [sys.executable, __file__, *sys.argv[1:], "--variant", variant]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
        rows.append(json.loads(line[len("RESULT ") :]))
    if len(rows) == 2:
        rows[1]["time_vs_sparse"] = rows[1]["seconds"] / rows[0]["seconds"]
    headers = [
        "input",
        "epoch (s)",
        "matrix (MiB)",
        "peak beyond the matrix (MiB)",
        "weights",
    ]
    table = [
        [
            r["variant"],
            r["seconds"],
            r["matrix_MiB"],
            r["peak_rise_MiB"],
            r["n_weights"],
        ]
        for r in rows
    ]
    write_results(
        args.name,
        title=(
            f"One epoch on a {args.rows:,} x {args.cols:,} CSR matrix with "
            f"{args.nnz:,} non-zeros"
        ),
        headers=headers,
        rows=table,
        machine=machine_info(args.threads),
        settings={
            k: getattr(args, k)
            for k in ("rows", "cols", "nnz", "n_components", "k", "batch_size")
        },
        extra={"runs": rows},
    )


if __name__ == "__main__":
    main()
