"""Training a Keras autoencoder: the compiled loop, callbacks, the model pool, XLA.

No scikit-learn here: the estimator hands a compiled model and float32 data
to :func:`~sk_sparse_ae.training._loop.fit_shuffled`.
"""
