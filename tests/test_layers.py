"""Every package and module of reconciler/ sits in a layer of the import-linter contract, so a new
package cannot dodge `lint-imports` by being left out of it (docs/architecture.md)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_THE_LAYERS = {"__init__", "testing"}  # the package itself; the test helper for users


def layered_modules() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    return {name.strip() for layer in layers["layers"] for name in re.split(r"[|:]", layer)}


def test_every_top_level_module_is_in_a_layer() -> None:
    package = ROOT / "reconciler"
    modules = {p.stem for p in package.glob("*.py")} | {
        p.name for p in package.iterdir() if (p / "__init__.py").is_file()
    }
    missing = sorted(modules - OUTSIDE_THE_LAYERS - layered_modules())
    assert not missing, (
        f"add {missing} to a layer in pyproject.toml [tool.importlinter] (see docs/architecture.md)"
    )


def test_the_layers_name_only_what_exists() -> None:
    package = ROOT / "reconciler"
    stale = sorted(
        m for m in layered_modules() if not (package / m).is_dir() and not (package / f"{m}.py").is_file()
    )
    assert not stale, f"the layers name modules that are gone: {stale}"
