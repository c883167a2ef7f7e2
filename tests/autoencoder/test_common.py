"""scikit-learn's estimator checks on the default instance, TopK and L1.

The common checks feed arbitrary real data (negative values, values around
100); ``loss="auto"`` trains those with squared error and a learning rate
scaled to the data (``_auto_settings``), so the defaults pass every check.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_sparse_ae import SparseAutoencoderTransformer

# Checks that set n_components=1 (scikit-learn does so for every estimator
# with that parameter). sparsity="topk" keeps k of the n_components units and
# fit refuses k=100 > n_components=1 with a ValueError naming both, rather than
# silently lowering k; the same checks pass on the other two instances.
_TOPK_N_COMPONENTS_1 = (
    "check_dont_overwrite_parameters",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
)


def _expected_failed_checks(estimator):
    if estimator.sparsity == "topk":
        return {
            name: "sets n_components=1 < k; fit refuses k > n_components"
            for name in _TOPK_N_COMPONENTS_1
        }
    return {}


@parametrize_with_checks(
    [
        SparseAutoencoderTransformer(),
        SparseAutoencoderTransformer(sparsity="topk"),
        SparseAutoencoderTransformer(sparsity="l1"),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
