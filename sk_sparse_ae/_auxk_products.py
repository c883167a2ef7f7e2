"""A linear decoder's product and the dead units' AuxK product, one kernel gradient.

AuxK's reconstruction ``aux_codes @ W_dec[dead]`` uses only the dead units'
rows of the decoder kernel. Taken with ``tf.gather``, its kernel gradient is
an ``IndexedSlices`` that TensorFlow merges with the decoder's dense gradient
by concatenating and scattering the whole kernel again, several passes over
its memory in every step (for 2,000 x 784 weights at batch 32, more than the
step's products themselves). Here both products share one custom gradient:
the dense ``codes.T @ d_outputs``, with the dead rows' ``aux_codes.T @
d_aux`` added in place. The main product and its gradient are the ops
TensorFlow's own ``MatMul`` gradient uses, so without dead units the results
are those of the plain decoder.
"""

__all__ = ["decoder_and_auxk_products"]


def decoder_and_auxk_products(codes, aux_codes, dead_units, kernel):
    """``(codes @ kernel, aux_codes @ kernel[dead_units])`` (TensorFlow tensors).

    ``aux_codes`` has one column per entry of ``dead_units`` (int64 indices
    of kernel rows, possibly empty).
    """
    import tensorflow as tf

    @tf.custom_gradient
    def products(codes, aux_codes, kernel):
        dead_rows = tf.gather(kernel, dead_units)

        def gradient(d_outputs, d_aux):
            d_kernel = tf.matmul(codes, d_outputs, transpose_a=True)
            d_kernel = tf.tensor_scatter_nd_add(
                d_kernel,
                tf.expand_dims(dead_units, -1),
                tf.matmul(aux_codes, d_aux, transpose_a=True),
            )
            return (
                tf.matmul(d_outputs, kernel, transpose_b=True),
                tf.matmul(d_aux, dead_rows, transpose_b=True),
                d_kernel,
            )

        return (tf.matmul(codes, kernel), tf.matmul(aux_codes, dead_rows)), gradient

    return products(codes, aux_codes, kernel)
