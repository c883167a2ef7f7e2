"""The "auto" architecture: the book's model by default, the features model
with sparsity="topk", explicit values always winning."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae.autoencoder._auto_settings import resolve_architecture
from sk_sparse_ae.experiments import BOOK_SETTINGS, FEATURES_SETTINGS

BOOK_ARCHITECTURE = dict(
    n_components=300, hidden_layer_sizes=(100,), optimizer="sgd", batch_size=32
)


def _resolved(sae):
    return {
        name: getattr(sae, name + "_")
        for name in ("n_components", "hidden_layer_sizes", "optimizer", "batch_size")
    }


@pytest.mark.parametrize("sparsity", ["kl", "l1", None])
def test_the_defaults_are_the_books_model(digits, sparsity):
    X = digits[0][:300]
    auto = SparseAutoencoderTransformer(sparsity=sparsity, epochs=1, random_state=0)
    book = SparseAutoencoderTransformer(
        sparsity=sparsity, **BOOK_ARCHITECTURE, epochs=1, random_state=0
    )
    auto.fit(X)
    assert _resolved(auto) == BOOK_ARCHITECTURE
    assert (auto.loss_, auto.learning_rate_) == ("binary_crossentropy", 1.0)
    np.testing.assert_array_equal(auto.transform(X), book.fit(X).transform(X))
    assert {k: v for k, v in BOOK_SETTINGS.items() if k in BOOK_ARCHITECTURE} == (
        BOOK_ARCHITECTURE
    )


def test_the_short_line_is_the_features_model(digits):
    X = digits[0][:300]
    short = SparseAutoencoderTransformer(sparsity="topk", epochs=1, random_state=0)
    long = SparseAutoencoderTransformer(**FEATURES_SETTINGS, epochs=1, random_state=0)
    short.fit(X)
    assert _resolved(short) == dict(
        n_components=2000, hidden_layer_sizes=(), optimizer="adam", batch_size=256
    )
    assert (short.k_, short.loss_, short.learning_rate_) == (100, "squared_error", 1e-3)
    np.testing.assert_array_equal(short.transform(X), long.fit(X).transform(X))


def test_explicit_values_win(digits):
    X = digits[0][:300]
    explicit = dict(
        n_components=24, hidden_layer_sizes=(8,), optimizer="rmsprop", batch_size=64
    )
    sae = SparseAutoencoderTransformer(
        sparsity="topk", k=5, loss="binary_crossentropy", epochs=1, **explicit
    ).fit(X)
    assert _resolved(sae) == explicit
    assert (sae.k_, sae.loss_) == (5, "binary_crossentropy")
    assert sae.transform(X[:3]).shape == (3, 24)
    assert (sae.transform(X) > 0).sum(axis=1).max() <= 5


def test_auto_k_is_smaller_on_sparse_input_and_at_most_n_components(digits):
    X = digits[0][:200]
    dense = SparseAutoencoderTransformer(sparsity="topk", n_components=64, epochs=1)
    sparse = SparseAutoencoderTransformer(sparsity="topk", n_components=64, epochs=1)
    assert dense.fit(X).k_ == 64  # 100, at most n_components
    assert sparse.fit(sp.csr_matrix(X)).k_ == 32
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SparseAutoencoderTransformer(sparsity="topk", n_components=10, epochs=1).fit(X)
    assert not [w for w in caught if "is at least n_components" in str(w.message)]


@pytest.mark.parametrize("n_features", [784, 10_000, 100_000, 1_000_000])
def test_auto_width_keeps_weights_and_adam_state_within_1_gib(n_features):
    X = sp.csr_matrix((3, n_features), dtype=np.float32)
    params = SparseAutoencoderTransformer(sparsity="topk").get_params()
    n = resolve_architecture(params, X)["n_components"]

    def model_bytes(units):  # encoder and decoder kernels and biases, x3 (Adam)
        return 12 * (2 * n_features * units + units + n_features)

    assert model_bytes(n) <= 2**30
    assert n == 2000 or model_bytes(n + 1) > 2**30
    assert n == min(2000, (2**30 // 12 - n_features) // (2 * n_features + 1))


def test_the_short_line_saves_loads_and_refuses_a_new_width(digits, tmp_path):
    X = digits[0][:300]
    sae = SparseAutoencoderTransformer(sparsity="topk", epochs=1, random_state=0)
    sae.fit(X).save(tmp_path / "short.skae")
    loaded = sk_sparse_ae.load(tmp_path / "short.skae")
    assert _resolved(loaded) == _resolved(sae) and loaded.k_ == sae.k_
    assert loaded.n_components == "auto"
    np.testing.assert_array_equal(loaded.transform(X), sae.transform(X))

    loaded.set_params(batch_size=64).partial_fit(X)
    assert loaded.batch_size_ == 64
    with pytest.raises(ValueError, match="n_components=50"):
        loaded.set_params(n_components=50).partial_fit(X)
