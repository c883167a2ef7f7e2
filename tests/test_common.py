"""scikit-learn's estimator checks on a tiny configuration."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_sparse_ae import SparseAutoencoderTransformer

# The common checks feed arbitrary real data (negative values, large
# magnitudes), so the tiny configuration uses the squared-error loss with a
# linear output and Adam; the cross-entropy loss is tested on data in [0, 1]
# in test_estimator.py.
TINY = SparseAutoencoderTransformer(
    n_components=3,
    hidden_layer_sizes=(4,),
    loss="squared_error",
    optimizer="adam",
    learning_rate=0.01,
    batch_size=16,
    epochs=2,
    random_state=0,
)


# No expected failures: every check passes.
@parametrize_with_checks([TINY])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
