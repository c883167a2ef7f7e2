"""
=====================================================
Sparse features for a classifier, against raw pixels
=====================================================

An autoencoder's codings are features. This example trains the library's
features model, a wide TopK sparse autoencoder (2,000 ReLU units, each image
keeps its ``k=100`` largest), on Fashion-MNIST images, then the same
:class:`~sklearn.linear_model.LogisticRegression` on the raw pixels and on
the codes, and compares accuracy, classifier training time and how many
features each image activates.

It uses a subset of the data to run in under a minute; the user guide's
"Downstream results" page has the same comparison on all 60,000 images with
other feature extractors (PCA, an RBM, kernel features, the book's KL
autoencoder), where these codes reach 88.5% test accuracy against 84.3% for
the pixels. On the subset the margin is smaller (a run of this script gave
85.4% against 84.9%).
"""

# %%
# Data
# ----
import time

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from sk_sparse_ae import SparseAutoencoderTransformer, load_fashion_mnist
from sk_sparse_ae.inspection import plot_features

(X_train, y_train), (X_test, y_test) = load_fashion_mnist(flatten=True, as_float=True)
X_train, y_train = X_train[:10_000], y_train[:10_000]
X_test, y_test = X_test[:2_000], y_test[:2_000]

# %%
# The feature extractor
# ---------------------
# ``sparsity="topk"`` is the features model: one Dense layer each way and
# 2,000 coding units of which each image keeps its ``k=100`` largest through
# ReLU (the others are exactly 0); the input is centred on the training mean,
# the AuxK loss revives units that stop firing; a linear output with squared
# error, Adam, batch 256, 10 epochs. Each choice is a fitted attribute
# (``n_components_``, ``k_``, ``optimizer_``...). ``sparse_output=True``
# returns the codes as a CSR matrix, which LogisticRegression takes as it is.
sae = SparseAutoencoderTransformer(sparsity="topk", random_state=0, sparse_output=True)
start = time.perf_counter()
sae.fit(X_train)
print(f"autoencoder fitted in {time.perf_counter() - start:.1f} s")
codes_train, codes_test = sae.transform(X_train), sae.transform(X_test)


def nonzeros_per_row(X):
    """Mean number of non-zero features per sample, dense or sparse X."""
    if scipy.sparse.issparse(X):
        return float(np.mean(X.getnnz(axis=1)))
    return float(np.mean(np.count_nonzero(X, axis=1)))


# %%
# The same classifier on both
# ---------------------------
# The classifier fits run with one BLAS thread: lbfgs on a few thousand rows
# gains little from a second one, and a multi-threaded OpenBLAS slows down
# badly when other processes keep the cores busy. ``threadpool_limits`` puts
# the previous setting back when the block ends.
results = {}
with threadpool_limits(limits=1, user_api="blas"):
    for name, (train, test) in {
        "raw pixels": (X_train, X_test),
        "TopK codings": (codes_train, codes_test),
    }.items():
        classifier = LogisticRegression(max_iter=300)
        start = time.perf_counter()
        classifier.fit(train, y_train)
        results[name] = {
            "features": train.shape[1],
            "non-zeros per image": nonzeros_per_row(test),
            "test accuracy": classifier.score(test, y_test),
            "classifier fit (s)": time.perf_counter() - start,
            "lbfgs iterations": int(classifier.n_iter_[0]),
        }

for name, row in results.items():
    print(f"{name}:", ", ".join(f"{key} {value:.4g}" for key, value in row.items()))

# %%
# Side by side
# ------------
fig, axes = plt.subplots(1, 3, figsize=(10, 3), layout="constrained")
names = list(results)
for ax, key in zip(
    axes, ["test accuracy", "classifier fit (s)", "non-zeros per image"], strict=True
):
    values = [results[name][key] for name in names]
    ax.bar(names, values, color=["tab:gray", "tab:blue"])
    ax.set_title(key)
    for x, value in enumerate(values):
        ax.annotate(f"{value:.3g}", (x, value), ha="center", va="bottom")
    ax.margins(y=0.15)

# %%
# Each image activates at most ``k=100`` of 2,000 codes, against about 390
# non-zero pixels, and the codes are the better features for a linear
# classifier: they spread the images out into a space where the classes are
# easier to separate by hyperplanes (kernel features do the same, at a higher
# cost; see the user guide's comparison).
#
# What the units learned
# ----------------------
# The decoder directions of the 24 units that fire most often on the test
# images: what each adds to a reconstruction when it is active.
firing_rate = np.asarray((codes_test != 0).mean(axis=0)).ravel()
busiest = np.argsort(firing_rate)[::-1][:24]
print(f"units that never fire on the test images: {np.sum(firing_rate == 0)}")
print(f"units silent in the last epoch (dead_fraction_): {sae.dead_fraction_:.1%}")
plot_features(
    sae,
    (28, 28),
    units=busiest,
    n_cols=8,
    fig=plt.figure(figsize=(8, 3.6), layout="constrained"),
)

# %%
# On these 10,000 images many units never fire on the test images (printed
# above): ten passes over a sixth of the data give a wide code too few steps
# for every unit to find a direction of its own, and the AuxK loss only
# revives units whose pre-activations are positive on some images. Trained
# on all 60,000 images, 2 of the 2,000 units are dead on the test images.
