"""TopK codes: their training cost against sigmoid codes, and what each choice gives.

Part 1, ``cost`` (interleaved in one process, median of ``--repeats``):
seconds per epoch of the estimator with no hidden layer, squared error and
Adam, at ``--widths`` coding units and batch 32 and 256, on the first
``--cost-samples`` Fashion-MNIST training images, for

- ``sigmoid``: ``sparsity=None``, plain sigmoid codes (the reference);
- ``topk, AuxK off``: ReLU TopK codes with the dead-unit counter
  (``auxk_weight=0``);
- ``topk (defaults)``: as the estimator trains it, AuxK on with
  ``dead_after_samples=10000``: the units that have not fired by then are
  dead, and the AuxK loss is computed on them until they revive (its cost
  grows with the number of dead units);
- ``topk, AuxK every step``: ``dead_after_samples=1``, so nearly every unit
  counts as dead and the AuxK loss is computed in every step (the worst
  case).

Every model is traced once before timing (a warm-up fit on 1,024 images;
the model pool then reuses the traced model), so the times are steady
epochs.

Part 2, ``design`` (``--design``, ~11 min): the features model
(``experiments.FEATURES_SETTINGS``, random_state 0, all 60,000 training
images, 10 epochs), the same model with sigmoid codes (``sparsity=None``: the
fit-time reference for TopK's cost over a whole run), and variants that each
undo one design choice, with
``LogisticRegression(max_iter=300)`` on its codes (CSR) and the 10,000 test
images: AuxK off; no centering (the input is not centred on its mean, the
reconstruction bias starts at 0); unit-norm initial decoder directions
(``model.TOPK_DECODER_NORM = 1``); k = 50 and 200.

    python benchmarks/bench_topk.py --threads 2            # part 1, ~10 min
    python benchmarks/bench_topk.py --threads 2 --design   # both parts
    python benchmarks/bench_topk.py --threads 2 --design --no-cost
    python benchmarks/bench_topk.py --threads 2 --whole-fits 2 --no-cost

Part 3, ``whole fits`` (``--whole-fits N``, ~3 min per repeat): the features
model and the same model with sigmoid codes (``sparsity=None``), each fitted
on all 60,000 training images for its 10 epochs, interleaved, ``N`` times;
seconds per fit (first fits in the process trace the models; the pool then
reuses them) and the median ratio.

Writes ``benchmarks/results/bench_topk.{json,md}`` (``--output-dir``).
"""

import argparse
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, format_table, limit_threads, machine_info, write_files


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--widths", type=int, nargs="+", default=[300, 1000, 2000])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 256])
    parser.add_argument("--cost-samples", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--design", action="store_true")
    parser.add_argument("--no-cost", action="store_true", help="skip part 1")
    parser.add_argument("--whole-fits", type=int, default=0, metavar="N")
    parser.add_argument(
        "--output-dir", type=Path, default=RESULTS, help="default: benchmarks/results"
    )
    return parser.parse_args()


COST_VARIANTS = {
    "sigmoid": {"sparsity": None},
    "topk, AuxK off": {"sparsity": "topk", "auxk_weight": 0.0},
    "topk (defaults)": {"sparsity": "topk"},
    "topk, AuxK every step": {"sparsity": "topk", "dead_after_samples": 1},
}


def cost_rows(args, X):
    from sk_sparse_ae import SparseAutoencoderTransformer

    def estimator(width, batch_size, params, epochs):
        k = min(100, width // 3)
        return SparseAutoencoderTransformer(
            n_components=width,
            hidden_layer_sizes=(),
            loss="squared_error",
            optimizer="adam",
            batch_size=batch_size,
            epochs=epochs,
            k=k,
            random_state=0,
            **params,
        )

    configs = [
        (width, batch, name)
        for width in args.widths
        for batch in args.batch_sizes
        for name in COST_VARIANTS
    ]
    for width, batch, name in configs:  # trace each architecture once
        estimator(width, batch, COST_VARIANTS[name], 1).fit(X[:1024])
    times = {config: [] for config in configs}
    for _ in range(args.repeats):
        for config in configs:
            width, batch, name = config
            sae = estimator(width, batch, COST_VARIANTS[name], args.epochs)
            start = time.perf_counter()
            sae.fit(X)
            times[config].append((time.perf_counter() - start) / args.epochs)
            print(config, round(times[config][-1], 3), flush=True)
    rows = []
    for width in args.widths:
        for batch in args.batch_sizes:
            reference = float(np.median(times[width, batch, "sigmoid"]))
            for name in COST_VARIANTS:
                seconds = float(np.median(times[width, batch, name]))
                rows.append(
                    [
                        width,
                        batch,
                        name,
                        round(seconds, 3),
                        round(seconds / reference, 2),
                    ]
                )
    return rows


def _dense(matrix):
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


@contextmanager
def patched(module, name, value):
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def design_rows():
    import scipy.sparse
    from sklearn.linear_model import LogisticRegression

    import sk_sparse_ae.autoencoder._transformer as estimator_module
    import sk_sparse_ae.nn._builder as model_module
    from sk_sparse_ae import SparseAutoencoderTransformer, load_fashion_mnist
    from sk_sparse_ae.experiments._settings import FEATURES_SETTINGS, LOGREG_PARAMS

    (X, y), (X_test, y_test) = load_fashion_mnist(flatten=True, as_float=True)
    no_centering = patched(
        estimator_module, "center_of", lambda X: np.zeros(X.shape[1])
    )
    unit_norm = patched(model_module, "TOPK_DECODER_NORM", 1.0)
    variants = [
        ("features model (defaults)", {}, None),
        ("sigmoid codes (sparsity=None)", {"sparsity": None}, None),
        ("AuxK off", {"auxk_weight": 0.0}, None),
        ("no centering", {}, no_centering),
        ("unit-norm decoder init", {}, unit_norm),
        ("k=50", {"k": 50}, None),
        ("k=200", {"k": 200}, None),
    ]
    rows = []
    for name, params, patch in variants:
        topk = params.get("sparsity", "topk") == "topk"
        settings = {**FEATURES_SETTINGS, "random_state": 0, "sparse_output": topk}
        sae = SparseAutoencoderTransformer(**{**settings, **params})
        start = time.perf_counter()
        if patch is None:
            sae.fit(X)
        else:
            with patch:
                sae.fit(X)
        fit_seconds = time.perf_counter() - start
        codes, codes_test = sae.transform(X), sae.transform(X_test)
        assert scipy.sparse.issparse(codes) == topk
        start = time.perf_counter()
        classifier = LogisticRegression(**LOGREG_PARAMS, random_state=0).fit(codes, y)
        lr_seconds = time.perf_counter() - start
        dead_test = int((_dense(codes_test.max(axis=0)) <= 0).sum())
        rows.append(
            [
                name,
                sae.k_ if topk else "-",
                round(classifier.score(codes_test, y_test), 4),
                dead_test,
                round(sae.dead_fraction_, 4) if topk else "-",
                round(-sae.score(X_test), 5),
                round(fit_seconds, 1),
                round(lr_seconds, 1),
            ]
        )
        print(rows[-1], flush=True)
    return rows


def whole_fit_rows(repeats):
    from sk_sparse_ae import SparseAutoencoderTransformer, load_fashion_mnist
    from sk_sparse_ae.experiments import FEATURES_SETTINGS

    (X, _), _ = load_fashion_mnist(flatten=True, as_float=True)
    variants = {"features model (defaults)": {}, "sigmoid codes": {"sparsity": None}}
    times = {name: [] for name in variants}
    for repeat in range(repeats):
        for name, params in variants.items():
            sae = SparseAutoencoderTransformer(
                **{**FEATURES_SETTINGS, "random_state": 0, **params}
            )
            start = time.perf_counter()
            sae.fit(X)
            times[name].append(round(time.perf_counter() - start, 1))
            print(name, repeat, times[name][-1], flush=True)
    reference = float(np.median(times["sigmoid codes"]))
    return [
        [
            name,
            " ".join(map(str, seconds)),
            round(float(np.median(seconds)), 1),
            round(float(np.median(seconds)) / reference, 2),
        ]
        for name, seconds in times.items()
    ]


def main():
    args = parse_args()
    limit_threads(args.threads)
    from sk_sparse_ae import load_fashion_mnist

    (X, _), _ = load_fashion_mnist(flatten=True, as_float=True)
    X = np.ascontiguousarray(X[: args.cost_samples], dtype=np.float32)
    cost_headers = ["units", "batch", "codes", "s/epoch", "x sigmoid"]
    cost = [] if args.no_cost else cost_rows(args, X)
    sections = (
        []
        if not cost
        else [
            f"## Cost: s/epoch on {args.cost_samples} Fashion-MNIST images, no hidden "
            f"layer, squared error, Adam; k = min(100, units // 3); median of "
            f"{args.repeats}",
            "",
            format_table(cost_headers, cost, float_format=""),
        ]
    )
    design_headers = [
        "variant",
        "k",
        "test accuracy",
        "dead units (test)",
        "dead_fraction_",
        "test MSE",
        "fit s",
        "LogReg fit s",
    ]
    design = design_rows() if args.design else []
    if design:
        sections += [
            "",
            "## Design: Fashion-MNIST 60,000 / 10,000, the features model and "
            "one change each; LogisticRegression(max_iter=300) on the codes",
            "",
            format_table(design_headers, design, float_format=""),
        ]
    whole_headers = ["model", "fit s, in order", "median fit s", "x sigmoid codes"]
    whole = whole_fit_rows(args.whole_fits) if args.whole_fits else []
    if whole:
        sections += [
            "",
            "## Whole fits: Fashion-MNIST 60,000 images, 10 epochs, interleaved",
            "",
            format_table(whole_headers, whole, float_format=""),
        ]
    machine = machine_info(args.threads)
    text = "\n".join(["# TopK codes", "", *sections, "", f"machine: {machine}"])
    print(text)
    record = {
        "settings": {k: v for k, v in vars(args).items() if k != "output_dir"},
        "machine": machine,
        "cost": {"headers": cost_headers, "rows": cost},
        "design": {"headers": design_headers, "rows": design},
        "whole_fits": {"headers": whole_headers, "rows": whole},
    }
    write_files("bench_topk", record, text + "\n", args.output_dir)


if __name__ == "__main__":
    main()
