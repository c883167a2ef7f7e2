"""Training speed: the estimator, raw Keras, a PyTorch loop and the GEMM floor.

Two models, each at batch 32 and 256, every variant in one process and
interleaved repeat by repeat:

- ``kl``: the book's model, 784-100-300-100-784, SELU, sigmoid codings with
  the KL penalty (weight 1e-3, target 0.1), sigmoid output, binary
  cross-entropy, SGD 1.0;
- ``topk``: the features model, 784 -> 2000 coding units keeping the top 100
  through ReLU -> 784 (linear), no hidden layer, squared error, Adam 1e-3;
  the estimator and raw Keras train the same ``TopKAutoencoder`` (input
  centring, dead-unit counter, AuxK loss at its defaults), the PyTorch loop
  the same layers without the counter and AuxK.

Variants:

- ``estimator``: ``SparseAutoencoderTransformer.fit`` (each epoch one
  compiled loop, ``sk_sparse_ae/training/_loop.py``); ``jit_compile=True``: that
  loop compiled with XLA as one program; ``Keras's cross-entropy`` (``kl``
  only): compiled with Keras's ``"binary_crossentropy"`` instead of
  ``sk_sparse_ae.nn.SigmoidCrossEntropy``, as before that class;
  ``auxk_weight=0`` (``topk`` only): without the AuxK loss, whose products
  over the dead units' rows the GEMM floor does not count;
- ``raw keras``: the identical Keras model (``sk_sparse_ae.nn._builder``) with
  Keras's own optimizer, plain ``model.fit(X, X, shuffle=True)``; ``+ XLA``:
  compiled with ``jit_compile=True``;
- ``pytorch loop``: the same model written in PyTorch (same shapes,
  activations, loss, penalty, optimizer; Glorot-uniform weights), a
  hand-written loop of index-gathered batches; only if ``torch`` is
  installed (``pip install "torch==2.13.0"``);
- the GEMM floor: the matrix products of one training step alone (forward,
  weight gradient, and input gradient of every layer but the first, real
  shapes) in one TensorFlow graph loop (oneDNN's kernels; and compiled with
  XLA, its own) and in PyTorch; "x floor" divides by the fastest;
- the optimizer update alone: the fused kernel per variable the estimator
  runs (``sk_sparse_ae.nn._optimizers``), once per step over every weight; the
  same cost at any batch size, a part of every step that no GEMM counts.

Seconds per epoch are steady state: the median of the epochs after the first
(which traces or compiles). ``total fit s`` is the whole call.

    python benchmarks/bench_training.py            # ~16 min on 2 idle cores
    python benchmarks/bench_training.py --quick    # ~1 min, small data
"""

import argparse
import functools
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    EpochClock,
    limit_threads,
    machine_info,
    median,
    timed,
    write_results,
)

MODELS = {
    "kl": dict(
        n_components=300,
        hidden_layer_sizes=(100,),
        activation="selu",
        sparsity="kl",
        sparsity_weight=2e-3,
        sparsity_target=0.1,
        loss="binary_crossentropy",
        optimizer="sgd",
        learning_rate=1.0,
    ),
    "topk": dict(
        n_components=2000,
        hidden_layer_sizes=(),
        sparsity="topk",
        k=100,
        loss="squared_error",
        optimizer="adam",
        learning_rate=1e-3,
    ),
}


def load_data(n_samples, synthetic):
    if synthetic:
        rng = np.random.default_rng(0)
        return rng.random((n_samples, 784), dtype=np.float32)
    from sk_sparse_ae.datasets import load_fashion_mnist

    (X, _), _ = load_fashion_mnist(flatten=True, as_float=True)
    return np.ascontiguousarray(X[:n_samples])


def keras_model(params, X, jit_compile):
    """The estimator's Keras model for ``params``, compiled with plain Keras's
    loss and optimizer (the estimator's are ``sk_sparse_ae.nn._losses`` and
    ``sk_sparse_ae.nn._optimizers``)."""
    import keras

    from sk_sparse_ae import SparseAutoencoderTransformer
    from sk_sparse_ae.nn._options import KERAS_LOSSES

    sae = SparseAutoencoderTransformer(**params, random_state=0)
    sae._resolve_auto_settings(X, "fit")
    center = X.mean(axis=0) if params["sparsity"] == "topk" else None
    model, _, _ = sae._build_model(
        X.shape[1], list(sae.hidden_layer_sizes_), np.random.default_rng(0), center, 1.0
    )
    optimizer = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}
    model.compile(
        loss=KERAS_LOSSES[params["loss"]],
        optimizer=optimizer[params["optimizer"]](learning_rate=params["learning_rate"]),
        jit_compile=jit_compile,
    )
    return model


def run_raw_keras(params, X, batch_size, epochs, jit_compile):
    def fit():
        model = keras_model(params, X, jit_compile)
        model.fit(X, X, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0)

    with EpochClock() as clock:
        total, _ = timed(fit)
    return total, clock.steady_epoch_seconds()


def _with_kerass_cross_entropy():
    """The estimator compiled with Keras's ``"binary_crossentropy"`` instead of
    ``SigmoidCrossEntropy`` (what it did before), trained without the model
    pool so that its models never serve the plain estimator."""
    from sk_sparse_ae import SparseAutoencoderTransformer

    class KerasCrossEntropy(SparseAutoencoderTransformer):
        def _build_model(self, *args):
            model, encoder, decoder = super()._build_model(*args)
            model.compile(
                loss="binary_crossentropy",
                optimizer=model.optimizer,
                jit_compile=model.jit_compile,
            )
            return model, encoder, decoder

        def fit(self, X, y=None):
            # Without the pool: a pooled model keeps the estimator's own loss.
            from sk_sparse_ae.training import _pool

            enabled = _pool.enabled
            _pool.enabled = lambda n_weights=0: False
            try:
                return super().fit(X, y)
            finally:
                _pool.enabled = enabled

    return KerasCrossEntropy


def run_estimator(
    params,
    X,
    batch_size,
    epochs,
    jit_compile="auto",
    kerass_cross_entropy=False,
    **extra_params,
):
    from sk_sparse_ae import SparseAutoencoderTransformer

    estimator = (
        _with_kerass_cross_entropy()
        if kerass_cross_entropy
        else SparseAutoencoderTransformer
    )
    sae = estimator(
        **params,
        **extra_params,
        batch_size=batch_size,
        epochs=epochs,
        random_state=0,
        jit_compile=jit_compile,
    )
    with EpochClock() as clock:
        total, _ = timed(lambda: sae.fit(X))
    return total, clock.steady_epoch_seconds()


def torch_model(params, n_features):
    """``(loss_fn, optimizer)``: the model of ``params`` in PyTorch."""
    import torch
    from torch.nn import functional as F

    hidden = list(params["hidden_layer_sizes"])
    layers = [
        torch.nn.Linear(n_in, n_out) for n_in, n_out in layer_shapes(params, n_features)
    ]
    for layer in layers:  # Keras's GlorotUniform and zero biases
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    n_encoder = len(hidden) + 1
    encoder, decoder = layers[:n_encoder], layers[n_encoder:]
    act = F.selu if params.get("activation", "selu") == "selu" else F.relu
    k = params.get("k")
    topk = params["sparsity"] == "topk"
    weight, target = params.get("sparsity_weight"), params.get("sparsity_target")

    def loss_fn(x):
        h = x
        for layer in encoder[:-1]:
            h = act(layer(h))
        pre = encoder[-1](h)
        if topk:
            values, indices = pre.topk(k, dim=1, sorted=False)
            codings = torch.zeros_like(pre).scatter(1, indices, torch.relu(values))
        else:
            codings = torch.sigmoid(pre)
        h = codings
        for layer in decoder[:-1]:
            h = act(layer(h))
        out = decoder[-1](h)
        if params["loss"] == "squared_error":
            loss = F.mse_loss(out, x)
        else:  # sigmoid output: cross-entropy from its logits, as Keras does
            loss = F.binary_cross_entropy_with_logits(out, x)
        if params["sparsity"] == "kl":
            q = codings.mean(0).clamp(1e-7, 1 - 1e-7)
            p = target

            def kl(a, b):
                return a * torch.log(a / b) + (1 - a) * torch.log((1 - a) / (1 - b))

            loss = loss + weight * (kl(p, q) + kl(1 - p, 1 - q)).sum()
        return loss

    parameters = [p for layer in layers for p in layer.parameters()]
    if params["optimizer"] == "sgd":
        optimizer = torch.optim.SGD(parameters, lr=params["learning_rate"])
    else:  # Keras's Adam epsilon
        optimizer = torch.optim.Adam(parameters, lr=params["learning_rate"], eps=1e-7)
    return loss_fn, optimizer


def run_torch(params, X, batch_size, epochs):
    import torch

    def fit():
        torch.manual_seed(0)
        loss_fn, optimizer = torch_model(params, X.shape[1])
        data = torch.from_numpy(X)
        rng = np.random.default_rng(0)
        ends = []
        for _ in range(epochs):
            order = torch.from_numpy(rng.permutation(len(X)))
            for start in range(0, len(X), batch_size):
                x = data.index_select(0, order[start : start + batch_size])
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(x)
                loss.backward()
                optimizer.step()
            ends.append(time.perf_counter())
        return ends

    start = time.perf_counter()
    ends = fit()
    per_epoch = np.diff([start, *ends])
    return ends[-1] - start, float(np.median(per_epoch[1:]))


def layer_shapes(params, n_features):
    hidden = list(params["hidden_layer_sizes"])
    widths = [n_features, *hidden, params["n_components"], *reversed(hidden)]
    return list(zip(widths, [*widths[1:], n_features], strict=True))


def epoch_flops(params, n_samples, n_features):
    """Multiply-adds x 2 of forward, weight-gradient and input-gradient GEMMs."""
    return n_samples * sum(
        2 * n_in * n_out * (3 if i > 0 else 2)
        for i, (n_in, n_out) in enumerate(layer_shapes(params, n_features))
    )


def _step_arrays(params, batch, n_features, rng):
    """Per layer: input, kernel, output gradient, and whether the layer
    needs the gradient of its input (not the first one)."""
    return [
        (
            rng.random((batch, n_in), dtype=np.float32),
            rng.random((n_in, n_out), dtype=np.float32),
            rng.random((batch, n_out), dtype=np.float32),
            i > 0,
        )
        for i, (n_in, n_out) in enumerate(layer_shapes(params, n_features))
    ]


def _epoch_seconds(step_seconds, n_samples, batch_size):
    full, rest = divmod(n_samples, batch_size)
    return full * step_seconds(batch_size) + (step_seconds(rest) if rest else 0)


def _n_floor_steps(params, batch):
    # About 0.2 s of GEMMs per timing at 100 GFLOP/s.
    flops = epoch_flops(params, batch, 784)
    return max(3, int(2e10 / flops))


def tensorflow_gemm_floor(
    params,
    n_samples,
    n_features,
    batch_size,
    reps=3,
    clock=time.perf_counter,
    jit_compile=False,
):
    """Seconds per epoch of the training GEMMs alone in one TensorFlow graph
    loop (its oneDNN kernels, no Python per step; XLA's with
    ``jit_compile=True``); CPU seconds of the process with
    ``clock=time.process_time``."""
    import tensorflow as tf

    rng = np.random.default_rng(0)

    def step_seconds(batch):
        arrays = [
            (tf.constant(x), tf.constant(w), tf.constant(dy), needs)
            for x, w, dy, needs in _step_arrays(params, batch, n_features, rng)
        ]

        @tf.function(jit_compile=jit_compile)
        def steps(n):
            total = tf.constant(0.0)
            for i in tf.range(n):
                # Depends on i so that no GEMM is hoisted out of the loop;
                # the sum keeps every result alive.
                scale = 1.0 + 1e-9 * tf.cast(i, tf.float32)
                for x, w, dy, needs_input_grad in arrays:
                    x = x * scale
                    total += tf.matmul(x, w)[0, 0]
                    total += tf.matmul(x, dy, transpose_a=True)[0, 0]
                    if needs_input_grad:
                        total += tf.matmul(dy, w, transpose_b=True)[0, 0]
            return total

        n = _n_floor_steps(params, batch)
        steps(tf.constant(1)).numpy()
        seconds = []
        for _ in range(reps):
            start = clock()
            steps(tf.constant(n)).numpy()
            seconds.append((clock() - start) / n)
        return min(seconds)

    return _epoch_seconds(step_seconds, n_samples, batch_size)


def tensorflow_update_seconds(params, n_samples, n_features, batch_size, reps=3):
    """Seconds per epoch of the optimizer's weight update alone: one fused
    kernel per variable (``sk_sparse_ae.nn._optimizers``) over every kernel and
    bias of the model, once per step. Its cost does not depend on the batch."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    shapes = [
        s
        for n_in, n_out in layer_shapes(params, n_features)
        for s in ((n_in, n_out), (n_out,))
    ]
    variables = [
        [tf.Variable(rng.random(shape, dtype=np.float32)) for _ in range(3)]
        for shape in shapes
    ]
    grads = [
        tf.constant(rng.random(shape, dtype=np.float32) * 1e-3) for shape in shapes
    ]
    adam = params["optimizer"] == "adam"

    @tf.function
    def steps(n):
        for _ in tf.range(n):
            for (var, m, v), grad in zip(variables, grads, strict=True):
                if adam:
                    tf.raw_ops.ResourceApplyAdam(
                        var=var.handle,
                        m=m.handle,
                        v=v.handle,
                        beta1_power=0.9,
                        beta2_power=0.999,
                        lr=1e-3,
                        beta1=0.9,
                        beta2=0.999,
                        epsilon=1e-7,
                        grad=grad,
                    )
                else:
                    tf.raw_ops.ResourceApplyGradientDescent(
                        var=var.handle, alpha=1.0, delta=grad
                    )

    n = 50
    steps(tf.constant(1))
    step_seconds = min(timed(lambda: steps(tf.constant(n)))[0] / n for _ in range(reps))
    return step_seconds * -(-n_samples // batch_size)


def torch_gemm_floor(params, n_samples, n_features, batch_size, reps=3):
    """The same GEMMs in PyTorch (its BLAS), one Python call each."""
    import torch

    rng = np.random.default_rng(0)

    def step_seconds(batch):
        arrays = [
            (torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(dy), needs)
            for x, w, dy, needs in _step_arrays(params, batch, n_features, rng)
        ]

        def steps(n):
            for _ in range(n):
                for x, w, dy, needs_input_grad in arrays:
                    torch.mm(x, w)
                    torch.mm(x.t(), dy)
                    if needs_input_grad:
                        torch.mm(dy, w.t())

        n = _n_floor_steps(params, batch)
        steps(1)
        return min(timed(lambda: steps(n))[0] / n for _ in range(reps))

    return _epoch_seconds(step_seconds, n_samples, batch_size)


def _have_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument(
        "--samples",
        type=int,
        nargs="+",
        default=[60000, 20000],
        help="training images per model, in --models order (default: 60000 "
        "for kl, 20000 for topk, whose epochs are 14 times the work)",
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--no-xla", action="store_true", help="skip the XLA variants")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="--samples 6000 2000 --repeats 1: a smoke run",
    )
    parser.add_argument(
        "--synthetic", action="store_true", help="uniform random data of the same shape"
    )
    parser.add_argument("--name", default="bench_training")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.repeats = [6000, 2000], 1
    if args.epochs < 2:
        parser.error("--epochs must be >= 2 (the first epoch traces)")
    samples = dict(zip(args.models, args.samples, strict=False))
    if len(samples) < len(args.models):
        parser.error("give one --samples value per model")

    limit_threads(args.threads)
    import keras

    keras.utils.disable_interactive_logging()
    if _have_torch():
        import torch

        torch.set_num_threads(args.threads)
    X_all = load_data(max(samples.values()), args.synthetic)

    rows = []
    for model_name in args.models:
        params = MODELS[model_name]
        X = np.ascontiguousarray(X_all[: samples[model_name]])
        variants = {
            "estimator": lambda b, p=params, X=X: run_estimator(p, X, b, args.epochs),
        }
        if params["loss"] == "binary_crossentropy":
            variants["estimator, Keras's cross-entropy"] = lambda b, p=params, X=X: (
                run_estimator(p, X, b, args.epochs, kerass_cross_entropy=True)
            )
        variants |= {
            "raw keras": lambda b, p=params, X=X: run_raw_keras(
                p, X, b, args.epochs, False
            ),
        }
        if params["sparsity"] == "topk":
            variants["estimator, auxk_weight=0"] = lambda b, p=params, X=X: (
                run_estimator(p, X, b, args.epochs, auxk_weight=0.0)
            )
        if not args.no_xla:
            variants["estimator, jit_compile=True"] = lambda b, p=params, X=X: (
                run_estimator(p, X, b, args.epochs, True)
            )
            variants["raw keras + XLA"] = lambda b, p=params, X=X: run_raw_keras(
                p, X, b, args.epochs, True
            )
        floor_functions = {"tensorflow": tensorflow_gemm_floor}
        if not args.no_xla:
            floor_functions["tensorflow XLA"] = functools.partial(
                tensorflow_gemm_floor, jit_compile=True
            )
        if _have_torch():
            variants["pytorch loop"] = lambda b, p=params, X=X: run_torch(
                p, X, b, args.epochs
            )
            floor_functions["pytorch"] = torch_gemm_floor
        flops = epoch_flops(params, len(X), X.shape[1])
        for batch_size in args.batch_sizes:
            totals = {name: [] for name in variants}
            epochs = {name: [] for name in variants}
            floors = {name: [] for name in floor_functions}
            updates = []
            for _ in range(args.repeats):  # interleaved: every variant each repeat
                for name, run in variants.items():
                    total, per_epoch = run(batch_size)
                    totals[name].append(total)
                    epochs[name].append(per_epoch)
                for name, floor_function in floor_functions.items():
                    floors[name].append(
                        floor_function(params, len(X), X.shape[1], batch_size)
                    )
                updates.append(
                    tensorflow_update_seconds(params, len(X), X.shape[1], batch_size)
                )
            floor = min(median(seconds) for seconds in floors.values())
            raw = median(epochs["raw keras"])
            for name in variants:
                per_epoch = median(epochs[name])
                rows.append(
                    [
                        model_name,
                        len(X),
                        batch_size,
                        name,
                        per_epoch,
                        min(epochs[name]),
                        median(totals[name]),
                        per_epoch / raw,
                        per_epoch / floor,
                    ]
                )
            for name, seconds in floors.items():
                rows.append(
                    [
                        model_name,
                        len(X),
                        batch_size,
                        f"GEMM floor ({name}, "
                        f"{flops / median(seconds) / 1e9:.0f} GFLOP/s)",
                        median(seconds),
                        min(seconds),
                        math.nan,
                        median(seconds) / raw,
                        median(seconds) / floor,
                    ]
                )
            optimizer = "Adam" if params["optimizer"] == "adam" else "SGD"
            rows.append(
                [
                    model_name,
                    len(X),
                    batch_size,
                    f"optimizer update alone (fused {optimizer})",
                    median(updates),
                    min(updates),
                    math.nan,
                    median(updates) / raw,
                    median(updates) / floor,
                ]
            )
            print(f"done: {model_name} batch {batch_size}", flush=True)

    data_name = "random data" if args.synthetic else "Fashion-MNIST"
    write_results(
        args.name,
        title=f"Training: s/epoch on {data_name} (784 features), "
        f"{args.epochs} epochs per fit",
        headers=[
            "model",
            "samples",
            "batch",
            "variant",
            "s/epoch (median)",
            "s/epoch (min)",
            "total fit s",
            "x raw keras",
            "x GEMM floor",
        ],
        rows=rows,
        machine=machine_info(args.threads),
        settings=vars(args),
    )


if __name__ == "__main__":
    main()
