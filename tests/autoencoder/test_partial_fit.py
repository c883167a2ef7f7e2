"""Streaming training with partial_fit."""

import math
import pickle

import keras
import numpy as np
import pytest

from sk_sparse_ae import SparseAutoencoderTransformer, load
from tests.conftest import SMALL

# Adam, so that the optimizer has state (moments) worth keeping between calls.
STREAM = {**SMALL, "optimizer": "adam", "learning_rate": 0.01, "batch_size": 32}


def iterations(sae):
    return int(keras.ops.convert_to_numpy(sae.model_.optimizer.iterations))


def stream(sae, X, n_chunks, passes):
    for _ in range(passes):
        for chunk in np.array_split(X, n_chunks):
            sae.partial_fit(chunk)
    return sae


def test_streaming_reaches_full_fit_loss(digits):
    """5 passes over 6 chunks of the digits vs fit with epochs=5.

    Margin: the streamed model's mean binary cross-entropy is within 0.02 of
    the full fit's (about 5% of the loss), and far below the loss after
    the first chunk.
    """
    X, _ = digits
    full = SparseAutoencoderTransformer(**{**STREAM, "epochs": 5}).fit(X)
    streamed = SparseAutoencoderTransformer(**STREAM)
    streamed.partial_fit(X[:300])
    after_one_chunk = streamed.score(X)
    stream(streamed, X[300:], 5, passes=1)
    stream(streamed, X, 6, passes=4)
    assert streamed.n_iter_ == 1 + 5 + 24
    assert len(streamed.history_["loss"]) == 30
    assert streamed.score(X) > full.score(X) - 0.02
    assert streamed.score(X) > after_one_chunk + 0.05


def test_model_and_optimizer_state_persist_between_calls(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**STREAM).partial_fit(X[:100])
    model, optimizer = sae.model_, sae.model_.optimizer
    assert iterations(sae) == math.ceil(100 / 32)
    moments = [
        keras.ops.convert_to_numpy(v)
        for v in optimizer.variables
        if "momentum" in v.path
    ]
    assert moments and any(np.any(m != 0) for m in moments)
    weights_before = [w.copy() for w in model.get_weights()]

    sae.partial_fit(X[100:250])
    assert sae.model_ is model and sae.model_.optimizer is optimizer
    assert iterations(sae) == math.ceil(100 / 32) + math.ceil(150 / 32)
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(weights_before, model.get_weights(), strict=True)
    )
    assert sae.n_iter_ == 2


def test_fit_starts_over_and_partial_fit_continues_it(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**{**STREAM, "epochs": 2})
    sae.partial_fit(X[:64]).partial_fit(X[64:128])
    sae.fit(X)
    steps_per_epoch = math.ceil(len(X) / 32)
    assert iterations(sae) == 2 * steps_per_epoch
    assert sae.n_iter_ == 2
    sae.partial_fit(X[:64])
    assert iterations(sae) == 2 * steps_per_epoch + 2
    assert sae.n_iter_ == 3 and len(sae.history_["loss"]) == 3


def test_later_chunks_must_match_the_first_width(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**STREAM).partial_fit(X[:50])
    with pytest.raises(ValueError, match=r"X has 10 features.* expecting 64 features"):
        sae.partial_fit(X[:50, :10])
    assert sae.n_features_in_ == 64 and iterations(sae) == 2


def test_partial_fit_checks_the_target_range(digits_small):
    X, _ = digits_small
    with pytest.raises(ValueError, match=r"partial_fit data in \[0, 1\]"):
        SparseAutoencoderTransformer(**STREAM, loss="binary_crossentropy").partial_fit(
            X[:50] * 2
        )


def test_streams_are_reproducible_with_an_int_random_state(digits_small):
    X, _ = digits_small
    a = stream(SparseAutoencoderTransformer(**STREAM), X, 3, passes=1)
    b = stream(SparseAutoencoderTransformer(**STREAM), X, 3, passes=1)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


def test_partial_fit_with_topk_keeps_k_units(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**STREAM, sparsity="topk", k=3)
    stream(sae, X, 2, passes=1)
    assert np.count_nonzero(sae.transform(X), axis=1).max() == 3


def test_optimizer_state_survives_pickle_and_save_load(digits_small, tmp_path):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**STREAM, sparsity="topk", k=3)
    sae.partial_fit(X[:100])
    path = tmp_path / "stream.skae"
    sae.save(path)
    for restored in (pickle.loads(pickle.dumps(sae)), load(path)):
        assert iterations(restored) == math.ceil(100 / 32)
        np.testing.assert_array_equal(restored.transform(X), sae.transform(X))
        restored.partial_fit(X[100:164])
        assert iterations(restored) == math.ceil(100 / 32) + 2


def test_a_failed_call_leaves_weights_and_optimizer_as_they_were(digits_small):
    X, _ = digits_small
    params = {**STREAM, "loss": "squared_error", "optimizer": "sgd"}
    sae = SparseAutoencoderTransformer(**params).partial_fit(X[:100])
    weights = [w.copy() for w in sae.model_.get_weights()]
    history, steps = {k: list(v) for k, v in sae.history_.items()}, iterations(sae)
    with pytest.raises(FloatingPointError, match="diverged"):
        sae.partial_fit(X[:100] * 1e30)  # squares overflow float32
    assert iterations(sae) == steps and sae.n_iter_ == 1 and sae.history_ == history
    for before, after in zip(weights, sae.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(after, before)
    sae.partial_fit(X[100:200])  # still usable
    assert np.isfinite(sae.transform(X)).all()


def test_a_failed_first_call_leaves_the_transformer_unfitted(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(
        **{**STREAM, "n_components": 10**9}, sparsity="topk"
    )
    with pytest.raises(ValueError, match="weights, which need about"):
        sae.partial_fit(X[:50])
    assert not [name for name in vars(sae) if name.endswith("_")]
