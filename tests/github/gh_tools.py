"""Finding the linters the dev extras install (actionlint, shellcheck) for the GitHub tests."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def tool(name: str) -> str | None:
    """``name`` beside this Python (the venv of the dev extras), else on PATH, else None."""
    beside_python = Path(sys.executable).parent / name
    return str(beside_python) if beside_python.exists() else shutil.which(name)
