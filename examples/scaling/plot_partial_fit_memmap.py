"""
==============================================
Training on data streamed from disk
==============================================

:meth:`~sk_sparse_ae.SparseAutoencoderTransformer.fit` needs the whole
training set in memory (it makes one float32 copy of it).
:meth:`~sk_sparse_ae.SparseAutoencoderTransformer.partial_fit` trains on one
chunk at a time, keeping the model and the optimizer's state between calls,
so the data can stay on disk: here in a :class:`numpy.memmap`, of which only
the chunk being trained on is read into memory.
"""

# %%
# A training set on disk
# ----------------------
# Fashion-MNIST's training images, scaled to [0, 1] and written once to a
# ``.npy`` file in a temporary directory (deleted at the end). ``np.load``
# with ``mmap_mode="r"`` maps the file without reading it. The rows are in
# the data set's own order, which is already shuffled across classes;
# ``partial_fit`` only shuffles within a chunk, so rows sorted by class would
# need shuffling on disk first.
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sk_sparse_ae import SparseAutoencoderTransformer, load_fashion_mnist

(X_images, _), (X_test, _) = load_fashion_mnist(flatten=True, as_float=True)
X_test = X_test[:2_000]
workdir = tempfile.TemporaryDirectory()
path = Path(workdir.name) / "train.npy"
np.save(path, X_images[:30_000])
del X_images

X_disk = np.load(path, mmap_mode="r")
print(type(X_disk).__name__, X_disk.shape, X_disk.dtype)

# %%
# Chunk by chunk
# --------------
# Three passes over the file in chunks of 5,000 rows. Each call makes one
# pass over its chunk in batches of ``batch_size`` and continues from where
# the previous call stopped (Adam's step count and moment estimates
# included). After each call, the held-out test images are scored:
# :meth:`~sk_sparse_ae.SparseAutoencoderTransformer.score` is the negative
# reconstruction loss.
params = dict(n_components=64, hidden_layer_sizes=(), optimizer="adam", random_state=0)
streamed = SparseAutoencoderTransformer(**params)
chunk_size, n_passes = 5_000, 3
test_loss = []
start = time.perf_counter()
for _ in range(n_passes):
    for first in range(0, len(X_disk), chunk_size):
        streamed.partial_fit(X_disk[first : first + chunk_size])
        test_loss.append(-streamed.score(X_test))
print(f"{streamed.n_iter_} partial_fit calls in {time.perf_counter() - start:.1f} s")

# %%
# Against ``fit`` on the data in memory
# -------------------------------------
# The same model fitted on the whole array for as many epochs. Its batches
# come in another order (``fit`` shuffles the whole training set each epoch),
# so the two runs differ in detail but should reach a similar loss.
in_memory = SparseAutoencoderTransformer(**params, epochs=n_passes)
in_memory.fit(np.asarray(X_disk))
fit_loss = -in_memory.score(X_test)
print(f"test loss: partial_fit {test_loss[-1]:.4f}, fit {fit_loss:.4f}")

chunks_per_pass = len(X_disk) // chunk_size
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.plot(
    np.arange(1, len(test_loss) + 1) / chunks_per_pass,
    test_loss,
    marker="o",
    label=f"partial_fit, chunks of {chunk_size:,} rows",
)
ax.axhline(fit_loss, color="tab:red", linestyle="--", label=f"fit, {n_passes} epochs")
ax.set(
    xlabel="passes over the training file",
    ylabel="test reconstruction loss",
    title="Streaming from a memmap",
)
ax.grid(True)
ax.legend()

# %%
# Clean up: drop the memory map before deleting its file.
del X_disk
workdir.cleanup()
