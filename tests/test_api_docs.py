"""doc/api.rst lists every public name, so the API reference misses none."""

import re
from pathlib import Path

import pytest

import sk_sparse_ae
from sk_sparse_ae import autoencoder, datasets, experiments, inspection, nn

API_PAGE = Path(__file__).resolve().parents[1] / "doc" / "api.rst"
# Constants are documented with autodata, everything else with autosummary.
MODULES = [sk_sparse_ae, autoencoder, nn, inspection, experiments, datasets]


def documented_names(text):
    """Fully qualified names that doc/api.rst documents."""
    names = set()
    module = None
    in_autosummary = False
    for line in text.splitlines():
        if match := re.match(r"\.\. (?:current|auto)?module:: (\S+)", line):
            module, in_autosummary = match.group(1), False
        elif match := re.match(r"\.\. autodata:: (\S+)", line):
            names.add(match.group(1))
            in_autosummary = False
        elif line.startswith(".. autosummary::"):
            in_autosummary = True
        elif in_autosummary and re.match(r"   [A-Za-z_]\w*$", line):
            names.add(f"{module}.{line.strip()}")
        elif line and not line.startswith(" "):
            in_autosummary = False
    return names


def public_names(module):
    """Every name in a module's __all__, by the module that documents it.

    A name that the package re-exports (``sk_sparse_ae.sparsity_report``) is
    documented once, under ``sk_sparse_ae``.
    """
    names = set()
    for name in module.__all__:
        if module is not sk_sparse_ae and name in sk_sparse_ae.__all__:
            names.add(f"sk_sparse_ae.{name}")
        else:
            names.add(f"{module.__name__}.{name}")
    return names


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
def test_api_page_lists_every_public_name(module):
    documented = documented_names(API_PAGE.read_text())
    missing = public_names(module) - documented
    assert not missing, f"add to doc/api.rst: {sorted(missing)}"


def test_api_page_lists_only_public_names():
    documented = documented_names(API_PAGE.read_text())
    public = set().union(*(public_names(module) for module in MODULES))
    assert documented - public == set()
