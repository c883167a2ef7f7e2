"""The parameter documentation of :class:`SparseAutoencoderTransformer`, by group.

Kept here, as imbalanced-learn keeps its shared parameter docs, so that the
estimator's module holds its code; :func:`substitute` puts them into the
class docstring, where numpydoc and Sphinx read them.
"""

__all__ = ["PARAMETER_DOCS", "substitute"]

_ARCHITECTURE = """\
    n_components : int or "auto", default="auto"
        Number of coding units: sigmoid activations in ``(0, 1)``, or with
        ``sparsity="topk"`` non-negative ReLU codes. ``"auto"`` is the book's
        300 for ``"kl"``, ``"l1"`` and ``None``; for ``"topk"`` (the features
        model) 2000, or fewer where the input is so wide that the weights and
        Adam's two slots would take more than 1 GiB (12 bytes per weight).
        The number used is ``n_components_``.

    hidden_layer_sizes : array-like of int or "auto", default="auto"
        Sizes of the encoder's hidden layers, mirrored in the decoder. An empty
        tuple gives a single-layer encoder and decoder. ``"auto"`` is the
        book's ``(100,)``, and ``()`` for ``"topk"``. The sizes used are
        ``hidden_layer_sizes_``.

    activation : {"selu", "relu", "elu", "gelu", "tanh", "sigmoid", "swish", \
"linear"}, default="selu"
        Activation of the hidden layers."""

_SPARSITY = """\
    sparsity : {"kl", "l1", "topk"} or None, default="kl"
        Sparsity of the codings. ``"kl"`` and ``"l1"`` add a penalty to the
        per-sample mean reconstruction loss; ``"topk"`` enforces it:

        - ``"kl"``: ``sparsity_weight * sum_units KL(p||q)``, one Bernoulli
          KL divergence ``p log(p/q) + (1-p) log((1-p)/(1-q))`` per unit,
          with ``q`` the unit's mean activation over the batch and
          ``p = sparsity_target``, the book's formula
          (:class:`~sk_sparse_ae.nn.KLDivergenceSparsity`);
        - ``"l1"``: ``sparsity_weight * sum(|codings|)`` per sample
          (:class:`~sk_sparse_ae.nn.L1Sparsity`);
        - ``"topk"``: no penalty; each sample keeps its ``k`` largest
          coding pre-activations through ReLU and the others are exactly
          ``0`` (:class:`~sk_sparse_ae.nn.TopKActivation`), so every row
          of ``transform`` has at most ``k`` non-zeros. This is the sparse
          autoencoder of the 2024 research (Gao et al., "Scaling and
          evaluating sparse autoencoders"), the one to use for features:
          codes are ReLU (non-negative, unbounded), the input is centred on
          the training mean, the coding layer starts as the transpose of the
          decoder, and the AuxK loss revives dead units (``auxk_weight``,
          ``auxk_k``, ``dead_after_samples``;
          :class:`~sk_sparse_ae.nn.TopKAutoencoder`);
        - ``None``: no penalty, a plain undercomplete or overcomplete
          autoencoder.

    sparsity_weight : float or "auto", default="auto"
        Weight of the penalty relative to the per-sample reconstruction loss.
        It means the same at every ``batch_size`` and on every supported
        Keras, so a grid over ``batch_size`` does not change the penalty.
        ``"auto"`` is the book's L1 weight ``1e-3`` for ``"l1"`` and ``2e-3``
        for ``"kl"``. The book's KL weight, ``0.05`` at batch 32, equals
        ``0.05 / 32 ~= 1.6e-3`` here: the Keras of the book divided an
        activity penalty by the batch size, which weakened its batch-statistic
        penalty ``batch_size``-fold; ``2e-3`` reproduces the book's published
        sparsity on Fashion-MNIST more reliably across seeds (user guide,
        "Sparsity"). Unused with ``sparsity="topk"``, whose sparsity is set
        by ``k`` alone. The weight used is ``sparsity_weight_``.

    sparsity_target : float, default=0.1
        Target mean activation ``p`` of each coding unit, in ``(0, 1)``. Used
        only with ``sparsity="kl"``.

    k : int or "auto", default="auto"
        Number of coding units kept per sample with ``sparsity="topk"``.
        ``"auto"`` is 100 for dense input and 32 for sparse input (text:
        a document has few words), at most ``n_components_``; the number
        used is ``k_``.
        ``k >= n_components`` keeps every unit, with a warning (as
        :class:`~sklearn.feature_selection.SelectKBest` does for
        ``k > n_features``); ``k`` itself is left as given. A larger ``k`` gives
        a linear classifier richer, less sparse codes (the trade-off is
        measured in the user guide's features page); at the book's 300
        units, 100 is about the book's KL model's number of active units.
        Used only with ``sparsity="topk"``.

    auxk_weight : float, default=1/32
        Weight of the AuxK loss with ``sparsity="topk"`` (Gao et al., 2024):
        in each training step, the ``auxk_k`` largest pre-activations among
        the dead coding units (through ReLU) must reconstruct what the live
        units left unexplained, ``x - x_hat``, in squared error. It gives
        dead units a gradient again. ``0`` turns it off; ``1/32`` is the
        paper's. Used only with ``sparsity="topk"``.

    auxk_k : int or "auto", default="auto"
        Dead units used per sample by the AuxK loss; ``"auto"`` is half the
        number of input features (the paper's heuristic), at most
        ``n_components``. Used only with ``sparsity="topk"``.

    dead_after_samples : int, default=10000
        A coding unit counts as dead for AuxK once this many training
        samples have passed since it last had a positive code: a few dozen
        steps at batch 256, as the paper's 10 million tokens are a few dozen
        steps of its batches. Used only with ``sparsity="topk"``."""

_TRAINING = """\
    loss : {"auto", "binary_crossentropy", "squared_error"}, default="auto"
        Reconstruction loss. ``"binary_crossentropy"`` gives the decoder a
        sigmoid output and needs training data in ``[0, 1]`` (scale it with
        :class:`~sklearn.preprocessing.MinMaxScaler`); ``"squared_error"``
        gives a linear output for any real-valued data. ``"auto"`` is
        ``"squared_error"`` for ``"topk"`` (the features model); otherwise
        ``"binary_crossentropy"`` when the training data lies in ``[0, 1]``
        (to within ``1e-6``, MinMaxScaler's rounding) and ``"squared_error"``
        otherwise; for :meth:`partial_fit` the first
        chunk decides, and a later chunk outside ``[0, 1]`` is refused after
        it chose cross-entropy. The loss used is ``loss_``.

    optimizer : {"auto", "sgd", "adam", "nadam", "rmsprop"}, default="auto"
        Keras optimizer. ``"auto"`` is the book's ``"sgd"``, and ``"adam"``
        for ``"topk"``. The optimizer used is ``optimizer_``.

    learning_rate : float or "auto", default="auto"
        Learning rate. ``"auto"`` is the book's ``1.0`` for ``"sgd"`` with
        cross-entropy; for ``"sgd"`` with squared error, whose gradients and
        curvature grow with the data's scale (``1.0`` diverges on unscaled
        data), Keras's SGD default ``0.01`` divided by the mean square of the
        training data (its first chunk for :meth:`partial_fit`) when that
        exceeds 1; and Keras's default ``1e-3`` for the other optimizers,
        whose steps do not grow with the gradient. The rate used is
        ``learning_rate_``.

    batch_size : int or "auto", default="auto"
        Samples per gradient step. ``"auto"`` is the book's 32, and 256 for
        ``"topk"``. The size used is ``batch_size_``; a batch larger than
        the data is the whole data.

    epochs : int, default=10
        Maximum number of passes over the training data.

    early_stopping : bool, default=False
        Whether to hold out ``validation_fraction`` of the training data and
        stop when its loss has not improved by ``tol`` for
        ``n_iter_no_change`` epochs; the weights of the best epoch are kept.

    validation_fraction : float, default=0.1
        Fraction of the training data held out, in ``(0, 1)``. Used only
        with ``early_stopping=True``.

    n_iter_no_change : int, default=10
        Epochs without improvement before stopping. Used only with
        ``early_stopping=True``.

    tol : float, default=1e-4
        Smallest decrease of the validation loss that counts as an
        improvement. Used only with ``early_stopping=True``.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, the shuffling and the validation
        split. An int gives identical results fit after fit, also in a fresh
        process. Fitting changes no global state: NumPy's, TensorFlow's and
        Keras's global random generators are left alone.

    verbose : int, default=0
        Keras's progress output: ``0`` silent, ``1`` a progress bar per
        epoch, ``2`` one line per epoch.

    jit_compile : bool or "auto", default="auto"
        Whether training is compiled with XLA, as Keras's
        ``Model.compile(jit_compile=...)`` (here the loop over each call's
        batches is compiled as one program). ``"auto"`` is Keras's choice:
        XLA where TensorFlow sees a GPU, not on the CPU. ``True`` compiles
        again for each new model, batch size and number of rows: worth it on
        long fits, not on many short ones, and slower with
        ``sparsity="topk"``, whose unit selection XLA runs with TensorFlow's
        ``top_k`` (measured in the user guide's performance page). XLA sums
        in its own order: results agree with ``False`` to float32 rounding,
        not bit for bit."""

_OUTPUT = """\
    sparse_output : bool, default=False
        With ``sparsity="topk"``, whether :meth:`transform` returns a
        :class:`scipy.sparse.csr_matrix`, which stores only the at most ``k``
        non-zero codes per row: O(n_samples * k) memory instead of
        O(n_samples * n_components). Linear models such
        as :class:`~sklearn.linear_model.LogisticRegression` take it
        directly, and :meth:`inverse_transform` accepts it. Needs
        ``sparsity="topk"`` (checked in :meth:`fit`)."""

PARAMETER_DOCS = {
    "architecture_parameters": _ARCHITECTURE,
    "sparsity_parameters": _SPARSITY,
    "training_parameters": _TRAINING,
    "output_parameters": _OUTPUT,
}


def substitute(obj):
    """Replace each docstring line ``{name}`` by ``PARAMETER_DOCS[name]``."""
    for name, text in PARAMETER_DOCS.items():
        obj.__doc__ = obj.__doc__.replace(f"    {{{name}}}", text)
    return obj
