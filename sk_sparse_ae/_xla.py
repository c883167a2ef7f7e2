"""Whether a fit trains with XLA: the estimator's ``jit_compile`` parameter.

XLA compiles each training step into fused loops. On the CPU much of a step
is elementwise work around the matrix products (activations, the loss and
their gradients, bias gradients, the update), and XLA fuses it: the book's
model trained in 0.79x the time per epoch at batch 256 and 1.23x at batch
32, on 2 Intel Xeon cores, where XLA's own matrix products were within
about 10% of oneDNN's (``benchmarks/bench_training.py``). It
costs a compilation of about a second per model and batch shape, and XLA
orders floating-point sums its own way, so results differ from the
uncompiled step's within float32 rounding. TopK models select their units
with TensorFlow's ``top_k`` under XLA (``_topk_selection``), which on the
CPU costs more than XLA saves (1.4-1.8x the time).

``"auto"`` is Keras's own choice, XLA where TensorFlow sees an accelerator
and not on the CPU: what every fit did before the parameter existed.
"""

from ._compat import keras_auto_jit_compile

__all__ = ["use_jit_compile"]


def use_jit_compile(model, jit_compile):
    """Make ``model``'s next ``fit`` train with XLA or without, as asked.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    jit_compile : bool or "auto"
        The estimator's parameter; ``"auto"`` is what Keras's ``compile``
        picks for ``model`` on this machine.
    """
    if jit_compile == "auto":
        jit_compile = keras_auto_jit_compile(model)
    if bool(model.jit_compile) != jit_compile:
        model.jit_compile = jit_compile
        # Keras keeps the train function it made for the old setting.
        model.train_function = None
