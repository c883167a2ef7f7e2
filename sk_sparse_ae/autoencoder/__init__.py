"""The scikit-learn estimator: :class:`SparseAutoencoderTransformer` and :func:`load`.

Its private modules, one concept each: the class and its ``fit`` recipe
(``_transformer``), what ``"auto"`` resolves to (``_auto_settings``), input
validation (``_validation``), inference in chunks or in NumPy for small inputs
(``_inference``, ``_numpy_forward``, ``_blas_threads``), all-or-nothing calls
(``_all_or_nothing``), ``partial_fit`` after ``set_params`` (``_incremental``),
what a built model is (``_model_settings``) and the estimator's side of the
file format (``_persistence``).
"""

from ._transformer import SparseAutoencoderTransformer, load

__all__ = ["SparseAutoencoderTransformer", "load"]
