"""SparseAutoencoderTransformer: a Keras sparse autoencoder as a transformer."""

import math
import numbers

import keras
import numpy as np
import scipy.sparse
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import model_pool
from ._auto_settings import (
    KERAS_LOSSES,
    OUTPUT_ACTIVATIONS,
    check_loss_range,
    resolve_learning_rate,
    resolve_loss,
)
from ._compat import Interval, StrOptions, _fit_context
from ._dtype_policy import current_policy
from ._fit_safety import check_weights_finite, restore_state_on_failure
from ._leaks import skip_single_replica_all_reduce
from ._memory import float32_copy
from ._param_changes import ParamChanges
from ._threads import (
    limit_tensorflow_threads_to_environment,
    new_instance_with_thread_limit,
)
from ._validation import check_fitted_input, check_float
from ._variables import to_numpy
from ._xla import use_jit_compile
from .losses import make_loss
from .model import build_autoencoder, initialize_weights, make_optimizer
from .numpy_forward import dense_stack, forward
from .persistence import load_estimator, save_estimator
from .regularizers import KLDivergenceSparsity, L1Sparsity
from .training import FiniteWeightsCheck, ValidationStopping, fit_shuffled

__all__ = ["SparseAutoencoderTransformer"]

_ACTIVATIONS = {"selu", "relu", "elu", "gelu", "tanh", "sigmoid", "swish", "linear"}

# Parameters that do not change the Keras model or its compiled train step:
# fits that differ only in these share a pooled model (model_pool). The
# learning rate is a variable of the optimizer, set on the pooled model per
# fit; the pool key holds the resolved loss_ instead of loss.
_TRAINING_ONLY_PARAMS = {
    "loss",
    "learning_rate",
    "sparsity_weight",
    "batch_size",
    "epochs",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "tol",
    "random_state",
    "verbose",
    "jit_compile",
}
# Rows per call when running a fitted encoder or decoder; bounds peak memory.
_PREDICT_CHUNK = 8192
# Up to this many rows, a plain Dense model runs in NumPy (numpy_forward): a
# Keras call costs ~1 ms of overhead, and past a few hundred rows Keras's
# kernels win (benchmarks/bench_transform.py).
_NUMPY_MAX_ROWS = 256


class SparseAutoencoderTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Sparse autoencoder features: a Keras autoencoder as a scikit-learn transformer.

    The encoder maps the input through ``hidden_layer_sizes`` to
    ``n_components`` coding units (sigmoid, or ReLU TopK with
    ``sparsity="topk"``); the decoder mirrors it back to the input space.
    Training minimises the reconstruction loss plus a sparsity penalty on the
    codings. ``transform`` returns the codings, so the
    transformer sits in a :class:`~sklearn.pipeline.Pipeline` in front of a
    classifier, and :class:`~sklearn.model_selection.GridSearchCV` can tune
    ``sparsity`` and ``sparsity_weight``.

    On data in ``[0, 1]`` the defaults are the sparse autoencoder of Géron,
    *Hands-On Machine Learning* (2nd ed.), chapter 17: ``784 -> 100 (selu) ->
    300 (sigmoid)`` and back, binary cross-entropy, ``SGD(learning_rate=1.0)``,
    batch 32, 10 epochs, KL sparsity with target 0.1. On other real-valued
    data (e.g. after a :class:`~sklearn.preprocessing.StandardScaler`) they
    train with squared error and ``SGD(learning_rate=0.01)`` instead, the
    rate divided by the data's mean square when that exceeds 1
    (``loss="auto"``, ``learning_rate="auto"``).

    Parameters
    ----------
    n_components : int, default=300
        Number of coding units: sigmoid activations in ``(0, 1)``, or with
        ``sparsity="topk"`` non-negative ReLU codes.

    hidden_layer_sizes : array-like of int, default=(100,)
        Sizes of the encoder's hidden layers, mirrored in the decoder. An empty
        tuple gives a single-layer encoder and decoder.

    activation : {"selu", "relu", "elu", "gelu", "tanh", "sigmoid", "swish", \
"linear"}, default="selu"
        Activation of the hidden layers.

    sparsity : {"kl", "l1", "topk"} or None, default="kl"
        Sparsity of the codings. ``"kl"`` and ``"l1"`` add a penalty to the
        per-sample mean reconstruction loss; ``"topk"`` enforces it:

        - ``"kl"``: ``sparsity_weight * sum_units [KL(p||q) + KL(1-p||1-q)]``
          with ``q`` each unit's mean activation over the batch and
          ``p = sparsity_target``
          (:class:`~sk_sparse_ae.regularizers.KLDivergenceSparsity`);
        - ``"l1"``: ``sparsity_weight * sum(|codings|)`` per sample
          (:class:`~sk_sparse_ae.regularizers.L1Sparsity`);
        - ``"topk"``: no penalty; each sample keeps its ``k`` largest
          coding pre-activations through ReLU and the others are exactly
          ``0`` (:class:`~sk_sparse_ae.layers.TopKActivation`), so every row
          of ``transform`` has at most ``k`` non-zeros. This is the sparse
          autoencoder of the 2024 research (Gao et al., "Scaling and
          evaluating sparse autoencoders"), the one to use for features:
          codes are ReLU (non-negative, unbounded), the input is centred on
          the training mean, the coding layer starts as the transpose of the
          decoder, and the AuxK loss revives dead units (``auxk_weight``,
          ``auxk_k``, ``dead_after_samples``;
          :class:`~sk_sparse_ae.topk_autoencoder.TopKAutoencoder`);
        - ``None``: no penalty, a plain undercomplete or overcomplete
          autoencoder.

    sparsity_weight : float, default=1e-3
        Weight of the penalty relative to the per-sample reconstruction loss.
        It means the same at every ``batch_size``, so a grid over
        ``batch_size`` does not change the penalty. ``1e-3`` is the book's
        L1 weight. For KL, the book's ``0.05`` at batch 32 equals
        ``0.05 / 32 ~= 1.6e-3`` here (Keras divides an activity penalty by
        the batch size, which weakened the book's batch-statistic penalty
        32-fold); the default ``1e-3`` was chosen because it reproduces the
        book's published sparsity on Fashion-MNIST more reliably across seeds
        (user guide, "Sparsity"). Unused with ``sparsity="topk"``,
        whose sparsity is set by ``k`` alone.

    sparsity_target : float, default=0.1
        Target mean activation ``p`` of each coding unit, in ``(0, 1)``. Used
        only with ``sparsity="kl"``.

    k : int, default=100
        Number of coding units kept per sample with ``sparsity="topk"``; at
        most ``n_components`` (checked in :meth:`fit`). Chosen for features:
        with 2,000 units on Fashion-MNIST, a linear classifier on the codes
        gains with ``k`` (50: 88.3%, 100: 88.7%, 200: 88.9% test accuracy,
        ``benchmarks/results/bench_topk_design.md``) while the codes get less
        sparse; 100 keeps 5% of 2,000 units on, and
        at the default 300 units it is the book's KL model's number of
        active units (99 above 0.1). Used only with ``sparsity="topk"``.

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
        samples have passed since it last had a positive code: about 40
        steps at batch 256, as the paper's 10 million tokens are 76 steps of
        its batches. On Fashion-MNIST it left fewer dead units than 60,000
        (one epoch): 12 against 56 of 2,000 at ``k=50``. Used only with
        ``sparsity="topk"``.

    loss : {"auto", "binary_crossentropy", "squared_error"}, default="auto"
        Reconstruction loss. ``"binary_crossentropy"`` gives the decoder a
        sigmoid output and needs training data in ``[0, 1]`` (scale it with
        :class:`~sklearn.preprocessing.MinMaxScaler`); ``"squared_error"``
        gives a linear output for any real-valued data. ``"auto"`` is
        ``"binary_crossentropy"`` when the training data lies in ``[0, 1]``
        (to within ``1e-6``, MinMaxScaler's rounding) and ``"squared_error"``
        otherwise; for :meth:`partial_fit` the first
        chunk decides, and a later chunk outside ``[0, 1]`` is refused after
        it chose cross-entropy. The loss used is ``loss_``.

    optimizer : {"sgd", "adam", "nadam", "rmsprop"}, default="sgd"
        Keras optimizer.

    learning_rate : float or "auto", default="auto"
        Learning rate. ``"auto"`` is the book's ``1.0`` for ``"sgd"`` with
        cross-entropy; for ``"sgd"`` with squared error, whose gradients and
        curvature grow with the data's scale (``1.0`` diverges on unscaled
        data), Keras's SGD default ``0.01`` divided by the mean square of the
        training data (its first chunk for :meth:`partial_fit`) when that
        exceeds 1; and Keras's default ``1e-3`` for the other optimizers,
        whose steps do not grow with the gradient. The rate used is
        ``learning_rate_``.

    batch_size : int, default=32
        Samples per gradient step.

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
        XLA where TensorFlow sees a GPU, not on the CPU. On the CPU, ``True``
        trained the book's model in 0.69x the time per epoch at
        ``batch_size=256`` and 0.94x at 32, after a compilation of about a
        second for each new model, batch size and number of rows: worth it
        on long fits, not on many short ones. It is slower with
        ``sparsity="topk"``, whose unit selection XLA runs with TensorFlow's
        ``top_k`` (``benchmarks/bench_training.py``). XLA sums in its own
        order: results agree with ``False`` to float32 rounding, not bit
        for bit.

    sparse_output : bool, default=False
        With ``sparsity="topk"``, whether :meth:`transform` returns a
        :class:`scipy.sparse.csr_matrix` (only the at most ``k`` non-zero
        codes per row are stored: 60,000 x 2,000 codes with ``k=100`` take
        about 72 MB instead of 960 MB dense in float64). Linear models such
        as :class:`~sklearn.linear_model.LogisticRegression` take it
        directly, and :meth:`inverse_transform` accepts it. Needs
        ``sparsity="topk"`` (checked in :meth:`fit`).

    Attributes
    ----------
    model_ : keras.Model
        The trained autoencoder, ``decoder_(encoder_(X))``.

    encoder_ : keras.Model
        The encoder; ``transform`` runs it.

    decoder_ : keras.Model
        The decoder; ``inverse_transform`` runs it.

    loss_ : {"binary_crossentropy", "squared_error"}
        The reconstruction loss trained with: ``loss``, or what ``"auto"``
        chose for the training data.

    learning_rate_ : float
        The learning rate trained with: ``learning_rate``, or what
        ``"auto"`` chose for the optimizer and ``loss_``.

    history_ : dict of str to list of float
        Per-epoch training metrics: ``"loss"`` (reconstruction plus penalty)
        and, with early stopping, ``"val_loss"``. :meth:`partial_fit` appends
        one entry per call.

    n_iter_ : int
        Number of epochs run by :meth:`fit`, plus one per :meth:`partial_fit`
        call since.

    dead_fraction_ : float
        Fraction of the coding units that had no positive code on any
        training sample of the last epoch (of the last :meth:`partial_fit`
        chunk). Defined only with ``sparsity="topk"``; for any data,
        :func:`~sk_sparse_ae.diagnostics.sparsity_report` counts the units
        that never fire on it.

    n_features_in_ : int
        Number of features seen during :meth:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn.neural_network.BernoulliRBM : Another unsupervised neural feature
        extractor.
    sklearn.decomposition.PCA : Linear, dense features.

    Notes
    -----
    Computations run in float32, Keras's default; ``transform`` and
    ``inverse_transform`` return the floating dtype of their input.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sk_sparse_ae import SparseAutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> X = MinMaxScaler().fit_transform(X)
    >>> sae = SparseAutoencoderTransformer(n_components=32, hidden_layer_sizes=(),
    ...                                    epochs=2, random_state=0).fit(X)
    >>> sae.transform(X[:3]).shape
    (3, 32)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(_ACTIVATIONS)],
        "sparsity": [StrOptions({"kl", "l1", "topk"}), None],
        "sparsity_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "sparsity_target": [Interval(numbers.Real, 0, 1, closed="neither")],
        "k": [Interval(numbers.Integral, 1, None, closed="left")],
        "auxk_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "auxk_k": [
            Interval(numbers.Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "dead_after_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "loss": [StrOptions({"auto", *KERAS_LOSSES})],
        "optimizer": [StrOptions({"sgd", "adam", "nadam", "rmsprop"})],
        "learning_rate": [
            Interval(numbers.Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "jit_compile": [StrOptions({"auto"}), "boolean"],
        "sparse_output": ["boolean"],
    }

    def __init__(
        self,
        *,
        n_components=300,
        hidden_layer_sizes=(100,),
        activation="selu",
        sparsity="kl",
        sparsity_weight=1e-3,
        sparsity_target=0.1,
        k=100,
        auxk_weight=1 / 32,
        auxk_k="auto",
        dead_after_samples=10_000,
        loss="auto",
        optimizer="sgd",
        learning_rate="auto",
        batch_size=32,
        epochs=10,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        random_state=None,
        verbose=0,
        jit_compile="auto",
        sparse_output=False,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.sparsity = sparsity
        self.sparsity_weight = sparsity_weight
        self.sparsity_target = sparsity_target
        self.k = k
        self.auxk_weight = auxk_weight
        self.auxk_k = auxk_k
        self.dead_after_samples = dead_after_samples
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.jit_compile = jit_compile
        self.sparse_output = sparse_output

    @restore_state_on_failure
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. With ``loss="binary_crossentropy"`` its values must
            lie in ``[0, 1]``; with ``loss="auto"`` they decide ``loss_``.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        X = check_float(X, self, reset=True)
        hidden = self._check_hidden_layer_sizes()
        self._resolve_auto_settings(X, "fit")
        rng = _make_rng(self.random_state)
        # The one float32 copy of the data, shared with TensorFlow in training.
        X_work = float32_copy(X)
        rng.shuffle(X_work)
        X_train, X_val = self._split_validation(X_work)
        center = _center_of(X_train) if self.sparsity == "topk" else None

        self.model_, self.encoder_, self.decoder_ = self._build_model(
            X.shape[1], hidden, rng, center
        )
        self.history_ = {}
        if model_pool.enabled():
            self.n_iter_ = self._train_pooled(X_train, X_val, rng, center)
        else:
            self.n_iter_ = self._train(X_train, X_val, rng)
        self._record_dead_fraction(len(X_train))
        return self

    @restore_state_on_failure
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train on one chunk of X: one pass, keeping the model and optimizer.

        The first call (on an unfitted transformer) builds the model and
        fixes the input width; every later call continues training the same
        weights with the same optimizer state (its step count, momentum or
        moment estimates), so data too large for memory can be streamed in
        chunks, e.g. from a :class:`numpy.memmap`. After :meth:`fit`,
        ``partial_fit`` continues the fitted model; :meth:`fit` always starts
        over.

        Each call makes exactly one pass over the (shuffled) chunk in batches
        of ``batch_size``: ``epochs`` and the early-stopping parameters are
        ignored, as ``max_iter`` is in scikit-learn's ``partial_fit`` methods.
        For more passes, call it again with the same chunk. A call that
        fails (a wrong width, divergence, an interrupt) leaves the transformer
        as it was before the call, weights and optimizer state included.

        After :meth:`set_params`, a call applies new ``learning_rate``,
        ``sparsity_weight`` and ``sparsity_target`` values to the fitted model
        (keeping the optimizer state); a change of any parameter the model
        was built with (``n_components``, ``loss``, ``optimizer``, ...) raises
        a ``ValueError``: call :meth:`fit` to start over with it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One chunk of training data, as wide as the first chunk. With
            ``loss_="binary_crossentropy"`` its values must lie in ``[0, 1]``.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The transformer, trained on one more chunk.
        """
        first_call = not hasattr(self, "model_")
        X = check_float(X, self, reset=first_call)
        changes = None if first_call else ParamChanges(self)  # or ValueError
        if first_call:
            self._resolve_auto_settings(X, "partial_fit")
            hidden = self._check_hidden_layer_sizes()
            rng = _make_rng(self.random_state, step=0)
            center = _center_of(X) if self.sparsity == "topk" else None
            self.model_, self.encoder_, self.decoder_ = self._build_model(
                X.shape[1], hidden, rng, center
            )
            self.history_, self.n_iter_ = {}, 0
        else:
            check_loss_range(X, self.loss, self.loss_, "partial_fit")
            step = int(to_numpy(self.model_.optimizer.iterations))
            rng = _make_rng(self.random_state, step)
        X_chunk = float32_copy(X)
        rng.shuffle(X_chunk)
        # Keras updates the model in place; restore_state_on_failure only puts
        # the attributes back, so keep the weights and optimizer state here.
        variables = [*self.model_.weights, *self.model_.optimizer.variables]
        saved = [to_numpy(v) for v in variables]
        try:
            if changes is not None:
                changes.apply()
            use_jit_compile(self.model_, self.jit_compile)
            history = self.model_.fit(
                X_chunk,
                X_chunk,
                batch_size=self.batch_size,
                epochs=1,
                shuffle=False,
                verbose=min(int(self.verbose), 2),
            )
            loss = float(history.history["loss"][-1])
            if not np.isfinite(loss):
                raise FloatingPointError(
                    f"Training diverged in partial_fit call {self.n_iter_ + 1}: "
                    f"loss={loss}. Lower learning_rate (now {self.learning_rate_!r})."
                )
            check_weights_finite(self.model_, self.n_iter_ + 1, self.learning_rate_)
        except BaseException:
            for variable, value in zip(variables, saved, strict=True):
                variable.assign(value)
            if changes is not None:
                changes.undo()
            raise
        # New lists, not in-place appends: a failed call restores the old ones.
        self.history_ = {
            **self.history_,
            **{
                key: [*self.history_.get(key, []), *map(float, values)]
                for key, values in history.history.items()
            },
        }
        self.n_iter_ += 1
        self._record_dead_fraction(len(X_chunk))
        return self

    def transform(self, X):
        """Encode X: the activations of the coding units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode; any finite values.

        Returns
        -------
        codings : ndarray or scipy.sparse.csr_matrix of shape \
(n_samples, n_components)
            Coding-unit activations in X's floating dtype: in ``[0, 1]``
            (sigmoid), or non-negative with at most ``k`` non-zeros per row
            with ``sparsity="topk"``; a CSR matrix with ``sparse_output=True``.
        """
        check_is_fitted(self)
        X = check_fitted_input(self, X)
        if self.sparse_output:
            return _run_in_chunks_sparse(self.encoder_, X, X.dtype)
        return _run_in_chunks(self.encoder_, X, X.dtype)

    def inverse_transform(self, X):
        """Decode codings back to the input space.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_components)
            Codings, as returned by :meth:`transform`.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, `n_features_in_`)
            The decoder's reconstruction, in the codings' floating dtype.
        """
        check_is_fitted(self)
        codings = check_float(X, accept_sparse="csr")
        n_codings = self.encoder_.output_shape[-1]
        if codings.shape[1] != n_codings:
            raise ValueError(
                f"X has {codings.shape[1]} features, but inverse_transform "
                f"expects codings with {n_codings} features (n_components)."
            )
        return _run_in_chunks(self.decoder_, codings, codings.dtype)

    def score(self, X, y=None):
        """Negative mean reconstruction loss of X (higher is better).

        The loss is the training loss without the sparsity penalty: binary
        cross-entropy or squared error averaged over features and samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float
            ``-mean(loss(X, inverse_transform(transform(X))))``.
        """
        check_is_fitted(self)
        X = check_fitted_input(self, X)
        loss = keras.losses.get(KERAS_LOSSES[self.loss_])
        # Chunk by chunk: the loss's elementwise temporaries on the whole of
        # X made the peak memory 3 times X's size (benchmarks/bench_memory.py).
        per_sample = np.empty(len(X), dtype=np.float32)
        for start in range(0, len(X), _PREDICT_CHUNK):
            chunk = X[start : start + _PREDICT_CHUNK].astype(np.float32, copy=False)
            X_hat = _run_in_chunks(self.model_, chunk)
            per_sample[start : start + len(chunk)] = keras.ops.convert_to_numpy(
                loss(chunk, X_hat)
            )
        return -float(np.mean(per_sample, dtype=np.float64))

    def save(self, path):
        """Save the fitted transformer to one file that loads without running code.

        The file is a zip archive of the Keras model in its ``.keras`` format
        and the parameters and fitted attributes as JSON; :meth:`load` (or
        :func:`sk_sparse_ae.load`) reads it with Keras's ``safe_mode=True``.
        Use this format, not pickle, for files from others.

        Parameters
        ----------
        path : str or path-like
            The file to write, conventionally ending in ``.skae``.
        """
        save_estimator(self, path)

    @classmethod
    def load(cls, path):
        """Load a transformer written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        estimator : SparseAutoencoderTransformer
            The fitted transformer; ``transform`` gives the saved one's
            output exactly.

        Raises
        ------
        ValueError
            If the file is truncated, corrupted, not written by :meth:`save`,
            or its Keras model would need code to load.
        """
        return load_estimator(path, cls)

    @property
    def _n_features_out(self):
        return self.encoder_.output_shape[-1]

    def _train(self, X_train, X_val, rng):
        """Run the epochs in one Keras fit call; return how many ran."""
        # Our generator orders each epoch (training.fit_shuffled), so a
        # seed gives the same order in any process without Keras's global seed.
        stopping = None
        callbacks = [FiniteWeightsCheck(self.learning_rate_)]
        if X_val is not None:
            stopping = ValidationStopping(self.tol, self.n_iter_no_change)
            callbacks.append(stopping)
        use_jit_compile(self.model_, self.jit_compile)
        history = fit_shuffled(
            self.model_,
            X_train,
            batch_size=self.batch_size,
            epochs=self.epochs,
            rng=rng,
            verbose=min(int(self.verbose), 2),
            validation_data=None if X_val is None else (X_val, X_val),
            validation_batch_size=self.batch_size,
            callbacks=callbacks,
        )
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(float(v) for v in values)
        n_epochs = len(history.history["loss"])
        loss = self.history_["loss"][-1]
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"Training diverged at epoch {n_epochs}: loss={loss}. "
                f"Lower learning_rate (now {self.learning_rate_!r})."
            )
        if stopping is not None and stopping.best_weights is not None:
            self.model_.set_weights(stopping.best_weights)
        return n_epochs

    def _train_pooled(self, X_train, X_val, rng, center):
        """``_train`` on a pooled model of this architecture, then copy it into
        the new ``model_`` (model_pool: no retracing across fits)."""
        model, encoder, decoder = self.model_, self.encoder_, self.decoder_
        dense = model_pool.dense_layers(model)
        seeds = [layer.kernel_initializer.seed for layer in dense]
        key = (
            self.n_features_in_,
            self.loss_,
            tuple(
                (name, repr(value))
                for name, value in sorted(self.get_params().items())
                if name not in _TRAINING_ONLY_PARAMS
            ),
        )
        with model_pool.checkout(key, self._new_pooled_model) as pooled:
            pooled.reset(seeds, self.sparsity_weight, center)
            pooled.model.optimizer.learning_rate = self.learning_rate_
            self.model_, self.encoder_, self.decoder_ = (
                pooled.model,
                pooled.encoder,
                pooled.decoder,
            )
            n_iter = self._train(X_train, X_val, rng)
            pooled.copy_into(model)
        self.model_, self.encoder_, self.decoder_ = model, encoder, decoder
        return n_iter

    def _new_pooled_model(self):
        model, encoder, decoder = self._build_model(
            self.n_features_in_,
            self._check_hidden_layer_sizes(),
            np.random.default_rng(0),  # weights are set by PooledModel.reset
            center=None,
        )
        weight_attribute = {"kl": "weight", "l1": "l1"}.get(self.sparsity)
        return model_pool.PooledModel(model, encoder, decoder, weight_attribute)

    def _split_validation(self, X_work):
        """Views of the (shuffled) data: ``(train, validation or None)``."""
        if not self.early_stopping:
            return X_work, None
        n_val = int(np.ceil(self.validation_fraction * len(X_work)))
        if n_val >= len(X_work):
            raise ValueError(
                f"early_stopping=True needs at least 2 samples so that "
                f"validation_fraction={self.validation_fraction} leaves some "
                f"for training; got n_samples={len(X_work)}."
            )
        return X_work[n_val:], X_work[:n_val]

    def _check_hidden_layer_sizes(self):
        sizes = np.asarray(self.hidden_layer_sizes)
        if sizes.ndim != 1 or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1
            for s in sizes.tolist()
        ):
            raise ValueError(
                "hidden_layer_sizes must be a sequence of positive ints, got "
                f"{self.hidden_layer_sizes!r}."
            )
        return [int(s) for s in sizes.tolist()]

    def _resolve_auto_settings(self, X, method):
        """Set ``loss_`` and ``learning_rate_`` for training data X (_auto_settings)."""
        self.loss_ = resolve_loss(self.loss, X)
        check_loss_range(X, self.loss, self.loss_, method)
        self.learning_rate_ = resolve_learning_rate(
            self.learning_rate, self.optimizer, self.loss_, X
        )

    def _build_model(self, n_features, hidden, rng, center):
        """A new compiled autoencoder: ``(model, encoder, decoder)``.

        ``center`` (the training data's mean) is used by TopK models only.
        """
        current_policy()  # ValueError under an unsupported dtype policy
        # Before the process's first TensorFlow op, when the pools get fixed.
        limit_tensorflow_threads_to_environment()
        top_k, auxk = None, None
        if self.sparsity == "topk":
            if self.k > self.n_components:
                raise ValueError(
                    f"sparsity='topk' keeps k of the n_components coding units, "
                    f"but k={self.k} > n_components={self.n_components}."
                )
            top_k = self.k
            auxk = {
                "auxk_k": self._resolve_auxk_k(n_features),
                "auxk_weight": self.auxk_weight,
                "dead_after_samples": self.dead_after_samples,
            }
        elif self.sparse_output:
            raise ValueError(
                f"sparse_output=True needs sparsity='topk', whose codes are "
                f"mostly zeros; sparsity={self.sparsity!r} gives dense codes."
            )
        seeds = rng.integers(0, 2**31 - 1, size=2 * len(hidden) + 2).tolist()
        model, encoder, decoder = build_autoencoder(
            n_features,
            n_components=self.n_components,
            hidden_layer_sizes=hidden,
            activation=self.activation,
            output_activation=OUTPUT_ACTIVATIONS[self.loss_],
            activity_regularizer=self._make_regularizer(),
            seeds=seeds,
            top_k=top_k,
            auxk=auxk,
        )
        initialize_weights(model, seeds, center)
        model.compile(
            loss=make_loss(KERAS_LOSSES[self.loss_]),
            optimizer=make_optimizer(self.optimizer, self.learning_rate_),
            jit_compile=self.jit_compile,
        )
        skip_single_replica_all_reduce(model.optimizer)
        return model, encoder, decoder

    def _resolve_auxk_k(self, n_features):
        if self.auxk_k == "auto":
            return max(1, min(n_features // 2, self.n_components))
        return min(self.auxk_k, self.n_components)

    def _record_dead_fraction(self, n_samples):
        if self.sparsity == "topk":
            self.dead_fraction_ = self.model_.dead_fraction(n_samples)

    def _make_regularizer(self):
        if self.sparsity == "kl":
            return KLDivergenceSparsity(
                weight=self.sparsity_weight, target=self.sparsity_target
            )
        if self.sparsity == "l1":
            return L1Sparsity(l1=self.sparsity_weight)
        return None

    def __getstate__(self):
        # encoder_ and decoder_ are parts of model_: pickle model_ alone and
        # take them back out of it, so that the three keep sharing weights.
        state = super().__getstate__().copy()
        state.pop("encoder_", None)
        state.pop("decoder_", None)
        return state

    def __reduce_ex__(self, protocol):
        # Pickle makes the instance before it unpickles model_, so a worker
        # process that first meets a fitted transformer (dask-ml's
        # ParallelPostFit) sizes TensorFlow's pools before they are fixed.
        return (new_instance_with_thread_limit, (type(self),), self.__getstate__())

    def __setstate__(self, state):
        super().__setstate__(state)
        if "model_" in state:
            self.encoder_ = self.model_.get_layer("encoder")
            self.decoder_ = self.model_.get_layer("decoder")

    def __sizeof__(self):
        # Dask's scheduler weighs where a task runs by the sizes of its inputs
        # (dask.sizeof falls back to sys.getsizeof): counting the weights and
        # optimizer state keeps a chain of partial_fit tasks (dask-ml's
        # Incremental) on the worker holding the model, instead of moving the
        # model, to be rebuilt and retraced, to each block.
        variables = []
        if hasattr(self, "model_"):
            variables = [*self.model_.weights, *self.model_.optimizer.variables]
        return super().__sizeof__() + sum(
            math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in variables
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _center_of(X):
    """The mean of each column of float32 X, accumulated in float64."""
    return X.mean(axis=0, dtype=np.float64)


def _make_rng(random_state, step=None):
    """A NumPy Generator that leaves NumPy's global generator untouched.

    ``partial_fit`` passes the optimizer's step count as ``step``, so an int
    random_state gives the same shuffles for the same sequence of chunks,
    whatever came before.
    """
    if random_state is None:
        return np.random.default_rng()
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed if step is None else [seed, step])


def _run_in_chunks(model, X, dtype=np.float32):
    """Run a Keras model on X in float32 chunks; return an ndarray of ``dtype``.

    Each chunk's output goes straight into the result, so no float32 copy of
    the whole output is made on the way to a float64 result.
    """
    if 0 < X.shape[0] <= _NUMPY_MAX_ROWS:
        stack = dense_stack(model)
        if stack is not None:
            return forward(stack, _float32_dense(X)).astype(dtype, copy=False)
    out = np.empty((X.shape[0], model.output_shape[-1]), dtype=dtype)
    for start in range(0, X.shape[0], _PREDICT_CHUNK):
        chunk = _float32_dense(X[start : start + _PREDICT_CHUNK])
        out[start : start + _PREDICT_CHUNK] = keras.ops.convert_to_numpy(
            model(chunk, training=False)
        )
    return out


def _run_in_chunks_sparse(model, X, dtype):
    """``_run_in_chunks`` as a CSR matrix, built chunk by chunk, so that the
    dense output of the whole of X is never held."""
    chunks = [
        scipy.sparse.csr_matrix(
            _run_in_chunks(model, X[start : start + _PREDICT_CHUNK], dtype)
        )
        for start in range(0, X.shape[0], _PREDICT_CHUNK)
    ]
    if not chunks:
        return scipy.sparse.csr_matrix((0, model.output_shape[-1]), dtype=dtype)
    return scipy.sparse.vstack(chunks, format="csr")


def _float32_dense(X):
    if scipy.sparse.issparse(X):
        return X.toarray().astype(np.float32, copy=False)
    return X.astype(np.float32, copy=False)
