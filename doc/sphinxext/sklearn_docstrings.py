"""Make scikit-learn's inherited docstrings build without scikit-learn's site.

``SparseAutoencoderTransformer`` inherits methods (``fit_transform``,
``set_output``, ...) from scikit-learn, whose docstrings use ``:term:`` and
``:ref:`` roles that point into scikit-learn's own glossary and user guide.
Without those targets Sphinx warns, and the build treats warnings as errors.
For docstrings of objects defined in scikit-learn only, this turns such roles
into their plain text, so a broken reference in *our* docstrings still fails
the build.
"""

import re

_ROLE = re.compile(r":(?:term|ref):`([^`<]*?)\s*(?:<[^`>]*>)?`")


def _plain_sklearn_roles(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if not module.startswith("sklearn"):
        return
    for i, line in enumerate(lines):
        lines[i] = _ROLE.sub(lambda match: f"``{match.group(1)}``", line)


def setup(app):
    # Before numpydoc (priority 500 by default) parses the docstring.
    app.connect("autodoc-process-docstring", _plain_sklearn_roles, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
