"""TopK sparsity: the TopKActivation layer and sparsity="topk"."""

import pickle
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer, TopKActivation
from tests.conftest import SMALL

TOPK = {**SMALL, "sparsity": "topk", "k": 4}


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_topk_mask(z, k):
    """1 where an entry is among the k largest of its row, else 0."""
    mask = np.zeros_like(z)
    np.put_along_axis(mask, np.argsort(-z, axis=1)[:, :k], 1.0, axis=1)
    return mask


@pytest.fixture(scope="module")
def fitted_topk(digits_small):
    X, _ = digits_small
    return SparseAutoencoderTransformer(**TOPK).fit(X)


def numpy_pre_activations(fitted, X):
    """The coding layer's pre-activations, computed in float64 NumPy."""
    centering, hidden_layer, codings_layer, topk_layer = fitted.encoder_.layers
    assert isinstance(topk_layer, TopKActivation) and topk_layer.k == 4
    (offset,), (w1, b1), (w2, b2) = (
        [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
        for layer in (centering, hidden_layer, codings_layer)
    )
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    h = (X - offset) @ w1 + b1
    return scale * np.where(h > 0, h, alpha * (np.exp(h) - 1)) @ w2 + b2


def test_codes_are_relu_of_the_k_largest(fitted_topk, digits):
    X, _ = digits
    z = numpy_pre_activations(fitted_topk, X)
    codings = fitted_topk.transform(X)
    expected = numpy_topk_mask(z, 4) * np.maximum(z, 0)
    # Compare rows whose 4th and 5th largest pre-activations are clearly
    # apart: float32 vs float64 rounding may order near-ties differently.
    ordered = -np.sort(-z, axis=1)
    clear = ordered[:, 3] - ordered[:, 4] > 1e-4
    assert clear.mean() > 0.95
    np.testing.assert_allclose(codings[clear], expected[clear], atol=2e-5)
    # Non-negative, at most k non-zeros; exactly k where the k-th largest
    # pre-activation is positive, fewer where ReLU zeroes some kept ones.
    assert codings.min() >= 0
    nonzeros = np.count_nonzero(codings, axis=1)
    positive_kth = ordered[:, 3] > 1e-4
    assert nonzeros.max() <= 4 and positive_kth.mean() > 0.5
    assert np.all(nonzeros[clear & positive_kth] == 4)
    np.testing.assert_array_equal(
        nonzeros[clear], np.minimum(4, (z[clear] > 0).sum(axis=1))
    )


def test_ties_still_keep_exactly_k():
    layer = TopKActivation(k=2, activation="linear")
    out = np.asarray(layer(np.array([[1.0, 1.0, 1.0, 1.0], [3.0, 2.0, 2.0, 2.0]])))
    np.testing.assert_array_equal(out, [[1, 1, 0, 0], [3, 2, 0, 0]])


@pytest.mark.parametrize("k", [1, 3, 7])
def test_selection_matches_numpy_on_rows_full_of_ties(k):
    """Small integers tie everywhere; the first tied positions are kept."""
    z = np.random.default_rng(k).integers(0, 4, size=(200, 8)).astype(np.float32)
    out = np.asarray(TopKActivation(k=k, activation="linear")(z + 1))
    order = np.argsort(-z, axis=1, kind="stable")
    expected = np.zeros_like(z)
    np.put_along_axis(expected, order[:, :k], 1.0, axis=1)
    np.testing.assert_array_equal(out, expected * (z + 1))


def test_gradient_flows_only_through_kept_units():
    """dL/dW of Dense -> TopK -> weighted sum, against the hand computation."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    v = rng.normal(size=(1, 6)).astype(np.float32)
    dense = keras.layers.Dense(6, activation=None)
    topk = TopKActivation(k=2, activation="sigmoid")
    dense.build((None, 5))
    # Fixed weights (not Keras's unseeded initializer): some unit is never kept.
    dense.set_weights([rng.normal(size=(5, 6)), rng.normal(size=6)])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(topk(dense(x)) * v)
    grad_kernel, grad_bias = tape.gradient(loss, [dense.kernel, dense.bias])

    w, b = (np.asarray(p, dtype=np.float64) for p in dense.get_weights())
    z = x @ w + b
    mask = numpy_topk_mask(z, 2)
    s = sigmoid(z)
    dz = mask * v * s * (1 - s)  # zero for every unit that was not kept
    np.testing.assert_allclose(grad_kernel, x.T @ dz, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(grad_bias, dz.sum(axis=0), rtol=1e-5, atol=1e-7)
    never_kept = mask.sum(axis=0) == 0
    assert never_kept.any()  # the check below is not vacuous
    assert np.all(np.asarray(grad_kernel)[:, never_kept] == 0)


def test_config_round_trip():
    layer = TopKActivation(k=3, activation="relu", name="codings_topk")
    config = layer.get_config()
    assert config["k"] == 3 and config["activation"] == "relu"
    again = TopKActivation.from_config(config)
    assert again.get_config() == config
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer)
    )
    assert type(restored) is TopKActivation and restored.get_config() == config
    z = np.array([[0.5, -1.0, 2.0, 0.1]], dtype=np.float32)
    np.testing.assert_array_equal(np.asarray(restored(z)), z * [[1, 0, 1, 1]])


@pytest.mark.parametrize("k", [0, -1, 2.0, True])
def test_layer_rejects_bad_k(k):
    with pytest.raises(ValueError, match=f"k must be an int >= 1, got {k!r}"):
        TopKActivation(k=k)


def test_layer_rejects_k_wider_than_input():
    with pytest.raises(
        ValueError, match=r"k=5 is larger than the number of units \(4\)"
    ):
        TopKActivation(k=5)(np.zeros((1, 4), dtype=np.float32))


@pytest.mark.parametrize("k", [16, 17, 1000])
def test_k_of_n_components_or_more_keeps_every_unit_with_a_warning(digits_small, k):
    # As SelectKBest warns for k > n_features and keeps every feature.
    X, _ = digits_small
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        four = SparseAutoencoderTransformer(**TOPK).fit(X)  # k=4
    assert not [w for w in caught if "is at least n_components" in str(w.message)]
    with pytest.warns(UserWarning, match=f"k={k} is at least n_components=16"):
        sae = SparseAutoencoderTransformer(**{**TOPK, "k": k}).fit(X)
    (top_k,) = [layer for layer in sae.encoder_.layers if hasattr(layer, "k")]
    assert top_k.k == 16
    assert sae.k == k  # the parameter itself is left as given
    codes = sae.transform(X)
    # Every unit kept is the ReLU of the same pre-activations whatever k >= 16.
    with pytest.warns(UserWarning):
        sixteen = SparseAutoencoderTransformer(**{**TOPK, "k": 16}).fit(X)
    np.testing.assert_array_equal(codes, sixteen.transform(X))
    assert not np.array_equal(codes, four.transform(X))


def test_pickle_round_trip_keeps_topk(fitted_topk, digits_small):
    X, _ = digits_small
    restored = pickle.loads(pickle.dumps(fitted_topk))
    np.testing.assert_array_equal(restored.transform(X), fitted_topk.transform(X))


# A small problem on which wide, very sparse codes lose many units.
DYING = dict(
    n_components=128,
    hidden_layer_sizes=(),
    sparsity="topk",
    k=2,
    loss="squared_error",
    optimizer="adam",
    learning_rate=0.01,
    batch_size=32,
    epochs=10,
    dead_after_samples=300,
    random_state=0,
)


def dead_units(estimator, X):
    return int((~(estimator.transform(X) > 0).any(axis=0)).sum())


def test_auxk_leaves_fewer_dead_units(digits):
    X = np.asarray(digits[0][:600], dtype=np.float32)
    without = SparseAutoencoderTransformer(**DYING, auxk_weight=0.0).fit(X)
    with_auxk = SparseAutoencoderTransformer(**DYING, auxk_weight=1 / 32).fit(X)
    assert dead_units(with_auxk, X) < dead_units(without, X) - 10
    assert with_auxk.dead_fraction_ < without.dead_fraction_


def test_dead_fraction_counts_units_silent_in_the_last_epoch(digits):
    # A learning rate too small to change any float32 weight: the units that
    # fired during the one epoch are those that fire on transform(X).
    X = np.asarray(digits[0][:300], dtype=np.float32)
    params = {**DYING, "epochs": 1, "learning_rate": 1e-30, "auxk_weight": 0.0}
    sae = SparseAutoencoderTransformer(**params).fit(X)
    silent = ~(sae.transform(X) > 0).any(axis=0)
    assert 0 < silent.sum() < params["n_components"]
    assert sae.dead_fraction_ == silent.mean()


def test_sparse_output_equals_dense_output(digits):
    import scipy.sparse

    X = digits[0][:300]  # float64
    params = {**DYING, "epochs": 2}
    dense = SparseAutoencoderTransformer(**params).fit(X)
    sparse = SparseAutoencoderTransformer(**params, sparse_output=True).fit(X)
    codes = sparse.transform(X)
    assert scipy.sparse.issparse(codes) and codes.format == "csr"
    assert codes.dtype == np.float64 and codes.shape == (300, 128)
    np.testing.assert_array_equal(codes.toarray(), dense.transform(X))
    assert codes.nnz == np.count_nonzero(dense.transform(X))
    np.testing.assert_array_equal(
        sparse.inverse_transform(codes), dense.inverse_transform(codes.toarray())
    )
    float32_codes = sparse.transform(X.astype(np.float32))
    assert float32_codes.dtype == np.float32


def test_sparse_output_needs_topk(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**SMALL, sparse_output=True)
    with pytest.raises(ValueError, match="sparse_output=True needs sparsity='topk'"):
        sae.fit(X)
    assert not hasattr(sae, "model_")


@pytest.mark.parametrize("k", [1, 3, 8])
def test_numpy_and_keras_selections_agree(k, monkeypatch):
    """The NumPy selection (TensorFlow on a CPU) and the keras.ops one (GPU,
    other backends) keep the same entries, ties and -inf included."""
    from sk_sparse_ae.nn import _topk_selection

    rng = np.random.default_rng(k)
    z = rng.integers(-3, 3, size=(300, 8)).astype(np.float32)
    z[rng.random(z.shape) < 0.2] = -np.inf  # as AuxK's selection sees live units
    masks = {}
    for in_numpy in (True, False):
        monkeypatch.setattr(
            _topk_selection, "_select_in_numpy", lambda in_numpy=in_numpy: in_numpy
        )
        masks[in_numpy] = np.asarray(
            tf.function(lambda x: _topk_selection.top_k_mask(x, k))(tf.constant(z))
        )
    np.testing.assert_array_equal(masks[True], masks[False])
    np.testing.assert_array_equal(masks[True].sum(axis=1), k)
    order = np.argsort(-z, axis=1, kind="stable")
    expected = np.zeros_like(masks[True])
    np.put_along_axis(expected, order[:, :k], True, axis=1)
    np.testing.assert_array_equal(masks[True], expected)


def test_selection_compiles_with_xla():
    """Under XLA (which cannot run NumPy) the keras.ops selection is used."""
    from sk_sparse_ae.nn import _topk_selection

    z = np.random.default_rng(0).normal(size=(16, 40)).astype(np.float32)
    compiled = tf.function(lambda x: _topk_selection.top_k_mask(x, 5), jit_compile=True)
    np.testing.assert_array_equal(
        np.asarray(compiled(tf.constant(z))), _topk_selection.numpy_top_k_mask(z, 5)
    )


def test_a_model_keeping_every_unit_saves_and_loads(digits_small, tmp_path):
    X, _ = digits_small
    with pytest.warns(UserWarning, match="k=40 is at least n_components=16"):
        sae = SparseAutoencoderTransformer(**{**TOPK, "k": 40}).fit(X)
    sae.save(tmp_path / "every_unit.skae")
    loaded = sk_sparse_ae.load(tmp_path / "every_unit.skae")
    assert loaded.k == 40
    np.testing.assert_array_equal(loaded.transform(X), sae.transform(X))
