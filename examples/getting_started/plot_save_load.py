"""
=========================================
Saving and loading a fitted transformer
=========================================

A fitted :class:`~sk_sparse_ae.SparseAutoencoderTransformer` saves to one
file with :meth:`~sk_sparse_ae.SparseAutoencoderTransformer.save` and comes
back with :func:`sk_sparse_ae.load`. The file holds the Keras model in its
native ``.keras`` format and everything else as JSON, so **loading it runs no
code from it**, unlike a pickle. This example saves a transformer, looks
inside the file, loads it back, checks that it encodes exactly as before,
continues its training, and shows what ``load`` does with a pickle.
"""

# %%
# Fit and save
# ------------
import json
import pickle
import tempfile
import zipfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import MinMaxScaler

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer
from sk_sparse_ae.inspection import plot_reconstructions

X = MinMaxScaler().fit_transform(load_digits().data)
sae = SparseAutoencoderTransformer(
    n_components=32,
    hidden_layer_sizes=(),
    optimizer="adam",
    epochs=20,
    random_state=0,
).fit(X)

workdir = tempfile.TemporaryDirectory()
path = Path(workdir.name) / "digits.skae"
sae.save(path)
print(f"{path.name}: {path.stat().st_size:,} bytes")

# %%
# What is inside
# --------------
# A zip archive: the Keras model, and ``metadata.json`` with the format
# version, the library versions, the parameters and the fitted attributes.
with zipfile.ZipFile(path) as archive:
    for info in archive.infolist():
        print(f"{info.filename:>16}: {info.file_size:,} bytes")
    metadata = json.loads(archive.read("metadata.json"))
print(json.dumps({key: metadata[key] for key in list(metadata)[:3]}, indent=2))

# %%
# Load and compare
# ----------------
# The loaded transformer encodes bit for bit as the saved one did.
loaded = sk_sparse_ae.load(path)
print(loaded)
print("identical codings:", np.array_equal(loaded.transform(X), sae.transform(X)))

plot_reconstructions(
    {"saved": sae, "loaded": loaded},
    X[:10],
    (8, 8),
    vmin=0,
    vmax=1,
    fig=plt.figure(figsize=(8, 2.8), layout="constrained"),
)

# %%
# Training continues where it stopped
# -----------------------------------
# The file also holds the optimizer's state (Adam's step count and moment
# estimates), so :meth:`~sk_sparse_ae.SparseAutoencoderTransformer.partial_fit`
# on the loaded copy takes the same step as on the original.
sae.partial_fit(X)
loaded.partial_fit(X)
print(
    "same after one more pass:", np.array_equal(loaded.transform(X), sae.transform(X))
)

# %%
# Pickles
# -------
# pickle and joblib work too, but unpickling can run any code the file
# contains. ``load`` refuses a pickle with an error that says what it found;
# use ``pickle.load`` only on files you wrote yourself.
pickle_path = Path(workdir.name) / "digits.pkl"
pickle_path.write_bytes(pickle.dumps(sae))
try:
    sk_sparse_ae.load(pickle_path)
except ValueError as error:
    print(f"ValueError: {error}")

workdir.cleanup()
