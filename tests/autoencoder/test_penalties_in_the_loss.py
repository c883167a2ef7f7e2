"""The penalty that reaches the training loss is the book's, at every batch size.

``model_.evaluate`` on one batch minus the reconstruction loss (both in
NumPy from the model's own outputs) must equal the book's penalty computed
in NumPy from its code (Géron, chapter 17): for KL, ``weight *
(kl_divergence(p, q) + kl_divergence(1 - p, 1 - q))`` with Keras's
``kullback_leibler_divergence``; for L1, ``ActivityRegularization(l1)``
divided by the batch size, as the book's Keras did. Whatever convention the
installed Keras has for activity penalties.
"""

import numpy as np
import pytest

from sk_sparse_ae import SparseAutoencoderTransformer

TINY = dict(n_components=12, hidden_layer_sizes=(16,), epochs=1, random_state=0)


def kullback_leibler_divergence(y_true, y_pred):
    return np.sum(y_true * np.log(y_true / y_pred), axis=-1)


def book_kl_penalty(codings, weight, p):
    q = np.clip(codings.astype(np.float64).mean(axis=0), 1e-7, 1 - 1e-7)
    return weight * (
        kullback_leibler_divergence(p, q) + kullback_leibler_divergence(1 - p, 1 - q)
    )


def book_l1_penalty(codings, l1):
    return l1 * np.abs(codings.astype(np.float64)).sum() / len(codings)


def binary_crossentropy(X, X_hat):
    X_hat = np.clip(X_hat.astype(np.float64), 1e-7, 1 - 1e-7)
    return -np.mean(X * np.log(X_hat) + (1 - X) * np.log(1 - X_hat))


@pytest.mark.parametrize(
    "sparsity, weight, penalty",
    [
        ("kl", 0.5, lambda c, w: book_kl_penalty(c, w, 0.1)),
        ("l1", 0.05, book_l1_penalty),
    ],
)
@pytest.mark.parametrize("batch_size", [16, 128])
def test_penalty_reaching_the_loss_is_the_books(
    digits_small, sparsity, weight, penalty, batch_size
):
    X = digits_small[0]
    sae = SparseAutoencoderTransformer(
        **TINY, sparsity=sparsity, sparsity_weight=weight, batch_size=batch_size
    ).fit(X)
    batch = X[:batch_size]
    codings = sae.transform(batch)
    reconstruction = binary_crossentropy(batch, sae.inverse_transform(codings))
    total = sae.model_.evaluate(batch, batch, batch_size=batch_size, verbose=0)
    expected = penalty(codings, weight)
    assert expected > 0.01  # far from zero: a factor of batch_size would show
    assert total - reconstruction == pytest.approx(expected, rel=2e-4)


def test_auto_weights_are_the_documented_ones(digits_small):
    X = digits_small[0][:64]
    weights = {
        sparsity: SparseAutoencoderTransformer(**TINY, sparsity=sparsity, k=4)
        .fit(X)
        .sparsity_weight_
        for sparsity in ("kl", "l1", "topk", None)
    }
    assert weights == {"kl": 2e-3, "l1": 1e-3, "topk": 0.0, None: 0.0}
