"""The ``.skae`` file format: a zip of the Keras model and JSON metadata.

Reading and writing archives, bounded and checked (``_archive``), and what
the metadata may hold (``_metadata``). It knows no estimator: the estimator
(:mod:`sk_sparse_ae.autoencoder`) calls it, never the other way round.
"""
