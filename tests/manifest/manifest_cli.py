"""Helpers for the manifest tests: run the real ``sesctl`` console script as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SESCTL = Path(sys.executable).parent / "sesctl"


def run_sesctl(
    *args: str, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "NO_COLOR": "1", **(env or {})}
    environ.pop("SESCTL_ENV", None)
    return subprocess.run(
        [str(SESCTL), *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120, check=False
    )


def write(root: Path, files: dict[str, str]) -> Path:
    """Create ``files`` (relative path -> text) under ``root``; returns root."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
