"""The features line on scikit-learn's digits: does it beat raw pixels?

``make_pipeline(MinMaxScaler(), <features>, LogisticRegression(max_iter=2000))``
under 5-fold stratified cross-validation on all 1,797 digits, where
``<features>`` is ``"passthrough"`` (raw pixels) or the features model of
``experiments.FEATURES_SETTINGS`` (2,000 ReLU TopK units, ``k=100``,
``random_state=0``). Two splits: ``StratifiedKFold(5)`` in the file's order
(scikit-learn's default for ``cv=5``; the digits are grouped by writer, so
folds hold unseen writers) and ``StratifiedKFold(5, shuffle=True,
random_state=0)``. The same folds for both pipelines.

    python benchmarks/downstream_digits.py --threads 2   # ~3 min

Writes ``benchmarks/results/downstream_digits.{json,md}``.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, format_table, limit_threads, machine_info, write_files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output-dir", type=Path, default=RESULTS)
    args = parser.parse_args()
    limit_threads(args.threads)

    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    from sk_sparse_ae import SparseAutoencoderTransformer
    from sk_sparse_ae.experiments import FEATURES_SETTINGS

    X, y = load_digits(return_X_y=True)
    features = {
        "raw pixels": "passthrough",
        "features model": SparseAutoencoderTransformer(
            **FEATURES_SETTINGS, random_state=0
        ),
    }
    splits = {
        "StratifiedKFold(5)": StratifiedKFold(5),
        "StratifiedKFold(5, shuffle=True)": StratifiedKFold(
            5, shuffle=True, random_state=0
        ),
    }
    headers = ["folds", "features", "mean accuracy", "std", "fold accuracies", "s"]
    rows = []
    for split_name, cv in splits.items():
        for name, step in features.items():
            pipe = make_pipeline(
                MinMaxScaler(), step, LogisticRegression(max_iter=2000)
            )
            start = time.perf_counter()
            scores = cross_val_score(pipe, X, y, cv=cv)
            seconds = time.perf_counter() - start
            rows.append(
                [
                    split_name,
                    name,
                    round(float(np.mean(scores)), 4),
                    round(float(np.std(scores)), 4),
                    " ".join(f"{s:.4f}" for s in scores),
                    round(seconds, 1),
                ]
            )
            print(rows[-1], flush=True)
    machine = machine_info(args.threads)
    text = "\n".join(
        [
            "# The features line on the digits (5-fold stratified CV)",
            "",
            format_table(headers, rows, float_format=""),
            "",
            f"machine: {machine}",
        ]
    )
    print(text)
    record = {"settings": {"threads": args.threads}, "machine": machine}
    record["results"] = {"headers": headers, "rows": rows}
    write_files("downstream_digits", record, text + "\n", args.output_dir)


if __name__ == "__main__":
    main()
