"""The sparsity-aware scorer for unsupervised model selection."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sk_sparse_ae import SparseAutoencoderTransformer, make_sparsity_scorer
from tests.conftest import SMALL


def numpy_bce(X, X_hat):
    X_hat = np.clip(X_hat.astype(np.float64), 1e-7, 1 - 1e-7)
    return -np.mean(X * np.log(X_hat) + (1 - X) * np.log(1 - X_hat))


def numpy_score(sae, X, alpha, threshold, target_l0=0.0):
    codings = sae.transform(X).astype(np.float64)
    loss = numpy_bce(X, sae.inverse_transform(codings))
    mean_l0 = np.mean(np.sum(codings > threshold, axis=1))
    return -(loss + alpha * abs(mean_l0 - target_l0) / codings.shape[1])


@pytest.fixture(scope="module")
def raw_digits():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


@pytest.fixture(scope="module")
def pipeline(raw_digits):
    X, y = raw_digits
    return make_pipeline(
        MinMaxScaler(),
        SparseAutoencoderTransformer(**SMALL),
        LogisticRegression(max_iter=500),
    ).fit(X, y)


@pytest.mark.parametrize(
    ("alpha", "threshold", "target_l0"), [(0.1, 0.1, None), (2.0, 0.3, 5)]
)
def test_bare_transformer_score_matches_numpy(
    pipeline, raw_digits, alpha, threshold, target_l0
):
    X, _ = raw_digits
    sae, X_in = pipeline[1], pipeline[0].transform(X)
    scorer = make_sparsity_scorer(alpha=alpha, threshold=threshold, target_l0=target_l0)
    expected = numpy_score(sae, X_in, alpha, threshold, target_l0 or 0.0)
    assert scorer(sae, X_in) == pytest.approx(expected, rel=1e-5)
    # The penalty is really there: alpha=0 gives the plain score.
    assert make_sparsity_scorer(alpha=0)(sae, X_in) == pytest.approx(sae.score(X_in))
    assert scorer(sae, X_in) < sae.score(X_in)


def test_pipeline_score_uses_the_autoencoder_and_the_steps_before_it(
    pipeline, raw_digits
):
    X, y = raw_digits
    sae, X_in = pipeline[1], pipeline[0].transform(X)
    expected = numpy_score(sae, X_in, 0.1, 0.1)
    scorer = make_sparsity_scorer()
    assert scorer(pipeline, X, y) == pytest.approx(expected, rel=1e-5)
    nested = make_pipeline(pipeline[:2], pipeline[2])
    assert scorer(nested, X) == pytest.approx(expected, rel=1e-5)


def test_rejects_estimators_without_an_autoencoder(raw_digits):
    X, y = raw_digits
    model = make_pipeline(MinMaxScaler(), LogisticRegression()).fit(X, y)
    with pytest.raises(TypeError, match="got Pipeline"):
        make_sparsity_scorer()(model, X, y)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": -1}, "alpha must be a finite number >= 0.0, got -1"),
        ({"threshold": np.nan}, "threshold must be a finite number, got nan"),
        ({"target_l0": "5"}, "target_l0 must be a finite number >= 0.0, got '5'"),
    ],
)
def test_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_sparsity_scorer(**kwargs)


def test_grid_search_picks_a_sparser_model_than_plain_score(raw_digits):
    """Over k, plain score picks the densest model; the scorer does not."""
    X, _ = raw_digits
    pipe = make_pipeline(
        MinMaxScaler(),
        # The book's training (cross-entropy, SGD at batch 32) with TopK codes.
        SparseAutoencoderTransformer(
            **SMALL,
            sparsity="topk",
            loss="binary_crossentropy",
            optimizer="sgd",
            batch_size=32,
        ),
    )
    grid = {"sparseautoencodertransformer__k": [2, 16]}
    plain = GridSearchCV(pipe, grid, cv=2).fit(X)
    sparse = GridSearchCV(
        pipe, grid, cv=2, scoring=make_sparsity_scorer(alpha=0.5)
    ).fit(X)
    assert plain.best_params_["sparseautoencodertransformer__k"] == 16
    assert sparse.best_params_["sparseautoencodertransformer__k"] == 2
