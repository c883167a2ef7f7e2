"""The training loop and early stopping, for one Keras ``fit`` call.

All epochs run in a single ``Model.fit``: a ``fit`` call per epoch costs a new
input pipeline, a copy of the data into a tensor and a pipeline warm-up each
time, which made the estimator up to twice as slow as plain Keras.

Each epoch's order is drawn from the estimator's own NumPy generator, so a
seed gives the same order in any process without touching global seeds: the
order ``rng.shuffle`` of the rows would give, drawn lazily at the start of
the epoch.

Under TensorFlow (:func:`fit_shuffled`) the steps run in a compiled loop,
:func:`steps_function`: it gathers every batch from the data and runs the
model's own ``train_step`` on it inside one ``tf.while_loop``, a whole epoch
or 16,384 rows per call, whichever is less. Keras's ``fit`` still drives the
epochs, callbacks, validation and history; only its per-batch work moves
into the graph. That removes, per batch, the Python
dispatch of the step function and the ``tf.data`` pipeline (together more
than half of each step's CPU time on the book's model, at batch 32 and 256;
``benchmarks/bench_training_options.py``),
and gives exactly the batches, in the same order. The full batches have a
static shape in the loop, which lets TensorFlow pick faster kernels, so the
results match a per-batch Keras ``fit`` to float32 rounding, not bit for bit
(``tests/training/test_loop.py``). Under the other backends, and for sparse
data under any backend, the batches come from a ``tf.data`` pipeline
(:func:`shuffled_epochs`), one Keras step per batch, each sparse batch
densified alone (``_sparse_rows``).
"""

import weakref

import numpy as np
import scipy.sparse
import tensorflow as tf

from .._tf.backend import uses_tensorflow
from .._tf.memory import as_tf_tensor, as_tf_variable
from ._sparse_rows import SparseRows

__all__ = [
    "fit_shuffled",
    "shuffled_epochs",
    "steps_function",
]


def shuffled_epochs(X, batch_size, epochs, rng):
    """``(x, x)`` batches of X for ``epochs`` passes, each in a new order.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features), float32
        The training data; TensorFlow reads an ndarray in place if it is
        64-byte aligned (``_memory.float32_copy``), else from one copy, and
        a canonical CSR matrix from one sparse copy, densifying each batch.
        Do not modify it while the dataset is in use.
    batch_size : int
        Rows per batch; the last batch of each epoch may be smaller.
    epochs : int
        Number of passes.
    rng : numpy.random.Generator
        Draws the order of each pass: pass ``e`` visits the rows in the order
        ``X`` would have after ``e + 1`` in-place ``rng.shuffle`` calls.

    Returns
    -------
    dataset : tf.data.Dataset
        ``epochs * ceil(n_samples / batch_size)`` batches; give ``fit``
        ``steps_per_epoch=ceil(n_samples / batch_size)``.
    """
    n_samples = X.shape[0]
    order = np.arange(n_samples, dtype=np.int64)
    n_full = n_samples // batch_size

    # from_generator registers this function with TensorFlow's global graph,
    # which keeps it for the life of the process: it holds the order array
    # and the generator only until its one iteration ends.
    state = [order, rng]

    def orders():
        if not state:
            raise RuntimeError("A shuffled_epochs dataset can be iterated once.")
        epoch_order, epoch_rng = state
        try:
            for _ in range(epochs):
                epoch_rng.shuffle(epoch_order)
                yield epoch_order.copy()
        finally:
            state.clear()

    def batches_of(epoch_order):
        full = tf.reshape(epoch_order[: n_full * batch_size], (n_full, batch_size))
        batches = tf.data.Dataset.from_tensor_slices(full)
        if n_samples % batch_size:
            rest = tf.data.Dataset.from_tensors(epoch_order[n_full * batch_size :])
            batches = batches.concatenate(rest)
        return batches

    # Dense batches in flight: tf.data's autotuner may buffer batches up to
    # half the machine's memory, which for a wide sparse input (a dense batch
    # of 256 x 100,000 is 100 MB) would undo what keeping it sparse saves.
    in_flight = tf.data.AUTOTUNE
    if scipy.sparse.issparse(X):
        sparse_rows = SparseRows(X)
        in_flight = 2

        def gather(indices):
            rows = sparse_rows.gather(indices)
            return rows, rows

    else:
        # Shares X's memory and is captured by handle: no copy of the data.
        data = as_tf_variable(X)

        def gather(indices):
            # Gather from a dense read: gathering from the variable itself
            # would switch it to copy-on-read and copy the whole buffer.
            rows = tf.gather(data.read_value(), indices)
            return rows, rows

    return (
        tf.data.Dataset.from_generator(
            orders, output_signature=tf.TensorSpec((n_samples,), tf.int64)
        )
        .flat_map(batches_of)
        .map(gather, num_parallel_calls=in_flight, deterministic=True)
        .prefetch(in_flight)
    )


def fit_shuffled(model, X, *, batch_size, epochs, rng, **fit_kwargs):
    """``model.fit`` on ``(X, X)`` for ``epochs`` passes, each in a new order.

    The batches of pass ``e`` are those of :func:`shuffled_epochs`: the rows
    in the order ``X`` would have after ``e + 1`` in-place ``rng.shuffle``
    calls, ``batch_size`` at a time, the last batch of a pass smaller. Under
    TensorFlow the steps run in compiled loops of :func:`steps_function`, up
    to 16,384 rows per call (Keras's callbacks see one batch per call);
    elsewhere one Keras step per batch. Both give the same results.

    Parameters
    ----------
    model : keras.Model
        A compiled model; trained in place.
    X : ndarray or CSR matrix of shape (n_samples, n_features), float32
        The training data and targets. An ndarray is used in place if
        C-contiguous and 64-byte aligned (``_memory.float32_copy``), else
        copied once; a CSR matrix is densified one batch at a time. Do not
        modify it during the call.
    batch_size : int
        Rows per batch.
    epochs : int
        Number of passes.
    rng : numpy.random.Generator
        Draws the order of each pass.
    **fit_kwargs
        Passed to ``model.fit`` (callbacks, verbose, validation data...).

    Returns
    -------
    history : keras.callbacks.History
        What ``model.fit`` returns.
    """
    if scipy.sparse.issparse(X) or not uses_tensorflow():
        return model.fit(
            shuffled_epochs(X, batch_size, epochs, rng),
            epochs=epochs,
            steps_per_epoch=-(-X.shape[0] // batch_size),
            shuffle=False,
            **fit_kwargs,
        )
    run_steps = steps_function(model, X.shape[1], batch_size)
    data = as_tf_tensor(X)
    n_steps = -(-len(X) // batch_size)
    steps_per_call = min(n_steps, max(1, _ROWS_PER_CALL // batch_size))
    calls_per_epoch = -(-n_steps // steps_per_call)
    order = np.arange(len(X), dtype=np.int64)
    epoch_order = None
    steps_per_call_tensor = tf.constant(steps_per_call, tf.int64)

    def train_function(iterator):
        nonlocal epoch_order
        call = int(next(iterator)) % calls_per_epoch
        if call == 0:  # a new epoch
            rng.shuffle(order)
            epoch_order = tf.constant(order)
        first_step = tf.constant(call * steps_per_call, tf.int64)
        return run_steps(data, epoch_order, first_step, steps_per_call_tensor)

    # Keras's fit calls model.train_function once per group of steps, here
    # calls_per_epoch groups per epoch of a dataset that only numbers them
    # (the batches come from the data and the order drawn above). Installed
    # for this call only: a later fit on arrays (partial_fit) gets Keras's
    # own train function back.
    saved = model.train_function
    model.train_function = train_function
    try:
        return model.fit(
            _call_numbers(epochs * calls_per_epoch),
            epochs=epochs,
            steps_per_epoch=calls_per_epoch,
            shuffle=False,
            **fit_kwargs,
        )
    finally:
        model.train_function = saved


def _call_numbers(n_calls):
    """``tf.data.Dataset.range(n_calls)`` without tf.data's autotuning.

    The autotuner's background thread competes with training for the CPU;
    deleting the dataset's iterator at the end of ``fit`` waits for it, for
    tens of seconds after long fits (``~RootDataset::Iterator`` waiting on the
    tf.data thread pool).
    Numbering calls needs no tuning.
    """
    options = tf.data.Options()
    options.autotune.enabled = False
    return tf.data.Dataset.range(n_calls).with_options(options)


# Rows trained per compiled call: a call cannot be interrupted (Ctrl-C waits
# for it) and Keras's callbacks and progress bar run between calls, so calls
# are kept short; the per-call cost is negligible at this size.
_ROWS_PER_CALL = 16384

# The compiled loops of each model, per XLA setting and batch size, kept as
# long as the model (the model pool reuses a model across fits: no retracing
# for new data).
_steps_functions = weakref.WeakKeyDictionary()


def steps_function(model, n_features, batch_size):
    """A compiled function running consecutive steps of ``model.train_step``.

    ``run_steps(data, order, first_step, n_steps)`` trains on the
    rows of ``data`` (float32, ``(n_samples, n_features)``) in the order of
    ``order`` (int64 row indices), cut into batches of ``batch_size`` rows and
    a last, smaller one, as Keras's ``fit`` would batch the reordered rows:
    batches ``first_step`` to ``first_step + n_steps - 1`` (fewer at the end
    of the order), one step each, in one ``tf.while_loop``. It returns the
    model's metric results (``model.get_metrics_result()``). The step is the
    model's own ``train_step`` on ``(rows, rows)``, so subclasses that
    override ``train_step`` or ``compute_loss`` train the same way as in
    ``fit``. Traced once per model, XLA setting and ``batch_size``: the full
    batches run with their shape known, ``(batch_size, n_features)``, and
    the last, smaller one (if any) through a second copy of the step with its
    batch dimension unknown: with the shape known TensorFlow picks faster
    kernels (``doc/modules/performance.md``); the number of rows is left
    unknown.

    If the model's ``jit_compile`` is true, the loop over the full batches
    is compiled with XLA as one program (XLA compiles it again for each new
    shape of ``data`` or ``order``), and the last batch runs as an
    XLA-compiled step of its own (compiled for each new size).
    """
    key = (bool(model.jit_compile), int(batch_size))
    jit_compile, batch_size = key
    run_steps = _steps_functions.get(model, {}).get(key)
    if run_steps is not None:
        return run_steps
    # A weak reference: the function, a value of _steps_functions, must not
    # keep its key alive (it would never be dropped).
    model_ref = weakref.ref(model)

    def train_step(rows):
        return model_ref().train_step((rows, rows))

    def full_steps(data, order, first_step, full_stop):
        def full_step(i):
            # A slice of static size: XLA needs it, and TensorFlow picks
            # faster kernels for a known batch shape.
            rows = tf.gather(data, tf.slice(order, [i * batch_size], [batch_size]))
            train_step(tf.ensure_shape(rows, (batch_size, n_features)))
            return (i + 1,)

        tf.while_loop(
            lambda i: i < full_stop, full_step, (first_step,), parallel_iterations=1
        )
        return tf.constant(0)

    last_step = train_step
    if jit_compile:
        # The loop over the full batches as one XLA program, not a loop of
        # XLA-compiled steps: no TensorFlow dispatch between steps
        # (benchmarks/bench_xla_loop.py).
        # The batch size must be a constant here: XLA needs the slice's size
        # (with it a tensor, the loop ran 25 times slower). The last batch,
        # whose size varies with the data, runs as a step of its own.
        full_steps = tf.function(full_steps, jit_compile=True, autograph=False)
        last_step = tf.function(train_step, jit_compile=True, autograph=False)

    @tf.function(
        input_signature=[
            tf.TensorSpec((None, n_features), tf.float32),
            tf.TensorSpec((None,), tf.int64),
            tf.TensorSpec((), tf.int64),
            tf.TensorSpec((), tf.int64),
        ],
        autograph=False,
    )
    def run_steps(data, order, first_step, n_steps):
        n_rows = tf.size(order, tf.int64)
        n_full = n_rows // batch_size
        stop = tf.minimum(first_step + n_steps, (n_rows + batch_size - 1) // batch_size)
        full_stop = tf.minimum(stop, n_full)
        if jit_compile:
            # XLA compiles the loop's batch slice for the data's shape, which
            # fails where the data is shorter than one batch: only called
            # when there is a full batch to train on.
            tf.cond(
                full_stop > first_step,
                lambda: full_steps(data, order, first_step, full_stop),
                lambda: tf.constant(0),
            )
        else:
            full_steps(data, order, first_step, full_stop)

        def run_last_step():
            last_step(tf.gather(data, order[n_full * batch_size :]))
            return tf.constant(0)

        tf.cond(stop > n_full, run_last_step, lambda: tf.constant(0))
        return model_ref().get_metrics_result()

    # Traced here, once per model and batch size, and called as a concrete
    # function: TensorFlow's frequent-retracing check counts traces per code
    # object, so calling five new models' tf.functions would print a
    # retracing warning.
    traced = run_steps.get_concrete_function()
    _steps_functions.setdefault(model, {})[key] = traced
    return traced
