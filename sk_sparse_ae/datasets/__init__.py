"""Real data sets read from local files; nothing is downloaded."""

from ._fashion_mnist import ENV_VAR, FashionMNISTNotFoundError, load_fashion_mnist
from ._newsgroups import load_newsgroups

__all__ = [
    "ENV_VAR",
    "FashionMNISTNotFoundError",
    "load_fashion_mnist",
    "load_newsgroups",
]
