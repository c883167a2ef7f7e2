"""Keras's global dtype policy: honoured where supported, refused clearly elsewhere."""

import keras
import numpy as np
import pytest

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae._tf.dtype_policy import SUPPORTED_POLICIES
from sk_sparse_ae.nn._regularizers import KLDivergenceSparsity, L1Sparsity
from sk_sparse_ae.training import _pool as model_pool
from tests.conftest import SMALL

PARAMS = {**SMALL, "n_components": 8, "hidden_layer_sizes": (12,), "epochs": 2}


@pytest.fixture
def global_policy():
    """Set Keras's global dtype policy for one test; restored afterwards."""
    previous = keras.config.dtype_policy()
    yield keras.config.set_dtype_policy
    keras.config.set_dtype_policy(previous)


@pytest.mark.parametrize("sparsity", ["kl", None])
@pytest.mark.parametrize("policy", ["float64", "mixed_bfloat16"])
def test_pool_keeps_models_of_each_policy_apart(
    digits_small, global_policy, monkeypatch, policy, sparsity
):
    X = digits_small[0]
    params = {**PARAMS, "sparsity": sparsity}
    SparseAutoencoderTransformer(**params).fit(X)  # pools a float32 model
    global_policy(policy)
    pooled = SparseAutoencoderTransformer(**params).fit(X)
    monkeypatch.setattr(model_pool, "enabled", lambda n_weights=0: False)
    new = SparseAutoencoderTransformer(**params).fit(X)
    # Trained under the policy, not on the float32 model in the pool.
    assert pooled.history_ == new.history_
    np.testing.assert_array_equal(pooled.transform(X), new.transform(X))
    assert {layer.dtype_policy.name for layer in pooled.encoder_.layers} == {policy}


@pytest.mark.parametrize(
    "policy, sparsity",
    [
        ("float64", "kl"),
        ("float64", "topk"),
        ("mixed_bfloat16", "kl"),
        ("mixed_bfloat16", "l1"),
        ("mixed_bfloat16", "topk"),
    ],
)
def test_supported_policies_work_end_to_end(
    digits_small, global_policy, tmp_path, policy, sparsity
):
    assert policy in SUPPORTED_POLICIES
    X = digits_small[0]
    global_policy(policy)
    sae = SparseAutoencoderTransformer(**PARAMS, sparsity=sparsity, k=3).fit(X)
    codings = sae.transform(X)
    assert codings.dtype == np.float32 and np.isfinite(codings).all()
    # Few rows take the same (Keras) path for non-float32 layers.
    np.testing.assert_array_equal(sae.transform(X[:5]), codings[:5])
    assert np.isfinite(sae.score(X))
    sae.partial_fit(X)
    sae.save(tmp_path / "sae.skae")
    global_policy("float32")  # the file keeps its layers' policy
    loaded = sk_sparse_ae.load(tmp_path / "sae.skae")
    np.testing.assert_array_equal(loaded.transform(X), sae.transform(X))
    # The optimizer state came back: partial_fit continues identically.
    for source, target in zip(
        sae.model_.optimizer.variables, loaded.model_.optimizer.variables, strict=True
    ):
        np.testing.assert_array_equal(source.numpy(), target.numpy())
    sae.partial_fit(X)
    loaded.partial_fit(X)
    np.testing.assert_array_equal(loaded.transform(X), sae.transform(X))
    assert loaded.encoder_.layers[0].dtype_policy.name == policy


@pytest.mark.parametrize("policy", ["mixed_float16", "float16", "bfloat16"])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_unsupported_policies_are_refused(digits_small, global_policy, policy, method):
    global_policy(policy)
    sae = SparseAutoencoderTransformer(**PARAMS)
    with pytest.raises(ValueError, match=rf"dtype policy is '{policy}'.*float32"):
        getattr(sae, method)(digits_small[0])
    assert not hasattr(sae, "model_")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_penalties_of_16_bit_codings_are_computed_in_float32(dtype):
    codings = np.full((4, 3), 0.5, dtype=np.float32)
    codings[:, 0] = 1.0  # a saturated unit: 1 - 1e-7 rounds to 1 in 16 bits
    codings_16 = keras.ops.cast(codings, dtype)
    kl = KLDivergenceSparsity(weight=1.0, target=0.1)
    l1 = L1Sparsity(l1=1.0)
    for regularizer in (kl, l1):
        value = regularizer(codings_16)
        assert keras.backend.standardize_dtype(value.dtype) == "float32"
        expected = regularizer(codings)  # float32 all along
        np.testing.assert_allclose(float(value), float(expected), rtol=1e-6)
    assert np.isfinite(float(kl(codings_16)))
