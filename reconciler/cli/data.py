"""``--data`` for the commands that take template data (render, send): inline JSON or a
JSON/YAML file (``FILE`` or ``@FILE``), read by the manifests' YAML loader, so messages carry
positions and aliases are bounded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.errors import UsageError
from reconciler.files import read_text
from reconciler.manifest.loader import load_mapping


def read_data(value: str | None) -> dict[str, Any]:
    """``--data``: inline JSON (``{...}``) or a JSON/YAML file, read by the manifests' YAML loader
    (positions in messages, aliases bounded)."""
    if value is None:
        return {}
    text = value
    source = "--data"
    if not value.lstrip().startswith("{"):
        path = Path(value.removeprefix("@"))  # @FILE, as `sesctl send --data @FILE`
        if not path.exists():
            raise UsageError(
                f"--data {value}: not a file and not inline JSON",
                hint='Pass a file or JSON: --data \'{"user": {"firstName": "Ada"}}\'',
            )
        text = read_text(path, "the --data file")
        source = value
    return load_mapping(text, source)
