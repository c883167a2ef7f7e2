"""Whether a fit trains with XLA: the estimator's ``jit_compile`` parameter.

With XLA the training loop over each call's full batches is compiled as one
XLA program (``training.steps_function``), which fuses the elementwise work
around the matrix products (activations, the loss and their gradients, bias
gradients, the update) and removes TensorFlow's dispatch between steps; its
own matrix products are somewhat slower than oneDNN's. It costs a
compilation for each model, batch size and number of training rows (so it
pays on long fits, not on grid searches over small data, whose folds differ
in size), and XLA orders floating-point sums its own way, so results differ
from the uncompiled loop's within float32 rounding. TopK models select their
units with TensorFlow's ``top_k`` under XLA (``_topk_selection``) and compute
the AuxK loss over all units, which on the CPU costs more than XLA saves.
The measurements are in ``doc/modules/performance.md``.

``"auto"`` is Keras's own choice, XLA where TensorFlow sees an accelerator
and not on the CPU: what every fit did before the parameter existed.
"""

from .._compat import keras_auto_jit_compile

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
