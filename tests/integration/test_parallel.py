"""Grid search on worker processes: joblib's loky and a Dask cluster."""

import os

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae._tf.threads import limit_tensorflow_threads_to_environment

GRID = {"sparsity_weight": [1e-3, 3e-1]}


def make_search(n_jobs):
    return GridSearchCV(
        SparseAutoencoderTransformer(
            n_components=8,
            hidden_layer_sizes=(),
            epochs=2,
            random_state=0,
        ),
        GRID,
        cv=2,
        n_jobs=n_jobs,
    )


def tf_pool_sizes():
    import tensorflow as tf

    return (
        os.environ.get("OMP_NUM_THREADS"),
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )


@pytest.fixture(scope="module")
def X(digits):
    return digits[0][:300]


@pytest.fixture(scope="module")
def local_search(X):
    return make_search(n_jobs=1).fit(X)


def assert_same_search(search, reference):
    assert search.best_params_ == reference.best_params_
    # Workers run TensorFlow with 1 thread, the reference with TensorFlow's
    # default pools: float32 sums may be blocked differently.
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"],
        reference.cv_results_["mean_test_score"],
        rtol=1e-5,
    )


def test_loky_n_jobs_2_matches_sequential_with_one_tf_thread_per_worker(
    X, local_search
):
    search = make_search(n_jobs=2).fit(X)
    assert_same_search(search, local_search)
    # The search's workers (loky reuses them): joblib gave each
    # OMP_NUM_THREADS=cpu_count // 2 and fit sized TensorFlow's pools to it.
    n_threads = str(max(os.cpu_count() // 2, 1))
    pools = joblib.Parallel(n_jobs=2)(joblib.delayed(tf_pool_sizes)() for _ in range(4))
    assert set(pools) == {(n_threads, int(n_threads), int(n_threads))}


def test_dask_cluster_matches_local_run(X, local_search, dask_client):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.get_task_stream(dask_client) as tasks,
        joblib.parallel_config(backend="dask"),
    ):
        search = make_search(n_jobs=-1).fit(X)
        # Dask's nanny starts workers with OMP_NUM_THREADS=1.
        pools = dask_client.run(tf_pool_sizes)
    assert_same_search(search, local_search)
    assert len(tasks.data) > 0  # the fits ran as tasks on the cluster
    assert len(pools) == 2
    assert set(pools.values()) == {("1", 1, 1)}


def test_thread_limit_respects_explicit_tensorflow_settings(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "2")
    assert limit_tensorflow_threads_to_environment() is None
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "not a number")
    assert limit_tensorflow_threads_to_environment() is None
    # This test process has run TensorFlow ops already: its pools are fixed,
    # and the limit leaves them alone rather than failing.
    import tensorflow as tf

    tf.constant(0.0)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert limit_tensorflow_threads_to_environment() is None
