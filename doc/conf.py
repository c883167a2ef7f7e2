"""Sphinx configuration of the sk_sparse_ae documentation.

Build (from the repository root; ``-W`` turns warnings into errors)::

    python -m sphinx -W --keep-going -b html doc doc/_build/html

Add ``-D plot_gallery=0`` to build without running the examples.
"""

import sys
from pathlib import Path

DOC_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOC_DIR.parent
# Document this checkout's package, not whatever copy is installed.
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(DOC_DIR / "sphinxext"))

import keras  # noqa: E402

import sk_sparse_ae  # noqa: E402

if keras.backend.backend() == "tensorflow":
    # The one global change the library makes: at the first fit in a process
    # where TensorFlow has not started, it sizes TensorFlow's thread pools to
    # OMP_NUM_THREADS if that is set (meant for worker processes). Start
    # TensorFlow here so the gallery's examples all run with the same pools
    # and the global-state check (sphinxext/gallery_state.py) compares like
    # with like.
    keras.ops.convert_to_numpy(keras.ops.zeros(1))

project = "sk_sparse_ae"
author = "sk_sparse_ae developers"
copyright = "sk_sparse_ae developers"
version = release = sk_sparse_ae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "sklearn_docstrings",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "_templates", "**/README.txt"]
default_role = "literal"

# -- API reference -----------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- Markdown (the user guide) -------------------------------------------------
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

# -- Example gallery -----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "subsection_order": [
        f"../examples/{name}" for name in ("getting_started", "sparsity", "scaling")
    ],
    "within_subsection_order": "FileNameSortKey",
    "filename_pattern": r"/plot_",
    "doc_module": ("sk_sparse_ae",),
    "backreferences_dir": "generated",
    # Each example must leave global state as it found it (gallery_state.py).
    "reset_modules": ("matplotlib", "gallery_state.check_unchanged"),
    "reset_modules_order": "both",
    "remove_config_comments": True,
    "min_reported_time": 0,
    "show_memory": False,
}

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sk_sparse_ae {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
}
html_show_sourcelink = False
