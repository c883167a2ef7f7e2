"""dask-ml on a local cluster: ``Incremental`` trains block by block with
``partial_fit``, ``ParallelPostFit`` transforms and predicts block by block."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sk_sparse_ae import SparseAutoencoderTransformer

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
wrappers = pytest.importorskip("dask_ml.wrappers")

PARAMS = dict(
    n_components=16,
    hidden_layer_sizes=(32,),
    optimizer="adam",
    learning_rate=0.01,
    random_state=0,
)
N_BLOCKS = 12


@pytest.fixture(scope="module")
def data(digits):
    X, y = digits
    X = np.ascontiguousarray(X[:600], dtype=np.float32)
    return X, y[:600], da.from_array(X, chunks=(len(X) // N_BLOCKS, X.shape[1]))


@pytest.fixture(scope="module")
def by_hand(data):
    """The same blocks, in the same order, fed to partial_fit in this process."""
    X, _, dX = data
    sae = SparseAutoencoderTransformer(**PARAMS)
    for block in np.split(X, np.cumsum(dX.chunks[0])[:-1]):
        sae.partial_fit(block)
    return sae


def test_incremental_equals_partial_fit_by_hand(dask_client, data, by_hand):
    X, _, dX = data
    assert dX.numblocks == (N_BLOCKS, 1)
    incremental = wrappers.Incremental(
        SparseAutoencoderTransformer(**PARAMS), shuffle_blocks=False
    )
    with distributed.get_task_stream(dask_client) as tasks:
        incremental.fit(dX)
    fitted = incremental.estimator_
    assert fitted.n_iter_ == N_BLOCKS
    assert fitted.history_ == by_hand.history_
    np.testing.assert_array_equal(fitted.transform(X), by_hand.transform(X))
    # One partial_fit task per block ran on the cluster ((name, -1) is the
    # unfitted estimator), all on one worker: the model stays where it is
    # and the blocks move to it (SparseAutoencoderTransformer.__sizeof__).
    fit_tasks = [
        task
        for task in tasks.data
        if task["key"][0].startswith("fit-") and task["key"][1] >= 0
    ]
    assert len(fit_tasks) == N_BLOCKS
    assert len({task["worker"] for task in fit_tasks}) == 1


def test_parallel_post_fit_transforms_blockwise_as_locally(dask_client, data, by_hand):
    X, y, dX = data
    codings = wrappers.ParallelPostFit(by_hand).transform(dX)
    blocks = np.split(X, np.cumsum(dX.chunks[0])[:-1])
    expected = np.concatenate([by_hand.transform(block) for block in blocks])
    computed = codings.compute()
    assert computed.dtype == np.float32
    np.testing.assert_array_equal(computed, expected)
    # dask-ml 2025.1 calls map_blocks without chunks=, so the lazy array
    # claims the input's 64 columns while its blocks hold the 16 codings (the
    # docs say so in doc/modules/parallel.md; update them if this changes).
    # map_blocks with chunks=, as the docs show, gets the shape right.
    assert codings.shape == (len(X), 64) and computed.shape == (len(X), 16)
    declared = dX.map_blocks(
        by_hand.transform,
        chunks=(dX.chunks[0], (by_hand.n_components,)),
        dtype=dX.dtype,
    )
    assert declared.shape == (len(X), 16)
    np.testing.assert_array_equal(declared.compute(), expected)
    # A whole pipeline predicts blockwise with correct metadata (1-D output).
    pipeline = make_pipeline(
        SparseAutoencoderTransformer(**PARAMS, epochs=2),
        LogisticRegression(max_iter=300),
    ).fit(X, y)
    predicted = wrappers.ParallelPostFit(pipeline).predict(dX)
    assert predicted.shape == (len(X),)
    np.testing.assert_array_equal(predicted.compute(), pipeline.predict(X))
    # A worker whose first TensorFlow work was unpickling a fitted transformer
    # (not a fit) sized TensorFlow's pools to its OMP_NUM_THREADS=1 too.
    assert set(dask_client.run(tf_pool_sizes).values()) == {("1", 1, 1)}


def tf_pool_sizes():
    import os

    import tensorflow as tf

    return (
        os.environ.get("OMP_NUM_THREADS"),
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )
