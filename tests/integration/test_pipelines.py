"""The estimator inside scikit-learn's and Keras's machinery."""

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sk_sparse_ae import SparseAutoencoderTransformer
from tests.conftest import SMALL


@pytest.fixture(scope="module")
def digits_split():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def test_grid_search_over_sparsity_and_weight(digits):
    X, y = digits
    X, y = X[:600], y[:600]
    pipe = make_pipeline(
        MinMaxScaler(),
        SparseAutoencoderTransformer(**{**SMALL, "epochs": 2}),
        LogisticRegression(max_iter=500),
    )
    grid = {
        "sparseautoencodertransformer__sparsity": ["l1", "kl"],
        "sparseautoencodertransformer__sparsity_weight": [1e-3, 1e-2],
    }
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_.named_steps["sparseautoencodertransformer"]
    assert (
        best.sparsity == search.best_params_["sparseautoencodertransformer__sparsity"]
    )
    assert (
        best.sparsity_weight
        == search.best_params_["sparseautoencodertransformer__sparsity_weight"]
    )
    assert search.predict(X[:5]).shape == (5,)


def test_unsupervised_grid_search_uses_score(digits):
    X, _ = digits
    search = GridSearchCV(
        SparseAutoencoderTransformer(**{**SMALL, "epochs": 2}),
        {"sparsity": [None, "kl"]},
        cv=2,
    ).fit(X[:400])
    scores = search.cv_results_["mean_test_score"]
    assert np.all(scores < 0)  # negative reconstruction losses


def test_sae_features_help_a_linear_classifier(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    params = dict(
        n_components=16,
        hidden_layer_sizes=(),
        sparsity="kl",
        optimizer="adam",
        learning_rate=0.01,
        epochs=20,
        random_state=0,
    )

    def accuracy(**overrides):
        pipe = make_pipeline(
            MinMaxScaler(),
            SparseAutoencoderTransformer(**{**params, **overrides}),
            LogisticRegression(max_iter=2000),
        )
        return pipe.fit(X_train, y_train).score(X_test, y_test)

    # Measured 0.951. An untrained encoder (the same network, no learning)
    # gives random sigmoid features and measured 0.862: the threshold sits
    # between them, and the control below checks that it does.
    assert accuracy() >= 0.93
    assert accuracy(epochs=1, optimizer="sgd", learning_rate=1e-9) < 0.90


def _keras_softmax(n_features, n_classes=10):
    model = keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    return model


def test_pipeline_into_scikeras_classifier(digits_split):
    scikeras = pytest.importorskip("scikeras.wrappers")
    X_train, X_test, y_train, y_test = digits_split

    def build(meta):
        model = _keras_softmax(meta["n_features_in_"], meta["n_classes_"])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        return model

    pipe = make_pipeline(
        MinMaxScaler(),
        SparseAutoencoderTransformer(
            n_components=32, hidden_layer_sizes=(), epochs=5, random_state=0
        ),
        # No random_state: scikeras then turns on TensorFlow's global op
        # determinism and never turns it off (doc/modules/keras_classifiers.md).
        scikeras.KerasClassifier(model=build, epochs=30, verbose=0),
    )
    pipe.fit(X_train, y_train)
    predictions = pipe.predict(X_test)
    assert predictions.shape == y_test.shape
    assert set(np.unique(predictions)) <= set(np.unique(y_train))
    assert np.mean(predictions == y_test) > 0.6


def test_pipeline_into_keras_sklearn_classifier(digits_split):
    from keras.wrappers import SKLearnClassifier

    X_train, X_test, y_train, y_test = digits_split

    def build(X, y):
        model = _keras_softmax(X.shape[1], y.shape[1])
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        return model

    pipe = make_pipeline(
        MinMaxScaler(),
        SparseAutoencoderTransformer(
            n_components=32, hidden_layer_sizes=(), epochs=5, random_state=0
        ),
        SKLearnClassifier(model=build, fit_kwargs={"epochs": 30, "verbose": 0}),
    )
    pipe.fit(X_train, y_train)
    predictions = pipe.predict(X_test)
    assert predictions.shape == y_test.shape
    assert np.mean(predictions == y_test) > 0.6


def test_scikeras_classifier_is_not_seen_as_a_classifier():
    """doc/modules/keras_classifiers.md's warning: scikeras 0.13 loses its tags."""
    scikeras = pytest.importorskip("scikeras.wrappers")
    from sklearn.base import is_classifier

    # So GridSearchCV(cv=3) would split it with plain KFold: pass
    # cv=StratifiedKFold(3) explicitly.
    assert not is_classifier(scikeras.KerasClassifier(model=None))


def test_each_fit_returns_self_and_refits_from_scratch(digits_small):
    X, _ = digits_small
    sae = SparseAutoencoderTransformer(**{**SMALL, "epochs": 1})
    first = sae.fit(X).transform(X)
    assert sae.fit(X) is sae
    np.testing.assert_array_equal(sae.transform(X), first)
    sae.set_params(n_components=5)
    assert sae.fit(X).transform(X).shape == (len(X), 5)
    assert clone(sae).get_params() == sae.get_params()
