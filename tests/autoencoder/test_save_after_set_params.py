"""An estimator whose parameters changed since the fit saves and loads as it is."""

import numpy as np
import pytest

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer

TINY = dict(n_components=6, hidden_layer_sizes=(8,), epochs=1, random_state=0)


@pytest.mark.parametrize(
    "base, change",
    [
        ({"sparsity": "kl"}, {"sparsity_weight": 0.5}),
        ({"sparsity": "kl"}, {"n_components": 9}),
        ({"sparsity": "topk", "k": 3}, {"k": 2}),
        ({}, {"optimizer": "adam"}),
        ({}, {"loss": "squared_error"}),
    ],
)
def test_saved_after_set_params_loads_and_behaves_the_same(tmp_path, base, change):
    X = np.random.default_rng(0).random((60, 12))
    sae = SparseAutoencoderTransformer(**TINY, **base).fit(X)
    sae.set_params(**change)
    path = tmp_path / "changed.skae"
    sae.save(path)
    loaded = sk_sparse_ae.load(path)
    assert loaded.get_params() == sae.get_params()
    np.testing.assert_array_equal(loaded.transform(X), sae.transform(X))
    # partial_fit applies the change, or refuses it with the same message.
    outcomes = []
    for estimator in (sae, loaded):
        try:
            estimator.partial_fit(X[:20])
            outcomes.append(("applied", estimator.transform(X[:5])))
        except ValueError as error:
            outcomes.append(("refused", str(error)))
    assert outcomes[0][0] == outcomes[1][0]
    if outcomes[0][0] == "applied":
        np.testing.assert_allclose(outcomes[0][1], outcomes[1][1], rtol=1e-6)
    else:
        assert outcomes[0][1] == outcomes[1][1]
