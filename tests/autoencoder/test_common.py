"""scikit-learn's estimator checks on the default instance, TopK and L1, with
no expected failure (the checks' n_components=1 < k keeps every unit, with a
warning, as SelectKBest does for k > n_features).

The common checks feed arbitrary real data (negative values, values around
100); ``loss="auto"`` trains those with squared error and a learning rate
scaled to the data (``_auto_settings``), so the defaults pass every check.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_sparse_ae import SparseAutoencoderTransformer


@parametrize_with_checks(
    [
        SparseAutoencoderTransformer(),
        SparseAutoencoderTransformer(sparsity="topk"),
        SparseAutoencoderTransformer(sparsity="l1"),
    ],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
