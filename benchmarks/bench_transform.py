"""Transform speed: time per call at 1, 32 and 10,000 rows, two model sizes.

Models (``--models``), each after one epoch (speed does not depend on how
well a model is trained):

- ``digits``: the default model (64-100-300) on scikit-learn's digits,
  scaled to [0, 1];
- ``book``: the book's model (784-100-300) on 10,000 Fashion-MNIST images.

Variants, interleaved round by round in one process:

- ``transform``: ``SparseAutoencoderTransformer.transform`` (up to 256 rows
  a NumPy forward pass of the encoder's weights, above that a Keras call);
- ``transform, code before issue 10``: the same path as it was before
  (``validate_data`` on every call, the weights copied out of Keras with
  ``keras.ops.convert_to_numpy`` on every call, BLAS limited per call),
  rebuilt here from the same fitted model, for a side-by-side ratio;
- ``keras encoder call``: ``encoder_(X, training=False)``, the Keras path;
- ``keras predict``: ``encoder_.predict(X)``;
- ``PCA`` and ``BernoulliRBM`` transforms with as many components (PCA: at
  most the number of features).

Each call is timed alone. The machine is shared, so the table gives the
minimum (the undisturbed cost), the median and the 90th percentile of the
calls' times; the targets of issue 10 (1 row <= 0.2 ms, 32 rows <= 0.4 ms)
are judged on the median. The last column is the largest difference between
``transform`` and the Keras call on the same rows.

    python benchmarks/bench_transform.py --threads 2
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import limit_threads, machine_info, write_results

TARGET_MS = {1: 0.2, 32: 0.4}


def interleaved_times(variants, rounds, seconds_per_round):
    """Each variant's call times, its calls run in turns of ~seconds_per_round."""
    times = {name: [] for name in variants}
    for fn in variants.values():
        fn()  # warm-up
    for _ in range(rounds):
        for name, fn in variants.items():
            start = time.perf_counter()
            while True:
                began = time.perf_counter()
                fn()
                ended = time.perf_counter()
                times[name].append(ended - began)
                if ended - start >= seconds_per_round:
                    break
    return times


def old_transform(sae):
    """``transform`` as it was before issue 10, on the same fitted model."""
    import keras
    from sklearn.utils.validation import check_is_fitted, validate_data
    from threadpoolctl import ThreadpoolController

    from sk_sparse_ae.autoencoder import _numpy_forward as numpy_forward
    from sk_sparse_ae.nn._options import flat_layers

    controller = ThreadpoolController()

    def transform(X):
        check_is_fitted(sae)
        X = validate_data(sae, X, dtype=[np.float32, np.float64], reset=False)
        stack = [
            (
                keras.ops.convert_to_numpy(layer.kernel),
                keras.ops.convert_to_numpy(layer.bias),
                numpy_forward._ACTIVATIONS[layer.activation],
            )
            for layer in flat_layers(sae.encoder_)
        ]
        out = X.astype(np.float32, copy=False)
        with controller.limit(limits=1, user_api="blas"):
            for kernel, bias, activation in stack:
                out = activation(out @ kernel + bias)
        return np.asarray(out, dtype=np.float32).astype(X.dtype, copy=False)

    return transform


def load_model_data(name):
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import MinMaxScaler

    from sk_sparse_ae.datasets import load_fashion_mnist

    if name == "digits":
        X = MinMaxScaler().fit_transform(load_digits().data).astype(np.float32)
        return X, X
    (X_train, _), (X_test, _) = load_fashion_mnist(flatten=True, as_float=True)
    return X_train[:10000], X_test


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["digits", "book"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 32, 10000])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds-per-round", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--name", default="bench_transform")
    args = parser.parse_args()

    limit_threads(args.threads)
    import keras
    from sklearn.decomposition import PCA
    from sklearn.neural_network import BernoulliRBM

    from sk_sparse_ae import SparseAutoencoderTransformer

    keras.utils.disable_interactive_logging()
    rows = []
    for model_name in args.models:
        X_fit, X_test = load_model_data(model_name)
        sae = SparseAutoencoderTransformer(epochs=1, random_state=0).fit(X_fit)
        n_components = sae.n_components_
        pca = PCA(n_components=min(n_components, X_fit.shape[1]), random_state=0)
        pca.fit(X_fit)
        rbm = BernoulliRBM(n_components=n_components, n_iter=1, random_state=0)
        rbm.fit(X_fit[:2000])

        def keras_call(X, sae=sae):
            return keras.ops.convert_to_numpy(sae.encoder_(X, training=False))

        variants = {
            "transform": sae.transform,
            "transform, code before issue 10": old_transform(sae),
            "keras encoder call": keras_call,
            "keras predict": lambda X, sae=sae: sae.encoder_.predict(X, verbose=0),
            "PCA": pca.transform,
            "BernoulliRBM": rbm.transform,
        }
        architecture = f"{X_fit.shape[1]}-100-{n_components}"
        for size in args.sizes:
            X = np.ascontiguousarray(np.resize(X_test, (size, X_test.shape[1])))
            gap = float(np.abs(sae.transform(X) - keras_call(X)).max())
            calls = {
                name: (lambda fn=fn, X=X: fn(X))
                for name, fn in variants.items()
                if size <= 256 or name != "transform, code before issue 10"
            }
            times = interleaved_times(calls, args.rounds, args.seconds_per_round)
            keras_median = np.median(times["keras encoder call"])
            for name, seconds in times.items():
                median = float(np.median(seconds))
                target = TARGET_MS.get(size) if name == "transform" else None
                rows.append(
                    [
                        f"{model_name} ({architecture})",
                        size,
                        name,
                        len(seconds),
                        1e3 * float(np.min(seconds)),
                        1e3 * median,
                        1e3 * float(np.percentile(seconds, 90)),
                        float(keras_median / median),
                        gap if name == "transform" else "",
                        ""
                        if target is None
                        else ("yes" if 1e3 * median <= target else "no"),
                    ]
                )
            print(f"{model_name}, {size} rows: done", flush=True)

    write_results(
        args.name,
        title="Transform: time per call (float32 input)",
        headers=[
            "model",
            "rows",
            "variant",
            "calls",
            "ms min",
            "ms median",
            "ms p90",
            "speed x keras call (median)",
            "max |transform - keras|",
            "median within target",
        ],
        rows=rows,
        machine=machine_info(args.threads),
        settings=vars(args),
        extra={"targets_ms_median": TARGET_MS},
    )


if __name__ == "__main__":
    main()
