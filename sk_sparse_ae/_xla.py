"""Whether a fit trains with XLA: the estimator's ``jit_compile`` parameter.

With XLA the training loop over each call's full batches is compiled as one
XLA program (``training.steps_function``), which fuses the elementwise work
around the matrix products (activations, the loss and their gradients, bias
gradients, the update) and removes TensorFlow's dispatch between steps. On
2 Intel Xeon cores the book's model trained in 0.94x the default's time per
epoch at batch 32 and 0.69x at 256 (2.0x its matrix products alone), where
XLA's own matrix products were 8-13% slower than oneDNN's
(``benchmarks/bench_training.py``). It costs a compilation for each model,
batch size and number of training rows, about 1 s for the book's model and
2 s for a 2,000-unit TopK model (so it pays on long fits, not on grid
searches over small data, whose folds differ in size), and
XLA orders floating-point sums its own way, so results differ from the
uncompiled loop's within float32 rounding. TopK models select their units
with TensorFlow's ``top_k`` under XLA (``_topk_selection``) and compute the
AuxK loss over all units, which on the CPU costs more than XLA saves (1.2x
and 1.8x the default's time at batch 32 and 256).

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
