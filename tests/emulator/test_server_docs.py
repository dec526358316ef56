"""The emulator's documentation: its Python examples run, and its CLI is documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import reconciler.testing
from reconciler.cli import cli

DOCS = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"


def _run_examples(text: str) -> int:
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    for block in blocks:
        namespace: dict[str, Any] = {}
        exec(compile(block, "example", "exec"), namespace)
        for name, value in namespace.items():
            if name.startswith("test_") and callable(value):
                value()
    return len(blocks)


def test_docs_examples_run() -> None:
    assert _run_examples(DOCS.read_text(encoding="utf-8")) >= 1


def test_testing_module_example_runs() -> None:
    doc = reconciler.testing.__doc__ or ""
    example = "\n".join(line[4:] for line in doc.splitlines() if line.startswith("    "))
    assert "local_emulator" in example
    _run_examples(f"```python\n{example}\n```")


def test_every_local_subcommand_and_serve_option_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["local", "--help"])
    assert result.exit_code == 0
    for sub in ("serve", "status", "reset"):
        assert f"sesctl local {sub}" in text
    serve_help = CliRunner().invoke(cli, ["local", "serve", "--help"]).output
    for option in re.findall(r"(--[a-z-]+)", serve_help):
        if option != "--help":
            assert option in text, f"{option} of `sesctl local serve` is not in docs/emulator.md"
