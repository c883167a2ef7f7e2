"""Transform speed: rows per second at 1, 32 and 10,000 rows.

Variants, interleaved in one process:

- ``transform``: ``SparseAutoencoderTransformer.transform`` (up to 256 rows
  a NumPy forward pass of the encoder's weights, above that a Keras call);
- ``keras encoder call``: ``encoder_(X, training=False)``, the Keras path;
- ``keras predict``: ``encoder_.predict(X)``;
- ``PCA`` and ``BernoulliRBM`` transforms with as many components.

The autoencoder is the book's (784-100-300) after one epoch on 10,000
Fashion-MNIST images; speed does not depend on how well it is trained.
Each call is timed alone: rows/s is the row count over the median call time,
and the 90th percentile shows stalls from other jobs on the machine. The
last column is the largest difference between ``transform`` and the Keras
call on the same rows.

    python benchmarks/bench_transform.py
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import limit_threads, machine_info, write_results


def call_seconds(fn, min_seconds):
    """Median and 90th percentile of one call's time, over >= min_seconds."""
    fn()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < min_seconds or len(times) < 5:
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return float(np.median(times)), float(np.percentile(times, 90))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 32, 10000])
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--name", default="bench_transform")
    args = parser.parse_args()

    limit_threads(args.threads)
    import keras
    from sklearn.decomposition import PCA
    from sklearn.neural_network import BernoulliRBM

    from sk_sparse_ae import SparseAutoencoderTransformer
    from sk_sparse_ae.datasets import load_fashion_mnist

    keras.utils.disable_interactive_logging()
    (X_train, _), (X_test, _) = load_fashion_mnist(flatten=True, as_float=True)
    X_fit = X_train[:10000]
    sae = SparseAutoencoderTransformer(epochs=1, random_state=0).fit(X_fit)
    n_components = sae.n_components
    pca = PCA(n_components=n_components, random_state=0).fit(X_fit)
    rbm = BernoulliRBM(n_components=n_components, n_iter=1, random_state=0)
    rbm.fit(X_fit[:2000])

    def keras_call(X):
        return keras.ops.convert_to_numpy(sae.encoder_(X, training=False))

    variants = {
        "transform": sae.transform,
        "keras encoder call": keras_call,
        "keras predict": lambda X: sae.encoder_.predict(X, verbose=0),
        "PCA": pca.transform,
        "BernoulliRBM": rbm.transform,
    }
    rows = []
    for size in args.sizes:
        X = np.ascontiguousarray(X_test[:size])
        gap = float(np.abs(sae.transform(X) - keras_call(X)).max())
        times = {}
        for name, fn in variants.items():  # interleaved per size
            times[name] = call_seconds(lambda fn=fn, X=X: fn(X), args.min_seconds)
        keras_median = times["keras encoder call"][0]
        for name, (median_s, p90_s) in times.items():
            rows.append(
                [
                    size,
                    name,
                    size / median_s,
                    1e3 * median_s,
                    1e3 * p90_s,
                    keras_median / median_s,
                    gap if name == "transform" else "",
                ]
            )

    write_results(
        args.name,
        title="Transform: rows per second (Fashion-MNIST test images, float32)",
        headers=[
            "rows",
            "variant",
            "rows/s",
            "ms/call (median)",
            "ms/call (p90)",
            "speed x keras call",
            "max |transform - keras|",
        ],
        rows=rows,
        machine=machine_info(args.threads),
        settings=vars(args),
    )


if __name__ == "__main__":
    main()
