"""Which Keras backend runs: asked in one place."""

import keras

__all__ = ["uses_tensorflow"]


def uses_tensorflow():
    """Whether Keras runs on TensorFlow (the TensorFlow-only fast paths apply)."""
    return keras.backend.backend() == "tensorflow"
