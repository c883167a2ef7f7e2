"""The native save/load format, and pickle/joblib across a fresh process."""

import json
import pickle
import subprocess
import sys
import textwrap
import zipfile

import joblib
import keras
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer

TINY = dict(n_components=5, hidden_layer_sizes=(8,), epochs=2, random_state=0)


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).random((60, 12))


@pytest.fixture(scope="module")
def fitted(X):
    return SparseAutoencoderTransformer(**TINY).fit(X)


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "sae.skae"
    fitted.save(path)
    return path


def assert_same_fitted_transformer(loaded, original, X):
    assert type(loaded) is SparseAutoencoderTransformer
    assert loaded.get_params() == original.get_params()
    assert loaded.n_features_in_ == original.n_features_in_
    assert loaded.n_iter_ == original.n_iter_
    assert loaded.history_ == original.history_
    np.testing.assert_array_equal(loaded.transform(X), original.transform(X))
    codings = original.transform(X)
    np.testing.assert_array_equal(
        loaded.inverse_transform(codings), original.inverse_transform(codings)
    )
    assert loaded.score(X) == original.score(X)


@pytest.mark.parametrize("loader", ["function", "classmethod"])
def test_round_trip_gives_identical_outputs(fitted, saved, X, loader):
    if loader == "function":
        loaded = sk_sparse_ae.load(saved)
    else:
        loaded = SparseAutoencoderTransformer.load(saved)
    assert_same_fitted_transformer(loaded, fitted, X)
    for name in ("model_", "encoder_", "decoder_"):
        for w_loaded, w_original in zip(
            getattr(loaded, name).get_weights(),
            getattr(fitted, name).get_weights(),
            strict=True,
        ):
            np.testing.assert_array_equal(w_loaded, w_original)
    # encoder_ and decoder_ are still the parts of model_, sharing its weights.
    assert loaded.model_.get_layer("encoder") is loaded.encoder_
    assert loaded.model_.get_layer("decoder") is loaded.decoder_
    # The optimizer state comes back too (training can continue from it).
    assert int(loaded.model_.optimizer.iterations) == int(
        fitted.model_.optimizer.iterations
    )


def test_round_trip_keeps_feature_names_output_config_and_tuple_params(X, tmp_path):
    frame = pd.DataFrame(X, columns=[f"pixel{i}" for i in range(X.shape[1])])
    sae = SparseAutoencoderTransformer(**{**TINY, "sparsity": "l1", "epochs": 1})
    sae.set_output(transform="pandas").fit(frame)
    sae.save(tmp_path / "named.skae")
    loaded = sk_sparse_ae.load(tmp_path / "named.skae")
    np.testing.assert_array_equal(loaded.feature_names_in_, sae.feature_names_in_)
    assert loaded.feature_names_in_.dtype == object
    assert loaded.hidden_layer_sizes == (8,)
    out = loaded.transform(frame)
    assert isinstance(out, pd.DataFrame)
    pd.testing.assert_frame_equal(out, sae.transform(frame))


def test_file_is_a_zip_of_keras_model_and_json(saved):
    with zipfile.ZipFile(saved) as archive:
        assert sorted(archive.namelist()) == ["metadata.json", "model.keras"]
        metadata = json.loads(archive.read("metadata.json"))
    assert metadata["format"] == "sk_sparse_ae"
    assert metadata["format_version"] == 2
    assert metadata["class"] == "SparseAutoencoderTransformer"
    assert metadata["versions"]["keras"] == keras.__version__
    assert metadata["params"]["n_components"] == 5
    assert metadata["attributes"]["n_features_in_"] == 12


def test_save_unfitted_raises(tmp_path):
    with pytest.raises(NotFittedError):
        SparseAutoencoderTransformer().save(tmp_path / "x.skae")


def test_save_refuses_values_json_cannot_hold(X, tmp_path):
    sae = SparseAutoencoderTransformer(
        **{**TINY, "epochs": 1, "random_state": np.random.RandomState(0)}
    ).fit(X)
    with pytest.raises(TypeError, match=r"parameter 'random_state'=RandomState"):
        sae.save(tmp_path / "x.skae")


# --- files that are not ours, or damaged ---------------------------------------


def _rewrite_archive(source, target, replace):
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = replace.get(name, old.read(name))
            if data is not None:
                new.writestr(name, data)


def test_truncated_file(saved, tmp_path):
    data = saved.read_bytes()
    for cut in (0, 10, len(data) // 2, len(data) - 10):
        path = tmp_path / f"cut{cut}.skae"
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=r"truncated or corrupted zip"):
            sk_sparse_ae.load(path)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(position=st.floats(0, 1, exclude_max=True), flip=st.integers(1, 255))
def test_corrupted_byte_is_caught_or_harmless(
    saved, fitted, X, tmp_path, position, flip
):
    # A flipped byte either gives a clear error or lands in a field that
    # zip does not use (e.g. a timestamp) and the model loads unchanged.
    data = bytearray(saved.read_bytes())
    data[int(position * len(data))] ^= flip
    path = tmp_path / "corrupted.skae"
    path.write_bytes(bytes(data))
    try:
        loaded = sk_sparse_ae.load(path)
    except ValueError as error:
        assert "sk_sparse_ae model file" in str(error) or "could not be" in str(error)
    else:
        np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))


def test_foreign_files(fitted, tmp_path):
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(fitted))
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    plain_keras = tmp_path / "plain.keras"
    fitted.model_.save(plain_keras)
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("data.csv", "1,2\n")
    for path in (pickled, text):
        with pytest.raises(ValueError, match=r"not a readable sk_sparse_ae model"):
            sk_sparse_ae.load(path)
    with pytest.raises(ValueError, match=r"it has no metadata.json, model.keras"):
        sk_sparse_ae.load(other_zip)
    with pytest.raises(ValueError, match=r"plain Keras model file; open it with"):
        sk_sparse_ae.load(plain_keras)
    with pytest.raises(FileNotFoundError):
        sk_sparse_ae.load(tmp_path / "missing.skae")


@pytest.mark.parametrize(
    "change, match",
    [
        ({"format": "something_else"}, r"does not name format 'sk_sparse_ae'"),
        ({"format_version": 99}, r"format_version=99; .* up to 2"),
        ({"class": "PCA"}, r"holds a PCA, not a SparseAutoencoderTransformer"),
        ({"params": {"n_components": 5, "alpha": 1}}, r"parameters \['alpha'\]"),
        (
            {"attributes": {"n_iter_": 1, "transform": "x", "__class__": "x"}},
            r"sets unknown attributes \['__class__', 'transform'\]",
        ),
    ],
)
def test_foreign_metadata(saved, tmp_path, change, match):
    with zipfile.ZipFile(saved) as archive:
        metadata = json.loads(archive.read("metadata.json"))
    path = tmp_path / "edited.skae"
    _rewrite_archive(saved, path, {"metadata.json": json.dumps({**metadata, **change})})
    with pytest.raises(ValueError, match=match):
        sk_sparse_ae.load(path)


def test_metadata_that_is_not_json(saved, tmp_path):
    path = tmp_path / "edited.skae"
    _rewrite_archive(saved, path, {"metadata.json": b"\x80not json"})
    with pytest.raises(ValueError, match=r"metadata.json is not JSON"):
        sk_sparse_ae.load(path)


def test_loading_runs_no_code_from_the_file(saved, tmp_path):
    # A Keras model with a Lambda layer stores Python bytecode; safe_mode
    # refuses to deserialize it, so a file cannot run code when loaded.
    marker = tmp_path / "code_ran"
    inputs = keras.Input(shape=(12,))
    outputs = keras.layers.Lambda(
        lambda x, marker=str(marker): (open(marker, "w").close(), x)[1]
    )(inputs)
    evil = keras.Model(inputs, outputs)
    evil_file = tmp_path / "evil.keras"
    evil.save(evil_file)
    path = tmp_path / "evil.skae"
    _rewrite_archive(saved, path, {"model.keras": evil_file.read_bytes()})
    marker.unlink(missing_ok=True)  # saving traced the lambda once
    with pytest.raises(ValueError, match=r"could not be loaded with safe_mode=True"):
        sk_sparse_ae.load(path)
    assert not marker.exists()


# --- pickle, joblib and the native format in a fresh process --------------------


def test_fresh_process_loads_native_joblib_and_pickle(fitted, X, tmp_path):
    fitted.save(tmp_path / "sae.skae")
    joblib.dump(fitted, tmp_path / "sae.joblib")
    (tmp_path / "sae.pkl").write_bytes(pickle.dumps(fitted))
    np.save(tmp_path / "X.npy", X)
    script = textwrap.dedent(
        f"""
        import pickle, joblib, numpy as np, sk_sparse_ae
        d = {str(tmp_path)!r}
        X = np.load(d + "/X.npy")
        with open(d + "/sae.pkl", "rb") as f:
            from_pickle = pickle.load(f)
        for name, sae in [
            ("native", sk_sparse_ae.load(d + "/sae.skae")),
            ("joblib", joblib.load(d + "/sae.joblib")),
            ("pickle", from_pickle),
        ]:
            np.save(d + "/codings_" + name + ".npy", sae.transform(X))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
    expected = fitted.transform(X)
    for name in ("native", "joblib", "pickle"):
        np.testing.assert_array_equal(
            np.load(tmp_path / f"codings_{name}.npy"), expected
        )


def test_loaded_transformer_continues_training_identically(X, tmp_path):
    # The optimizer state and the dead-unit counter are in the file:
    # partial_fit after load takes the same step as partial_fit on the
    # original (here TopK with Adam, and AuxK active: units count as dead
    # after 20 samples).
    topk = {"sparsity": "topk", "k": 1, "optimizer": "adam", "batch_size": 4}
    auxk = {"auxk_weight": 0.25, "auxk_k": 3, "dead_after_samples": 20}
    params = {**TINY, "n_components": 12, **topk, **auxk}
    sae = SparseAutoencoderTransformer(**params).fit(X)
    sae.save(tmp_path / "topk.skae")
    loaded = sk_sparse_ae.load(tmp_path / "topk.skae")
    assert loaded.get_params() == sae.get_params()
    assert loaded.model_.auxk_k == 3 and loaded.model_.dead_after_samples == 20
    np.testing.assert_array_equal(loaded.transform(X), sae.transform(X))
    for model in (sae, loaded):
        counts = np.asarray(model.model_.samples_since_fired.value)
        assert counts.max() >= 20  # some unit is dead: AuxK is in the steps
    sae.partial_fit(X)
    loaded.partial_fit(X)
    np.testing.assert_array_equal(loaded.transform(X), sae.transform(X))
    np.testing.assert_array_equal(
        np.asarray(loaded.model_.samples_since_fired.value),
        np.asarray(sae.model_.samples_since_fired.value),
    )
    assert loaded.dead_fraction_ == sae.dead_fraction_
    assert loaded.n_iter_ == sae.n_iter_ == 3
