"""The TopK sparse autoencoder: ReLU TopK codes, dead-latent bookkeeping and AuxK.

Wide TopK codes lose many of their units during training: a unit that drops
out of every sample's top ``k`` gets no gradient from the reconstruction and
never comes back. Following Gao et al. (2024), "Scaling and evaluating sparse
autoencoders", :class:`TopKAutoencoder` counts, for each coding unit, the
training samples seen since it last fired (had a positive code), calls it
dead once that count reaches ``dead_after_samples``, and adds the AuxK loss:
the ``auxk_k`` largest pre-activations among the dead units of each sample
(through ReLU) must reconstruct the residual ``x - x_hat`` of the live ones::

    auxk_weight * mean((decode(codes + aux_codes) - decode(codes) - (x - x_hat)) ** 2)

with ``codes`` and the residual ``x - x_hat`` held constant, in steps where
some unit is dead. For a linear decoder under TensorFlow,
``decode(codes + aux_codes) - decode(codes)`` is the paper's
``aux_codes @ W_dec``, computed over the dead units' columns and rows alone
(gathered), so its cost grows with the number of dead units instead of being
a second pass through the whole decoder. Other decoders and backends
compute it over all units with the live ones masked (running the decoder
twice). Both keep the same units, so they give the same loss and gradients
(``tests/nn/test_auxk.py``).

The whole loss (reconstruction and AuxK) is multiplied by ``loss_scale``, a
non-trainable weight that the estimator sets to ``1 / variance`` of its
training data under squared error: the model then trains on the fraction of
variance unexplained, as EleutherAI's ``sparsify`` does, and its steps do
not depend on the data's scale (on L2-normalised TF-IDF, whose squared error
is about ``1e-4``, Adam's steps otherwise stalled and most units died).
"""

import keras
from keras import ops

from .._compat import in_xla_compilation
from .._tf.backend import uses_tensorflow
from .._tf.variables import to_numpy
from ._layers import TopKActivation

__all__ = ["TopKAutoencoder"]

# The sample counter saturates here, far below int32's limit.
_COUNTER_CAP = 2**30


@keras.saving.register_keras_serializable(package="sk_sparse_ae")
class TopKAutoencoder(keras.Model):
    """``decoder(encoder(x))`` with a TopK coding layer, trained with AuxK.

    Parameters
    ----------
    encoder : keras.Sequential
        Ends in a :class:`~sk_sparse_ae.nn.TopKActivation`; its output is
        the codes.
    decoder : keras.Sequential
        Maps the codes back to the input space.
    auxk_k : int
        Dead units used per sample by the AuxK loss.
    auxk_weight : float
        Weight of the AuxK loss; ``0`` turns it off (the counter still runs).
    dead_after_samples : int
        Training samples without firing after which a unit counts as dead.
    **kwargs
        Passed to :class:`keras.Model` (``name``, ...).

    Attributes
    ----------
    samples_since_fired : keras.Variable of shape (n_components,), int32
        For each coding unit, the training samples seen since it last had a
        positive code (saturating at ``2**30``); updated by every training
        step, never by inference.
    loss_scale : keras.Variable of shape ()
        Multiplies the whole training loss (1 unless set; see the module
        docstring).
    """

    def __init__(
        self, encoder, decoder, *, auxk_k, auxk_weight, dead_after_samples, **kwargs
    ):
        super().__init__(**kwargs)
        if not isinstance(encoder.layers[-1], TopKActivation):
            raise ValueError("The encoder must end in a TopKActivation layer.")
        self.encoder = encoder
        self.decoder = decoder
        self.auxk_k = int(auxk_k)
        self.auxk_weight = float(auxk_weight)
        self.dead_after_samples = int(dead_after_samples)
        self.samples_since_fired = self.add_weight(
            shape=(encoder.output_shape[-1],),
            initializer="zeros",
            dtype="int32",
            trainable=False,
            name="samples_since_fired",
        )
        self.loss_scale = self.add_weight(
            shape=(), initializer="ones", trainable=False, name="loss_scale"
        )
        # The coding layer's dtype policy, not the global one: a model loaded
        # under another global policy must compute its codes in one dtype.
        self._auxk_selection = TopKActivation(
            min(self.auxk_k, encoder.output_shape[-1]),
            "relu",
            name="auxk_topk",
            dtype=encoder.layers[-1].dtype_policy,
        )
        # Every weight exists now (the encoder and decoder are built).
        self.built = True

    @property
    def output_shape(self):
        return self.decoder.output_shape

    def call(self, inputs, training=False):
        *front, topk = self.encoder.layers
        pre_activations = inputs
        for layer in front:
            pre_activations = layer(pre_activations)
        codes = topk(pre_activations)
        if not training:
            return self.decoder(codes)
        counts = self._count_samples_since_fired(codes)
        outputs = self.decoder(codes)
        if self.auxk_weight > 0:
            dead = ops.greater_equal(counts, self.dead_after_samples)
            self.add_loss(
                self.auxk_weight
                * self._auxk_loss(inputs, pre_activations, codes, outputs, dead)
            )
        return outputs

    def compute_loss(self, *args, **kwargs):
        loss = super().compute_loss(*args, **kwargs)
        return ops.cast(self.loss_scale, loss.dtype) * loss

    def load_own_variables(self, store):
        if len(store.keys()) == 1:  # saved before loss_scale existed: it was 1
            self.samples_since_fired.assign(store["0"])
            self.loss_scale.assign(1.0)
            return
        super().load_own_variables(store)

    def _count_samples_since_fired(self, codes):
        # any(codes > 0) over the batch, as a max: a float reduction over the
        # batch took a third of the bool one's time at (32, 2000).
        fired = ops.greater(ops.max(codes, axis=0), 0)
        batch_size = ops.cast(ops.shape(codes)[0], "int32")
        counts = ops.where(
            fired,
            ops.zeros_like(self.samples_since_fired),
            ops.minimum(self.samples_since_fired + batch_size, _COUNTER_CAP),
        )
        self.samples_since_fired.assign(counts)
        return counts

    def _auxk_loss(self, inputs, pre_activations, codes, outputs, dead):
        layer = self._linear_decoder()

        def loss():
            if layer is not None and _gather_dead_columns():
                aux_reconstruction = self._dead_columns_reconstruction(
                    pre_activations, layer.kernel, dead
                )
            else:
                aux_reconstruction = self._masked_reconstruction(
                    pre_activations, codes, dead
                )
            residual = ops.stop_gradient(inputs - outputs)
            # In Keras's loss dtype (floatx), whatever the dtype policy's
            # compute dtype: the losses are added up in floatx.
            error = ops.cast(aux_reconstruction - residual, keras.config.floatx())
            return ops.mean(ops.square(error))

        return ops.cond(
            ops.any(dead), loss, lambda: ops.zeros((), dtype=keras.config.floatx())
        )

    def _masked_reconstruction(self, pre_activations, codes, dead):
        # Live units' pre-activations become -inf, so the selection only
        # keeps dead ones (a -inf that is "kept" goes through ReLU to 0).
        dead_only = ops.where(dead, pre_activations, float("-inf"))
        aux_codes = self._auxk_selection(dead_only)
        aux_codes = ops.where(dead, aux_codes, ops.zeros_like(aux_codes))
        return self._decode_change(codes, aux_codes)

    def _dead_columns_reconstruction(self, pre_activations, kernel, dead):
        """``aux_codes @ W_dec`` from the dead units' columns and rows only."""
        import tensorflow as tf

        dead_units = tf.reshape(tf.where(dead), [-1])
        dead_pre = tf.gather(pre_activations, dead_units, axis=1)
        aux_codes = tf.cond(
            tf.size(dead_units) <= self._auxk_selection.k,
            lambda: ops.relu(dead_pre),  # every dead unit is among the k_aux
            lambda: self._auxk_selection(dead_pre),
        )
        # In the codes' (compute) dtype, as the decoder's Dense layer computes.
        dead_rows = tf.gather(ops.cast(kernel, dead_pre.dtype), dead_units)
        return tf.matmul(aux_codes, dead_rows)

    def _linear_decoder(self):
        """The decoder's Dense layer if it is one linear layer, else None."""
        (first, *rest) = self.decoder.layers
        if not rest and first.activation is keras.activations.linear:
            return first
        return None

    def _decode_change(self, codes, aux_codes):
        """``decode(codes + aux_codes) - decode(codes)``, differentiated with
        respect to ``aux_codes`` and the decoder's weights only."""
        layer = self._linear_decoder()
        if layer is not None:
            # One linear layer: the paper's aux_codes @ W_dec, one product.
            return ops.matmul(aux_codes, layer.kernel)
        codes = ops.stop_gradient(codes)
        return self.decoder(codes + aux_codes) - self.decoder(codes)

    def dead_fraction(self, n_samples):
        """Fraction of units that did not fire in the last ``n_samples`` samples."""
        counts = to_numpy(self.samples_since_fired)
        return float((counts >= n_samples).mean())

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "auxk_k": self.auxk_k,
                "auxk_weight": self.auxk_weight,
                "dead_after_samples": self.dead_after_samples,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        config["decoder"] = keras.saving.deserialize_keras_object(config["decoder"])
        return cls(**config)


def _gather_dead_columns():
    """Whether the AuxK loss gathers the dead columns: their number changes
    from step to step, a dynamic shape only TensorFlow without XLA runs."""
    return uses_tensorflow() and not in_xla_compilation()
