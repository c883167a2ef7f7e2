"""
=========================================
A grid search on a Dask cluster
=========================================

``GridSearchCV`` runs its fits through joblib, and joblib can hand them to a
Dask cluster: the same search, spread over the cluster's worker processes.
This example starts a small :class:`~distributed.LocalCluster` (two worker
processes, one thread each), runs a search over ``sparsity_weight`` on it,
checks that it finds exactly what the same search finds in this process, and
shuts the cluster down. On a real cluster, only the address given to
:class:`~distributed.Client` changes.

Dask starts its workers as new processes that re-import the script run as
``python plot_dask_grid_search.py``, like any ``multiprocessing`` code, so the
work is under ``if __name__ == "__main__":``: the workers then import the
definitions but do not run the searches again.
"""

# %%
# The search
# ----------
# Digits, a small KL autoencoder and a logistic regression; 3 weights x 2
# folds = 6 fits.
import os
import time

import joblib
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sk_sparse_ae import SparseAutoencoderTransformer

X, y = load_digits(return_X_y=True)
WEIGHTS = [1e-3, 1e-2, 1e-1]


def make_search(n_jobs):
    pipe = make_pipeline(
        MinMaxScaler(),
        SparseAutoencoderTransformer(
            n_components=32, hidden_layer_sizes=(), epochs=3, random_state=0
        ),
        LogisticRegression(max_iter=1000),
    )
    grid = {"sparseautoencodertransformer__sparsity_weight": WEIGHTS}
    return GridSearchCV(pipe, grid, cv=2, n_jobs=n_jobs)


def tensorflow_threads():
    """Run on each worker: the size of its TensorFlow thread pools."""
    import tensorflow as tf

    return tf.config.threading.get_intra_op_parallelism_threads()


# %%
# In this process
# ---------------
if __name__ == "__main__":
    start = time.perf_counter()
    local = make_search(n_jobs=1).fit(X, y)
    print(f"local search: {time.perf_counter() - start:.1f} s")

# %%
# On the cluster
# --------------
# Each worker gets one thread; Dask starts it with ``OMP_NUM_THREADS=1``, and
# the transformer sizes TensorFlow's thread pools to that, so two workers
# share two cores without oversubscribing them. ``joblib.parallel_config``
# sends the search's fits to the cluster only inside the ``with`` block, and
# leaving the outer ``with`` closes the client and shuts the cluster down.
# (On a busy machine the nanny may log that a worker process was "still alive
# after 4.0 seconds" and kill it: a process that imported TensorFlow needs
# about a second of CPU time to exit.)
#
# One thing to know: before starting each worker, Dask's nanny sets
# ``OMP_NUM_THREADS=1`` and a few other variables in *this* process's
# environment, and leaves them there after the cluster is closed. With
# ``OMP_NUM_THREADS=1`` set, a fit in a fresh process would size TensorFlow's
# pools to one thread, so this example puts the environment back afterwards.
if __name__ == "__main__":
    saved_environment = dict(os.environ)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        start = time.perf_counter()
        with joblib.parallel_config(backend="dask"):
            distributed = make_search(n_jobs=-1).fit(X, y)
        print(f"search on the cluster: {time.perf_counter() - start:.1f} s")
        print("TensorFlow threads per worker:", client.run(tensorflow_threads))
    print("cluster closed:", cluster.status.name)
    changed = {
        name: os.environ[name]
        for name in os.environ
        if saved_environment.get(name) != os.environ[name]
    }
    print("environment variables the cluster set here:", changed)
    for name in changed:
        if name in saved_environment:
            os.environ[name] = saved_environment[name]
        else:
            del os.environ[name]

# %%
# The same results
# ----------------
# With an int ``random_state`` every fit is reproducible in any process, so
# the cluster's cross-validated scores equal the local ones exactly.
if __name__ == "__main__":
    for name in ("mean_test_score", "std_test_score"):
        same = np.array_equal(local.cv_results_[name], distributed.cv_results_[name])
        print(f"{name} identical: {same}")
    print("best parameters:", distributed.best_params_)

    fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    for search, label, marker in [
        (local, "this process", "o"),
        (distributed, "Dask cluster", "x"),
    ]:
        ax.errorbar(
            WEIGHTS,
            search.cv_results_["mean_test_score"],
            yerr=search.cv_results_["std_test_score"],
            marker=marker,
            markersize=9,
            capsize=3,
            linestyle="-" if marker == "o" else "none",
            label=label,
        )
    ax.set(
        xscale="log",
        xlabel="sparsity_weight (KL)",
        ylabel="accuracy (2-fold CV)",
        title="One search, two places",
    )
    ax.grid(True)
    ax.legend()

# %%
# The cluster's workers start in a few seconds each, mostly importing
# TensorFlow, so on a single machine a cluster pays off for searches that
# take minutes, not for this one; across machines it adds their cores. See the
# user guide's "Parallel and distributed grid search" for starting workers on
# a real cluster.
