"""
=============================================
Tuning the sparsity weight in a pipeline
=============================================

:class:`~sk_sparse_ae.SparseAutoencoderTransformer` is a feature extractor:
it sits in a :class:`~sklearn.pipeline.Pipeline` between a scaler and a
classifier, and :class:`~sklearn.model_selection.GridSearchCV` tunes its
``sparsity_weight`` by the classifier's accuracy. Here the weight of the KL
penalty goes over four decades on scikit-learn's digits, and for each weight
the search records the cross-validated accuracy *and* how sparse the codings
of the held-out fold are: what the penalty buys, and what it costs.
"""

# %%
# The data and the pipeline
# -------------------------
# The book's cross-entropy loss needs inputs in [0, 1], hence the
# :class:`~sklearn.preprocessing.MinMaxScaler`. The autoencoder is smaller than
# the book's (64 coding units behind one hidden layer of 32) to keep the
# search short.
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from threadpoolctl import threadpool_limits

from sk_sparse_ae import SparseAutoencoderTransformer, activation_stats

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipe = make_pipeline(
    MinMaxScaler(),
    SparseAutoencoderTransformer(
        n_components=64, hidden_layer_sizes=(32,), sparsity="kl", random_state=0
    ),
    LogisticRegression(max_iter=2000),
)
pipe  # noqa: B018 (displayed in the gallery)

# %%
# Two scores per fit
# ------------------
# ``GridSearchCV`` accepts several scorers. Besides accuracy, a scorer reads the
# codings of the held-out fold (the pipeline without its classifier,
# ``pipeline[:-1]``) and returns the fraction of coding activations below 0.1,
# the book's measure of sparsity; another returns the mean number of units
# above 0.1 per sample (L0).
THRESHOLD = 0.1


def fraction_below(pipeline, X, y=None):
    codings = pipeline[:-1].transform(X)
    return activation_stats(codings, threshold=THRESHOLD).fraction_below_threshold


def mean_l0(pipeline, X, y=None):
    codings = pipeline[:-1].transform(X)
    return activation_stats(codings, threshold=THRESHOLD).l0_mean


weights = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
search = GridSearchCV(
    pipe,
    {"sparseautoencodertransformer__sparsity_weight": weights},
    scoring={"accuracy": "accuracy", "below": fraction_below, "l0": mean_l0},
    refit="accuracy",
    cv=3,
    # One fit already uses every core through TensorFlow's thread pools; see
    # the user guide's "Parallel and distributed grid search" for n_jobs > 1.
    n_jobs=1,
)
# The logistic regressions run on one BLAS thread: on 64 features a second
# thread gains nothing, and a multi-threaded OpenBLAS slows down badly when
# other processes keep the cores busy. The previous limit returns after the
# block.
with threadpool_limits(limits=1, user_api="blas"):
    search.fit(X_train, y_train)

results = search.cv_results_
for i, weight in enumerate(weights):
    print(
        f"weight {weight:g}: accuracy {results['mean_test_accuracy'][i]:.3f}, "
        f"activations < {THRESHOLD}: {results['mean_test_below'][i]:.1%}, "
        f"mean L0 {results['mean_test_l0'][i]:.1f} of 64 units"
    )

# %%
# Accuracy and sparsity against the weight
# ----------------------------------------
fig, (acc_ax, sparsity_ax) = plt.subplots(
    1, 2, figsize=(9, 3.5), layout="constrained", sharex=True
)
acc_ax.errorbar(
    weights,
    results["mean_test_accuracy"],
    yerr=results["std_test_accuracy"],
    marker="o",
    capsize=3,
)
acc_ax.set(
    xscale="log",
    xlabel="sparsity_weight (KL)",
    ylabel="accuracy (3-fold CV)",
    title="Classifier accuracy",
)
sparsity_ax.plot(weights, results["mean_test_below"], marker="o")
sparsity_ax.set(
    xlabel="sparsity_weight (KL)",
    ylabel=f"fraction of activations < {THRESHOLD}",
    title="Sparsity of the codings",
)
acc_ax.axhline(0.1, color="gray", linestyle=":", label="chance (10 classes)")
acc_ax.legend()
for ax in (acc_ax, sparsity_ax):
    ax.grid(True)

# %%
# With the weakest penalty nearly every coding stays above 0.1: the mean L0 is
# close to all 64 units. Each tenfold increase of the weight switches more
# units off, and the linear classifier on the codings loses some accuracy at
# each step. At weight 1 the penalty wins outright: every unit is off for
# every digit, and the classifier is left at chance. On this task sparsity
# costs accuracy, and the weight sets the trade-off; a search on accuracy
# alone picks the weakest penalty. To choose a sparse model on purpose,
# score with :func:`~sk_sparse_ae.make_sparsity_scorer` or fix the number of
# active units with ``sparsity="topk"`` (user guide, "Tuning").
#
# The refitted best pipeline, scored once on the held-out test set:
best = search.best_params_["sparseautoencodertransformer__sparsity_weight"]
print(f"best sparsity_weight: {best:g}")
print(f"test accuracy: {search.score(X_test, y_test):.3f}")
print(f"mean L0 on the test set: {mean_l0(search.best_estimator_, X_test):.1f}")
