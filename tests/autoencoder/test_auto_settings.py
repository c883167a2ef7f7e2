"""loss="auto" and learning_rate="auto": what they resolve to, and that the
book's settings (cross-entropy, SGD 1.0 on [0, 1] data) are unchanged."""

import numpy as np
import pytest
from sklearn.preprocessing import MinMaxScaler

from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae.training import _pool as model_pool
from tests.conftest import SMALL


@pytest.fixture(scope="module")
def standardized(digits_small):
    X, _ = digits_small
    X = X.astype(np.float64)
    return (X - X.mean(axis=0)) / np.maximum(X.std(axis=0), 1e-3)


def _output_activation(sae):
    return sae.decoder_.get_layer("reconstruction").activation.__name__


def test_auto_on_unit_interval_data_is_the_books_cross_entropy(digits_small):
    X, _ = digits_small
    auto = SparseAutoencoderTransformer(**SMALL).fit(X)
    assert (auto.loss_, auto.learning_rate_) == ("binary_crossentropy", 1.0)
    assert _output_activation(auto) == "sigmoid"
    book = SparseAutoencoderTransformer(
        **SMALL, loss="binary_crossentropy", learning_rate=1.0
    ).fit(X)
    assert auto.history_ == book.history_
    np.testing.assert_array_equal(auto.transform(X), book.transform(X))


@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_auto_on_real_data_is_squared_error_at_a_scaled_rate(standardized, scale):
    X = standardized * scale
    auto = SparseAutoencoderTransformer(**SMALL).fit(X)
    expected_rate = 0.01 / max(1.0, float(np.mean(X**2)))
    assert auto.loss_ == "squared_error"
    assert auto.learning_rate_ == pytest.approx(expected_rate, rel=1e-12)
    assert _output_activation(auto) == "linear"
    explicit = SparseAutoencoderTransformer(
        **SMALL, loss="squared_error", learning_rate=expected_rate
    ).fit(X)
    np.testing.assert_array_equal(auto.transform(X), explicit.transform(X))
    X_hat = auto.inverse_transform(auto.transform(X))
    assert auto.score(X) == pytest.approx(-np.mean((X - X_hat) ** 2), rel=1e-4)


def test_min_max_scaled_data_counts_as_unit_interval_despite_rounding():
    X = np.array(
        [
            [18.039, 19.611],
            [22.352, 24.48],
            [16.223, 24.542],
            [24.038, 22.344],
            [20.793, 19.058],
            [24.374, 25.881],
        ]
    )
    scaled = MinMaxScaler().fit_transform(X)
    assert scaled.max() > 1  # 1 + 4.4e-16, by rounding
    params = dict(n_components=2, hidden_layer_sizes=(), epochs=1, random_state=0)
    assert SparseAutoencoderTransformer(**params).fit(scaled).loss_ == (
        "binary_crossentropy"
    )
    # An explicit cross-entropy accepts it too, and still refuses 1 + 1e-3.
    explicit = SparseAutoencoderTransformer(**params, loss="binary_crossentropy")
    explicit.fit(scaled)
    with pytest.raises(ValueError, match=r"got values in \[0, 1.001\]"):
        explicit.fit(scaled * 1.001)


def test_data_around_100_trains_without_diverging():
    # scikit-learn's check_fit_idempotent data; SGD at 0.01 diverges on it.
    X = np.random.RandomState(0).normal(loc=100, size=(1000, 2))
    sae = SparseAutoencoderTransformer(random_state=0).fit(X)
    assert sae.learning_rate_ == pytest.approx(0.01 / np.mean(X**2))
    assert np.isfinite(sae.history_["loss"]).all()
    assert sae.history_["loss"][-1] < sae.history_["loss"][0]
    with pytest.raises(FloatingPointError, match="diverged"):
        SparseAutoencoderTransformer(
            loss="squared_error", learning_rate=0.01, random_state=0
        ).fit(X)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_adaptive_optimizers_keep_kerass_default_rate(standardized, optimizer):
    sae = SparseAutoencoderTransformer(**{**SMALL, "epochs": 1}, optimizer=optimizer)
    assert sae.fit(standardized * 30).learning_rate_ == 1e-3


def test_explicit_cross_entropy_still_refuses_data_outside_unit_interval(standardized):
    sae = SparseAutoencoderTransformer(**SMALL, loss="binary_crossentropy")
    with pytest.raises(ValueError, match=r"needs fit data in \[0, 1\]"):
        sae.fit(standardized)
    assert not hasattr(sae, "loss_")


def test_partial_fit_first_chunk_decides(digits_small, standardized):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**SMALL).partial_fit(X[:200])
    assert sae.loss_ == "binary_crossentropy"
    codings = sae.transform(X)
    with pytest.raises(
        ValueError,
        match=r"loss='auto' chose 'binary_crossentropy' \(loss_\) because the "
        r"data first trained on lay in \[0, 1\], but this partial_fit data has "
        r"values in \[-",
    ):
        sae.partial_fit(standardized[200:])
    # The refused chunk changed nothing.
    np.testing.assert_array_equal(sae.transform(X), codings)
    assert sae.n_iter_ == 1
    # The other way round: squared error chosen, later [0, 1] chunks are fine.
    sae = SparseAutoencoderTransformer(**SMALL).partial_fit(standardized[:200])
    assert sae.loss_ == "squared_error"
    rate = sae.learning_rate_
    sae.partial_fit(X[200:])
    assert (sae.loss_, sae.learning_rate_, sae.n_iter_) == ("squared_error", rate, 2)


def test_pool_keeps_one_model_per_resolved_loss(
    digits_small, standardized, monkeypatch
):
    X, _ = digits_small
    monkeypatch.setattr(model_pool, "enabled", lambda n_weights=0: True)
    SparseAutoencoderTransformer(**SMALL).fit(X)  # pools a cross-entropy model
    pooled = SparseAutoencoderTransformer(**SMALL).fit(standardized)
    monkeypatch.setattr(model_pool, "enabled", lambda n_weights=0: False)
    new = SparseAutoencoderTransformer(**SMALL).fit(standardized)
    assert pooled.history_ == new.history_
    np.testing.assert_array_equal(
        pooled.transform(standardized), new.transform(standardized)
    )
