"""
=============================================
L1, KL and TopK sparsity side by side
=============================================

The three kinds of ``sparsity`` make codings sparse in different ways:

- ``"l1"`` adds ``sparsity_weight * sum(|codings|)`` per sample: every
  activation is pushed towards 0, and units that do not pay for themselves
  die;
- ``"kl"`` adds a penalty on each unit's *mean* activation over the batch,
  pulling it towards ``sparsity_target`` (0.1): every unit is used, rarely;
- ``"topk"`` keeps each sample's ``k`` largest pre-activations through ReLU
  and sets the others to exactly 0: the number of active units per sample
  is fixed, and the codes are non-negative but not bounded by 1.

Three autoencoders with the same architecture (one Dense layer each way, 100
coding units) and training are fitted on Fashion-MNIST, and compared by their
activation histograms, their learned features drawn as images, and their
reconstructions.
"""

# %%
# Three models
# ------------
# The penalty weights and ``k`` are chosen so that the three models end up
# with a similar number of active units per image (L0, units above 0.1).
# Adam trains these one-layer models faster than the book's SGD.
import matplotlib.pyplot as plt
import numpy as np

from sk_sparse_ae import (
    SparseAutoencoderTransformer,
    load_fashion_mnist,
    sparsity_report,
)
from sk_sparse_ae.inspection._plotting import (
    plot_activation_histograms,
    plot_features,
    plot_reconstructions,
)

(X_train, _), (X_test, _) = load_fashion_mnist(flatten=True, as_float=True)
X_train, X_test = X_train[:20_000], X_test[:2_000]

common = dict(
    n_components=100,
    hidden_layer_sizes=(),
    loss="binary_crossentropy",  # one loss for all three, so their losses compare
    optimizer="adam",
    batch_size=64,
    epochs=5,
    random_state=0,
)
models = {
    "L1": SparseAutoencoderTransformer(sparsity="l1", sparsity_weight=3e-3, **common),
    "KL": SparseAutoencoderTransformer(sparsity="kl", sparsity_weight=2e-2, **common),
    "TopK": SparseAutoencoderTransformer(sparsity="topk", k=20, **common),
}
reports = {}
for name, model in models.items():
    model.fit(X_train)
    reports[name] = sparsity_report(model, X_test)
    print(
        f"{name:>4}: activations < 0.1 {reports[name].fraction_below_threshold:6.1%}, "
        f"mean L0 {reports[name].l0_mean:5.1f}, "
        f"dead units {reports[name].n_dead_units:3d}, "
        f"test reconstruction loss {-model.score(X_test):.4f}"
    )

# %%
# Activation histograms
# ---------------------
# Each row is one model: the share of all test activations per bin (left)
# and the share of units per mean activation (right), as in the book's
# Figure 17-11.
fig = plt.figure(figsize=(10, 8), layout="constrained")
for subfig, (name, model) in zip(fig.subfigures(3, 1), models.items(), strict=True):
    plot_activation_histograms(model, X_test, title=name, fig=subfig)

# %%
# L1 pushes every activation towards 0, so its activations pile up in the
# lowest bin and units that do not pay for their penalty die (never above 0.1
# on any test image). KL constrains each unit's *mean*, so its unit means
# gather around the target 0.1 and every unit stays in use. TopK's inactive
# codings are exactly 0; it fixes how many units each image uses, not how
# often each unit fires. A unit that is never among the ``k`` largest gets
# no gradient from the reconstruction; the AuxK loss (``auxk_weight``) gives
# it one, by asking the silent units to explain what the active ones left
# unexplained. The "dead units" count above shows how many this run lost.
#
# Learned features
# ----------------
# :func:`~sk_sparse_ae.inspection.plot_features` draws each unit's decoder
# direction: what switching the unit on adds to the reconstruction (red
# brightens, blue darkens the pixel). Here, for each model, the 12 units with
# the highest mean activation on the test images.
fig = plt.figure(figsize=(10, 5), layout="constrained")
for subfig, (name, model) in zip(fig.subfigures(1, 3), models.items(), strict=True):
    busiest = np.argsort(reports[name].mean_activation)[::-1][:12]
    plot_features(model, (28, 28), units=busiest, n_cols=3, title=name, fig=subfig)

# %%
# Reconstructions
# ---------------
# The same eight test images through each model
# (:func:`~sk_sparse_ae.inspection.plot_reconstructions`), on one grey scale.
plot_reconstructions(
    models,
    X_test[:8],
    (28, 28),
    fig=plt.figure(figsize=(9, 4.5), layout="constrained"),
)

# %%
# The table printed after fitting gives this run's numbers: how sparse each
# model is (mean L0), how many units it lost, and the reconstruction loss it
# paid for that. Which trade-off is best depends on what the codings are for:
# the user guide's "Tuning" page chooses by a downstream classifier or by
# :func:`~sk_sparse_ae.make_sparsity_scorer`.
