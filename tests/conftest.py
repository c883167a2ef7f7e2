import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import MinMaxScaler

# A small, fast configuration for tests on the digits (64 features).
SMALL = dict(n_components=16, hidden_layer_sizes=(32,), epochs=3, random_state=0)


@pytest.fixture(scope="session")
def digits():
    """load_digits scaled to [0, 1] (float64) and its labels."""
    X, y = load_digits(return_X_y=True)
    return MinMaxScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def digits_small(digits):
    """The first 400 digits, float32."""
    X, y = digits
    return np.ascontiguousarray(X[:400], dtype=np.float32), y[:400]


@pytest.fixture(scope="session")
def dask_client():
    """A Dask client of a local cluster: 2 worker processes, 1 thread each.

    One per session: starting the workers and TensorFlow in them takes
    seconds, and every Dask test can share them.
    """
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
