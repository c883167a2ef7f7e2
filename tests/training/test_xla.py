"""jit_compile: training steps compiled with XLA, or not, as asked."""

import numpy as np
import pytest
import tensorflow as tf

from sk_sparse_ae import SparseAutoencoderTransformer, load
from sk_sparse_ae._compat import InvalidParameterError
from sk_sparse_ae.training._loop import steps_function
from tests.conftest import SMALL

pytestmark = pytest.mark.skipif(
    bool(tf.config.list_physical_devices("GPU")),
    reason='"auto" means XLA on a GPU; these tests describe the CPU',
)

TOPK = dict(
    n_components=24, hidden_layer_sizes=(), sparsity="topk", k=4, random_state=0
)


def _fit(X, **params):
    return SparseAutoencoderTransformer(**{**SMALL, **params}).fit(X)


def _uses_xla(model):
    """Whether the compiled training loop of ``model`` calls an XLA cluster."""
    graph = steps_function(model, model.input_shape[-1], 32).graph.as_graph_def()
    functions = [node for f in graph.library.function for node in f.node_def]
    return any(node.attr["_XlaMustCompile"].b for node in [*graph.node, *functions])


@pytest.mark.parametrize("params", [{}, TOPK], ids=["kl", "topk"])
def test_xla_training_matches_plain_training_to_float32_rounding(digits_small, params):
    X = digits_small[0]
    plain = _fit(X, **params, jit_compile=False)
    xla = _fit(X, **params, jit_compile=True)
    for a, b in zip(plain.model_.get_weights(), xla.model_.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(plain.history_["loss"], xla.history_["loss"], rtol=1e-4)


def test_the_loop_is_compiled_as_asked(digits_small):
    X = digits_small[0]
    sae = _fit(X, jit_compile=True)
    assert sae.model_.jit_compile and _uses_xla(sae.model_)
    sae.set_params(jit_compile=False).partial_fit(X[:64])
    assert not sae.model_.jit_compile and not _uses_xla(sae.model_)


@pytest.mark.parametrize("n_samples", [20, 64])
def test_xla_trains_on_fewer_rows_than_a_batch_or_on_full_batches_only(
    digits_small, n_samples
):
    # 20 rows: no full batch of 64, only the smaller last one; 64 rows: one
    # full batch and no smaller one.
    X = digits_small[0][:n_samples]
    params = dict(batch_size=64, epochs=3)
    xla = _fit(X, **params, jit_compile=True)
    plain = _fit(X, **params, jit_compile=False)
    assert int(xla.model_.optimizer.iterations) == 3
    for a, b in zip(plain.model_.get_weights(), xla.model_.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)


def test_auto_is_kerass_choice_on_the_cpu_and_changes_nothing(digits_small):
    X = digits_small[0]
    auto, plain = _fit(X), _fit(X, jit_compile=False)
    assert not auto.model_.jit_compile
    for a, b in zip(auto.model_.get_weights(), plain.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_pooled_model_switches_back_without_xla(digits_small):
    # The first and last fits share a pooled model; the middle one trains it
    # with XLA. The last must equal the first bit for bit.
    X = digits_small[0]
    first = _fit(X, jit_compile=False)
    _fit(X, jit_compile=True)
    last = _fit(X, jit_compile=False)
    for a, b in zip(first.model_.get_weights(), last.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_trains_with_xla(digits_small):
    X = digits_small[0]
    sae = SparseAutoencoderTransformer(**SMALL, jit_compile=True).partial_fit(X)
    assert sae.model_.jit_compile
    plain = SparseAutoencoderTransformer(**SMALL, jit_compile=False).partial_fit(X)
    for a, b in zip(sae.model_.get_weights(), plain.model_.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)


def test_a_bad_value_is_named(digits_small):
    with pytest.raises(InvalidParameterError, match=r"jit_compile.*'yes'"):
        SparseAutoencoderTransformer(jit_compile="yes").fit(digits_small[0])


def test_save_and_load_keep_the_setting(digits_small, tmp_path):
    X = digits_small[0]
    sae = _fit(X, jit_compile=True)
    sae.save(tmp_path / "xla.skae")
    loaded = load(tmp_path / "xla.skae")
    assert loaded.get_params()["jit_compile"] is True
    np.testing.assert_array_equal(loaded.transform(X), sae.transform(X))
    loaded.partial_fit(X[:64])
    assert loaded.model_.jit_compile
