"""Few labels: features learned from all images, a classifier on a few labels.

Fashion-MNIST. Each extractor is fitted once, without labels, on all 60,000
training images; ``LogisticRegression(max_iter=300)`` is then trained on
100, 1,000 and 10,000 labelled images (balanced: the same number per class,
``--draws`` random draws per size, the same draws for every extractor) and
scored on the 10,000 test images. Rows: raw pixels, PCA(300), and the TopK
features (``sk_sparse_ae.experiments.FEATURES_SETTINGS``, the documented line).

    python benchmarks/label_efficiency.py --threads 2 [--quick]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import limit_threads, machine_info, write_results

LABELS = (100, 1_000, 10_000)


def balanced_draw(y, n_labels, rng):
    """Indices of ``n_labels`` samples, ``n_labels / n_classes`` per class."""
    classes = np.unique(y)
    per_class = n_labels // len(classes)
    return np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in classes]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="10,000 images, 1 epoch")
    args = parser.parse_args()
    limit_threads(args.threads)

    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression

    from sk_sparse_ae import SparseAutoencoderTransformer
    from sk_sparse_ae.datasets import load_fashion_mnist
    from sk_sparse_ae.experiments import FEATURES_SETTINGS

    (X_train, y_train), (X_test, y_test) = load_fashion_mnist()
    X_train = X_train.reshape(len(X_train), -1).astype(np.float32) / 255
    X_test = X_test.reshape(len(X_test), -1).astype(np.float32) / 255
    epochs = args.epochs
    if args.quick:
        X_train, y_train, epochs = X_train[:10_000], y_train[:10_000], 1

    extractors = {
        "raw pixels": None,
        "PCA(300)": PCA(300, random_state=0),
        "TopK features (2000, k=100)": SparseAutoencoderTransformer(
            **FEATURES_SETTINGS, epochs=epochs, random_state=0
        ),
    }
    rng = np.random.default_rng(0)
    draws = {
        n: [balanced_draw(y_train, n, rng) for _ in range(args.draws)] for n in LABELS
    }

    rows, runs = [], {}
    for name, extractor in extractors.items():
        start = time.perf_counter()
        if extractor is None:
            F_train, F_test = X_train, X_test
        else:
            F_train = extractor.fit(X_train).transform(X_train)
            F_test = extractor.transform(X_test)
        fit_seconds = time.perf_counter() - start
        accuracies = {}
        for n, samples in draws.items():
            accuracies[n] = [
                LogisticRegression(max_iter=300)
                .fit(F_train[idx], y_train[idx])
                .score(F_test, y_test)
                for idx in samples
            ]
        runs[name] = {"fit_seconds": fit_seconds, "accuracies": accuracies}
        rows.append(
            [name]
            + [
                f"{100 * np.mean(a):.2f} ± {100 * np.std(a):.2f}"
                for a in accuracies.values()
            ]
            + [round(fit_seconds, 1)]
        )
        print(rows[-1], flush=True)

    write_results(
        "label_efficiency",
        title="Fashion-MNIST test accuracy (%) with few labels",
        headers=["features", *(f"{n:,} labels" for n in LABELS), "extractor fit (s)"],
        rows=rows,
        machine=machine_info(args.threads),
        settings={
            "n_unlabelled": len(X_train),
            "epochs": epochs,
            "draws": args.draws,
            "classifier": "LogisticRegression(max_iter=300)",
        },
        extra={"runs": runs},
    )


if __name__ == "__main__":
    main()
