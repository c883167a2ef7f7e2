"""load trusts no file: metadata is validated and checked against its model."""

import copy
import json
import pickle
import zipfile

import joblib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sk_sparse_ae
from sk_sparse_ae import SparseAutoencoderTransformer

TINY = dict(n_components=4, hidden_layer_sizes=(6,), epochs=1, random_state=0)


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).random((40, 10))


@pytest.fixture(scope="module")
def fitted(X):
    return SparseAutoencoderTransformer(**TINY, loss="squared_error").fit(X)


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "sae.skae"
    fitted.save(path)
    return path


@pytest.fixture(scope="module")
def metadata(saved):
    with zipfile.ZipFile(saved) as archive:
        return json.loads(archive.read("metadata.json"))


def _write(saved, path, metadata):
    """A copy of ``saved`` with its metadata.json replaced by ``metadata``."""
    text = metadata if isinstance(metadata, str) else json.dumps(metadata)
    with zipfile.ZipFile(saved) as old, zipfile.ZipFile(path, "w") as new:
        for name in old.namelist():
            new.writestr(name, text if name == "metadata.json" else old.read(name))
    return path


def _edited(metadata, section, **changes):
    edited = copy.deepcopy(metadata)
    edited[section].update(changes)
    return edited


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_components": 999}, r"n_components=999 but the model has 4"),
        (
            {"loss": "binary_crossentropy"},
            r"loss='binary_crossentropy' but the model has 'squared_error'",
        ),
        ({"hidden_layer_sizes": {"__tuple__": [7]}}, r"hidden_layer_sizes=\(7,\)"),
        ({"activation": "relu"}, r"activation='relu' but the model has 'selu'"),
        ({"optimizer": "adam"}, r"optimizer='adam' but the model has 'sgd'"),
        ({"learning_rate": 0.5}, r"learning_rate=0.5 but the model has 0.0099"),
        ({"sparsity": "l1"}, r"sparsity='l1' but the model has 'kl'"),
        ({"sparsity": "topk"}, r"sparsity='topk' but the model has 'kl'"),
        ({"sparsity_weight": 0.5}, r"sparsity_weight=0.5 but the model has 0.002"),
        ({"sparsity_target": 0.3}, r"sparsity_target=0.3 but the model has 0.1"),
    ],
)
def test_metadata_must_describe_the_model(saved, metadata, tmp_path, params, match):
    path = _write(saved, tmp_path / "e.skae", _edited(metadata, "params", **params))
    with pytest.raises(ValueError, match=rf"does not describe .*{match}"):
        sk_sparse_ae.load(path)


@pytest.mark.parametrize(
    "params",
    [
        {"n_components": "lots"},
        {"n_components": 0},
        {"n_components": 4.5},
        {"hidden_layer_sizes": {"__tuple__": [-1]}},
        {"hidden_layer_sizes": "wide"},
        {"sparsity": "kl2"},
        {"learning_rate": -1},
        {"random_state": "seed"},
        {"epochs": None},
    ],
)
def test_invalid_parameters_are_refused(saved, metadata, tmp_path, params):
    path = _write(saved, tmp_path / "e.skae", _edited(metadata, "params", **params))
    with pytest.raises(ValueError, match=r"metadata.json: invalid parameters"):
        sk_sparse_ae.load(path)


@pytest.mark.parametrize(
    "attributes, match",
    [
        ({"my_backdoor": 1}, r"unknown attributes \['my_backdoor'\]"),
        ({"_metadata_request": {}}, r"unknown attributes \['_metadata_request'\]"),
        ({"_more_tags": {}}, r"unknown attributes \['_more_tags'\]"),
        ({"transform": "x"}, r"unknown attributes \['transform'\]"),
        ({"history_": "lol"}, r"history_='lol' is not an object of lists"),
        ({"history_": {"loss": ["x"]}}, r"history_=.* is not an object of lists"),
        ({"n_iter_": -1}, r"n_iter_=-1 is not an int >= 0"),
        ({"n_iter_": True}, r"n_iter_=True is not an int"),
        ({"loss_": "auto"}, r"loss_='auto' is not 'binary_crossentropy' or"),
        ({"learning_rate_": -1}, r"learning_rate_=-1 is not a finite number > 0"),
        ({"n_features_in_": 11}, r"n_features_in_=11 is not the int width"),
        ({"n_features_in_": 10.0}, r"n_features_in_=10.0 is not the int width"),
        (
            {"feature_names_in_": {"__ndarray__": ["a"], "dtype": "|O"}},
            r"feature_names_in_=.* is not an array of n_features_in_ strings",
        ),
        (
            {"_sklearn_output_config": {"transform": "evil"}},
            r"_sklearn_output_config=.* is not an object",
        ),
    ],
)
def test_only_known_attributes_of_their_types_load(
    saved, metadata, tmp_path, attributes, match
):
    edited = _edited(metadata, "attributes", **attributes)
    path = _write(saved, tmp_path / "e.skae", edited)
    with pytest.raises(ValueError, match=rf"not a readable sk_sparse_ae .*{match}"):
        sk_sparse_ae.load(path)


@pytest.mark.parametrize(
    "attributes, match",
    [
        ({"loss_": "binary_crossentropy"}, r"loss_='binary_crossentropy' but the"),
        ({"learning_rate_": 0.5}, r"learning_rate_=0.5 but the model has 0.0099"),
    ],
)
def test_resolved_settings_must_be_the_models(
    saved, metadata, tmp_path, attributes, match
):
    edited = _edited(metadata, "attributes", **attributes)
    path = _write(saved, tmp_path / "e.skae", edited)
    with pytest.raises(ValueError, match=rf"does not describe .*{match}"):
        sk_sparse_ae.load(path)


@pytest.mark.parametrize("name", ["loss_", "learning_rate_", "sparsity_weight_"])
def test_resolved_settings_must_be_there(saved, metadata, tmp_path, name):
    edited = copy.deepcopy(metadata)
    del edited["attributes"][name]
    path = _write(saved, tmp_path / "e.skae", edited)
    with pytest.raises(ValueError, match=rf"lacks the fitted attributes \['{name}'\]"):
        sk_sparse_ae.load(path)


def test_required_attributes_must_be_there(saved, metadata, tmp_path):
    edited = copy.deepcopy(metadata)
    del edited["attributes"]["n_iter_"]
    path = _write(saved, tmp_path / "e.skae", edited)
    with pytest.raises(ValueError, match=r"lacks the fitted attributes \['n_iter_'\]"):
        sk_sparse_ae.load(path)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"format_version": True}, r"format_version=True is not a positive int"),
        ({"format_version": -5}, r"format_version=-5 is not a positive int"),
        ({"format_version": 0}, r"format_version=0 is not a positive int"),
        ({"format_version": 1.0}, r"format_version=1.0 is not a positive int"),
        ({"format_version": "1"}, r"format_version='1' is not a positive int"),
        ({"params": []}, r"params is a list, not an object"),
        ({"attributes": "x"}, r"attributes is a str, not an object"),
        ({"class": 5}, r"class is not a string"),
        (
            {"attributes": {"n_iter_": {"__ndarray__": [1], "dtype": "V8"}}},
            r"an array cannot be read",
        ),
        (
            {"attributes": {"n_iter_": {"__ndarray__": ["a"], "dtype": "U99999999"}}},
            r"an array cannot be read",
        ),
        (
            {"attributes": {"n_iter_": {"__ndarray__": [1], "dtype": {"x": 1}}}},
            r"an array cannot be read",
        ),
    ],
)
def test_malformed_metadata_gives_value_error(saved, metadata, tmp_path, change, match):
    path = _write(saved, tmp_path / "e.skae", {**metadata, **change})
    with pytest.raises(ValueError, match=match):
        sk_sparse_ae.load(path)


def test_deeply_nested_metadata_gives_value_error(saved, tmp_path):
    depth = 100_000
    path = _write(saved, tmp_path / "e.skae", "[" * depth + "]" * depth)
    with pytest.raises(ValueError, match=r"not a readable sk_sparse_ae model file"):
        sk_sparse_ae.load(path)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    section=st.sampled_from(["format_version", "class", "params", "attributes"]),
    key=st.sampled_from(
        [None, "n_components", "hidden_layer_sizes", "history_", "n_iter_", "dtype"]
    ),
    value=_json,
)
def test_any_edit_loads_or_gives_value_error(
    saved, metadata, tmp_path, section, key, value
):
    edited = copy.deepcopy(metadata)
    if key is None or not isinstance(edited[section], dict):
        edited[section] = value
    else:
        edited[section][key] = value
    path = _write(saved, tmp_path / "e.skae", edited)
    try:
        sk_sparse_ae.load(path)
    except ValueError:
        pass


@pytest.mark.parametrize(
    "write, kind",
    [
        (lambda sae, path: path.write_bytes(pickle.dumps(sae)), "a pickle"),
        (lambda sae, path: joblib.dump(sae, path), "a pickle"),
        (lambda sae, path: joblib.dump(sae, path, compress=3), "zlib-compressed"),
        (lambda sae, path: joblib.dump(sae, path, compress=("gzip", 3)), "gzip"),
        (lambda sae, path: joblib.dump(sae, path, compress=("bz2", 3)), "bz2"),
        (lambda sae, path: joblib.dump(sae, path, compress=("xz", 3)), "xz"),
        (lambda sae, path: joblib.dump(sae, path, compress=("lzma", 3)), "lzma"),
    ],
)
def test_pickle_and_joblib_files_are_named(fitted, tmp_path, write, kind):
    path = tmp_path / "sae.joblib"
    write(fitted, path)
    with pytest.raises(ValueError, match=rf"it is {kind}.*only if you trust"):
        sk_sparse_ae.load(path)


def test_save_refuses_attributes_load_would_refuse(fitted, tmp_path):
    sae = copy.copy(fitted)
    sae.my_note = "hello"
    with pytest.raises(ValueError, match=r"Cannot save attributes \['my_note'\]"):
        sae.save(tmp_path / "noted.skae")


def test_every_attribute_a_fit_sets_is_one_load_accepts(X, tmp_path):
    import pandas as pd

    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    sae = SparseAutoencoderTransformer(**TINY).set_output(transform="pandas")
    sae.fit(frame).partial_fit(frame)
    sae.save(tmp_path / "full.skae")
    loaded = sk_sparse_ae.load(tmp_path / "full.skae")
    assert set(vars(loaded)) == set(vars(sae))
    pd.testing.assert_frame_equal(loaded.transform(frame), sae.transform(frame))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"k": 3}, r"k=3 but the model has 2"),
        ({"auxk_weight": 0.5}, r"auxk_weight=0.5 but the model has 0.03125"),
        ({"dead_after_samples": 7}, r"dead_after_samples=7 but the model has \d+"),
        ({"auxk_k": 1}, r"auxk_k=1 but the model has 4"),
    ],
)
def test_topk_metadata_must_describe_the_model(X, tmp_path, params, match):
    sae = SparseAutoencoderTransformer(**TINY, sparsity="topk", k=2).fit(X)
    sae.save(tmp_path / "topk.skae")
    with zipfile.ZipFile(tmp_path / "topk.skae") as archive:
        metadata = json.loads(archive.read("metadata.json"))
    edited = _edited(metadata, "params", **params)
    path = _write(tmp_path / "topk.skae", tmp_path / "e.skae", edited)
    with pytest.raises(ValueError, match=rf"does not describe .*{match}"):
        sk_sparse_ae.load(path)


def test_params_a_file_lacks_take_their_defaults(fitted, saved, metadata, tmp_path):
    # Found by the fuzz test above: a file without "sparsity" raised KeyError.
    edited = copy.deepcopy(metadata)
    del edited["params"]["sparsity"], edited["params"]["sparse_output"]
    loaded = sk_sparse_ae.load(_write(saved, tmp_path / "e.skae", edited))
    assert loaded.get_params() == fitted.get_params()  # both are the defaults
    # Without parameters every "auto" takes the file's resolved attributes,
    # which must describe the model.
    edited["params"] = {}
    loaded = sk_sparse_ae.load(_write(saved, tmp_path / "f.skae", edited))
    assert loaded.n_components == "auto" and loaded.n_components_ == 4
    edited["attributes"]["n_components_"] = 300
    with pytest.raises(ValueError, match=r"does not describe .*n_components=300"):
        sk_sparse_ae.load(_write(saved, tmp_path / "g.skae", edited))


def test_corrupted_central_directory_offset_gives_value_error(saved, tmp_path):
    # zipfile then seeks before the start of the file (OSError EINVAL).
    data = bytearray(saved.read_bytes())
    end_record = data.rfind(b"PK\x05\x06")
    field = slice(end_record + 16, end_record + 20)
    offset = int.from_bytes(data[field], "little")
    data[field] = (offset + 2**31).to_bytes(4, "little")
    path = tmp_path / "offset.skae"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"truncated or corrupted zip \(OSError"):
        sk_sparse_ae.load(path)
