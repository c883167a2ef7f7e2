"""Keras's global dtype policy: which ones the estimator builds its models with.

Keras layers take the global policy (``keras.config.set_dtype_policy``) when
they are built. The estimator honours the policies it is tested under
(``tests/_tf/test_dtype_policy.py``: fit, transform, score, partial_fit, save and
load, each sparsity): ``"float32"`` (the default), ``"float64"`` and
``"mixed_bfloat16"`` (float32 weights, bfloat16 computations; the sparsity
penalty is computed in float32). The others raise a ``ValueError`` before
anything is built:

- ``"mixed_float16"``: Keras wraps the optimizer in a ``LossScaleOptimizer``,
  and a saved model loaded under another global policy comes back with a
  plain optimizer and without its state (Keras 3.15 only warns), so
  ``partial_fit`` after ``load`` would silently start the optimizer over;
  ``"mixed_bfloat16"`` gives mixed precision without loss scaling;
- ``"float16"`` and ``"bfloat16"`` keep the weights themselves in 16 bits,
  where small gradient steps round away (Keras recommends the mixed
  policies for training); quantized policies are for inference.

In every case the data reach the model as float32.
"""

import keras

__all__ = ["SUPPORTED_POLICIES", "current_policy"]

SUPPORTED_POLICIES = ("float32", "float64", "mixed_bfloat16")


def current_policy():
    """The name of Keras's global dtype policy; ValueError if unsupported."""
    name = keras.config.dtype_policy().name
    if name not in SUPPORTED_POLICIES:
        raise ValueError(
            f"Keras's global dtype policy is {name!r}; SparseAutoencoderTransformer "
            f"builds its models under {', '.join(map(repr, SUPPORTED_POLICIES))}. "
            "Set one with keras.config.set_dtype_policy(...) before fitting "
            "(for mixed precision, 'mixed_bfloat16'; see "
            "sk_sparse_ae/_tf/dtype_policy.py for why the others are refused)."
        )
    return name
