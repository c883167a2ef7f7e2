"""SparseAutoencoderTransformer: a Keras sparse autoencoder as a transformer."""

import numbers

import keras
import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, StrOptions, _fit_context
from .._tf.fork_safety import check_not_forked_after_tensorflow
from .._tf.variables import to_numpy
from ..nn._options import (
    ACTIVATIONS,
    KERAS_LOSSES,
    OPTIMIZERS,
    SPARSITY_PENALTIES,
)
from . import _pickling
from ._all_or_nothing import restore_state_on_failure, restore_variables_on_failure
from ._auto_settings import check_loss_range, effective_params, resolve_all
from ._concurrency import publish, reading, writing
from ._docstring import substitute
from ._fitting import (
    appended_history,
    make_rng,
    split_validation,
    train,
    train_one_pass,
)
from ._incremental import ParamChanges
from ._inference import (
    PREDICT_CHUNK,
    float32_dense,
    run_in_chunks,
    run_in_chunks_sparse,
)
from ._model_building import build_model, warn_if_k_keeps_every_unit
from ._persistence import load_estimator, save_estimator
from ._sparse_input import (
    center_of,
    float32_work_copy,
    loss_scale_of,
    n_rows,
    shuffle_rows,
)
from ._validation import check_fitted_input, check_float

__all__ = ["SparseAutoencoderTransformer", "load"]


@substitute
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

    ``SparseAutoencoderTransformer(sparsity="topk")`` is the features model:
    one wide layer of ReLU TopK codes (2000 units, fewer on very wide input,
    ``k=100``, 32 on sparse input), squared error, Adam at batch 256. Every
    ``"auto"`` is resolved at :meth:`fit` for the data given; explicit
    values always win, and each resolved value is a fitted attribute.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    {architecture_parameters}

    {sparsity_parameters}

    {training_parameters}

    {output_parameters}

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

    n_components_ : int
        The number of coding units: ``n_components``, or what ``"auto"``
        chose for ``sparsity`` and the input width.

    hidden_layer_sizes_ : tuple of int
        The hidden layers: ``hidden_layer_sizes``, or what ``"auto"`` chose.

    optimizer_ : str
        The optimizer: ``optimizer``, or what ``"auto"`` chose.

    batch_size_ : int
        The batch size: ``batch_size``, or what ``"auto"`` chose.

    k_ : int
        The units kept per sample by ``"topk"``: ``k``, or what ``"auto"``
        chose for dense or sparse input (set, unused, for other sparsities).

    sparsity_weight_ : float
        The penalty's weight trained with: ``sparsity_weight``, or what
        ``"auto"`` chose for ``sparsity``; ``0.0`` for ``"topk"`` and
        ``None``, which add no penalty.

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
        :func:`~sk_sparse_ae.inspection.sparsity_report` counts the units
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
        "n_components": [
            Interval(numbers.Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "hidden_layer_sizes": ["array-like", StrOptions({"auto"})],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "sparsity": [StrOptions({*SPARSITY_PENALTIES, "topk"}), None],
        "sparsity_weight": [
            Interval(numbers.Real, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "sparsity_target": [Interval(numbers.Real, 0, 1, closed="neither")],
        "k": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "auxk_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "auxk_k": [
            Interval(numbers.Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        # The dead-unit counter saturates at 2**30 (nn.TopKAutoencoder).
        "dead_after_samples": [Interval(numbers.Integral, 1, 2**30, closed="both")],
        "loss": [StrOptions({"auto", *KERAS_LOSSES})],
        "optimizer": [StrOptions({"auto", *OPTIMIZERS})],
        "learning_rate": [
            Interval(numbers.Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "batch_size": [
            Interval(numbers.Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
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
        n_components="auto",
        hidden_layer_sizes="auto",
        activation="selu",
        sparsity="kl",
        sparsity_weight="auto",
        sparsity_target=0.1,
        k="auto",
        auxk_weight=1 / 32,
        auxk_k="auto",
        dead_after_samples=10_000,
        loss="auto",
        optimizer="auto",
        learning_rate="auto",
        batch_size="auto",
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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. With ``loss="binary_crossentropy"`` its values must
            lie in ``[0, 1]``; with ``loss="auto"`` they decide ``loss_``. A
            sparse matrix is never densified whole: each batch is densified
            on its own, and gives the model the dense data would.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        # A copy is fitted, so that other threads (and a failed fit) see the
        # earlier state until the new model is complete (_concurrency).
        fitted = object.__new__(type(self))
        vars(fitted).update(vars(self))
        fitted._fit(X)
        publish(self, fitted)
        return self

    def _fit(self, X):
        check_not_forked_after_tensorflow("fit")
        X = check_float(X, self, reset=True, accept_sparse="csr")
        self._resolve_auto_settings(X, "fit")
        hidden = list(self.hidden_layer_sizes_)
        rng = make_rng(self.random_state)
        # The one float32 copy that training reads (sparse stays sparse).
        X_work = shuffle_rows(float32_work_copy(X), rng)
        X_train, X_val = split_validation(self, X_work)
        center = center_of(X_train) if self.sparsity == "topk" else None
        scale = loss_scale_of(X_train, center, self.loss_)
        model, encoder, decoder = self._build_model(
            X.shape[1], hidden, rng, center, scale
        )
        history = train(self, model, X_train, X_val, rng, center, scale)
        self.model_, self.encoder_, self.decoder_ = model, encoder, decoder
        self.history_, self.n_iter_ = history, len(history["loss"])
        self._record_dead_fraction(n_rows(X_train))

    @writing
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
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            One chunk of training data, as wide as the first chunk. With
            ``loss_="binary_crossentropy"`` its values must lie in ``[0, 1]``.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The transformer, trained on one more chunk.
        """
        check_not_forked_after_tensorflow("partial_fit")
        first_call = not hasattr(self, "model_")
        X = check_float(X, self, reset=first_call, accept_sparse="csr")
        changes = None if first_call else ParamChanges(self)  # or ValueError
        if first_call:
            rng = self._start_partial_fit(X)
        else:
            check_loss_range(X, self.loss, self.loss_, "partial_fit")
            if self.batch_size != "auto":
                self.batch_size_ = self.batch_size
            step = int(to_numpy(self.model_.optimizer.iterations))
            rng = make_rng(self.random_state, step)
        X_chunk = shuffle_rows(float32_work_copy(X), rng)
        undo = None if changes is None else changes.undo
        with restore_variables_on_failure(self.model_, undo):
            if changes is not None:
                changes.apply()
            history = train_one_pass(self, X_chunk)
        self.history_ = appended_history(self.history_, history)
        self.n_iter_ += 1
        self._record_dead_fraction(n_rows(X_chunk))
        return self

    def _start_partial_fit(self, X):
        """Build the model for the first ``partial_fit`` chunk; return the
        generator that drew its seeds, to shuffle the chunk next."""
        self._resolve_auto_settings(X, "partial_fit")
        hidden = list(self.hidden_layer_sizes_)
        rng = make_rng(self.random_state, step=0)
        center = center_of(X) if self.sparsity == "topk" else None
        scale = loss_scale_of(X, center, self.loss_)
        self.model_, self.encoder_, self.decoder_ = self._build_model(
            X.shape[1], hidden, rng, center, scale
        )
        self.history_, self.n_iter_ = {}, 0
        return rng

    @reading
    def transform(self, X):
        """Encode X: the activations of the coding units.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
            return run_in_chunks_sparse(self.encoder_, X, X.dtype)
        return run_in_chunks(self.encoder_, X, X.dtype)

    @reading
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
        return run_in_chunks(self.decoder_, codings, codings.dtype)

    @reading
    def score(self, X, y=None):
        """Negative mean reconstruction loss of X (higher is better).

        The loss is the training loss without the sparsity penalty: binary
        cross-entropy or squared error averaged over features and samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
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
        per_sample = np.empty(n_rows(X), dtype=np.float32)
        for start in range(0, n_rows(X), PREDICT_CHUNK):
            chunk = float32_dense(X[start : start + PREDICT_CHUNK])
            X_hat = run_in_chunks(self.model_, chunk)
            per_sample[start : start + len(chunk)] = keras.ops.convert_to_numpy(
                loss(chunk, X_hat)
            )
        return -float(np.mean(per_sample, dtype=np.float64))

    @reading
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

    def _resolve_auto_settings(self, X, method):
        """Set what each ``"auto"`` means for training data X."""
        resolved = resolve_all(self.get_params(deep=False), X, method)
        for name, value in resolved.items():
            setattr(self, name, value)

    def _build_model(self, n_features, hidden, rng, center, loss_scale):
        """A new compiled autoencoder for these parameters (``_model_building``)."""
        warn_if_k_keeps_every_unit(self.k, self.n_components_, self.sparsity)
        return build_model(
            effective_params(self.get_params(deep=False), vars(self)),
            n_features=n_features,
            hidden=hidden,
            loss=self.loss_,
            learning_rate=self.learning_rate_,
            sparsity_weight=self.sparsity_weight_,
            rng=rng,
            center=center,
            loss_scale=loss_scale,
        )

    def _record_dead_fraction(self, n_samples):
        if self.sparsity == "topk":
            self.dead_fraction_ = self.model_.dead_fraction(n_samples)

    # Pickling keeps encoder_ and decoder_ inside model_, and sizes
    # TensorFlow's pools in a fresh worker (_pickling).
    __getstate__ = _pickling.getstate
    __reduce_ex__ = _pickling.reduce_ex
    __setstate__ = _pickling.setstate
    __sizeof__ = _pickling.sizeof

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = True
        return tags


def load(path):
    """Load a :class:`SparseAutoencoderTransformer` saved with its ``save`` method.

    Loading runs no code from the file: the Keras model is read with
    ``safe_mode=True`` and everything else is JSON.

    Parameters
    ----------
    path : str or path-like
        A file written by :meth:`SparseAutoencoderTransformer.save`.

    Returns
    -------
    estimator : SparseAutoencoderTransformer
        The fitted transformer; ``transform`` gives the saved one's output
        exactly.

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> import sk_sparse_ae
    >>> X = np.random.default_rng(0).random((50, 8))
    >>> sae = sk_sparse_ae.SparseAutoencoderTransformer(
    ...     n_components=3, hidden_layer_sizes=(), epochs=1, random_state=0
    ... ).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "sae.skae")
    >>> sae.save(path)
    >>> loaded = sk_sparse_ae.load(path)
    >>> bool(np.array_equal(loaded.transform(X), sae.transform(X)))
    True
    """
    return load_estimator(path, SparseAutoencoderTransformer)
