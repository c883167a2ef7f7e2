"""Print the lowest version of every runtime dependency that pyproject.toml declares.

Each ``name>=X`` of ``[project] dependencies`` becomes ``name==X``, so that CI
installs exactly the lower bounds it promises (as scikit-learn's CI does with
its minimum dependencies). A dependency without a lower bound is an error.
"""

import re
import sys
from pathlib import Path

import tomllib

pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
pins = []
for requirement in tomllib.loads(pyproject.read_text())["project"]["dependencies"]:
    match = re.fullmatch(
        r"\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([0-9][^,;\s]*)\s*", requirement
    )
    if match is None:
        sys.exit(f"{pyproject}: {requirement!r} has no plain '>=' lower bound")
    pins.append(f"{match.group(1)}=={match.group(2)}")
print(" ".join(pins))
