"""The emulator's documentation: its Python examples run, and its CLI is documented."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import reconciler.testing
from reconciler.cli import cli

DOCS = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"


def _blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def _run_examples(text: str) -> int:
    """Run the plain examples (tests without fixtures); returns how many ran."""
    ran = 0
    for block in _blocks(text):
        if "def test_" in block and not re.search(r"def test_\w+\(\)", block):
            continue  # a pytest example with fixtures: see the plugin test below
        namespace: dict[str, Any] = {}
        exec(compile(block, "example", "exec"), namespace)
        for name, value in namespace.items():
            if name.startswith("test_") and callable(value):
                value()
        ran += 1
    return ran


def test_docs_examples_run() -> None:
    assert _run_examples(DOCS.read_text(encoding="utf-8")) >= 1


def test_docs_fixture_example_runs_with_the_pytest_plugin(tmp_path: Path) -> None:
    examples = [b for b in _blocks(DOCS.read_text(encoding="utf-8")) if re.search(r"def test_\w+\(\w", b)]
    assert examples, "docs/emulator.md should show the pytest fixtures"
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["reconciler.testing"]\n', encoding="utf-8")
    (tmp_path / "test_example.py").write_text("\n\n".join(examples), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},  # start faster: only our plugin
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(examples)} passed" in run.stdout


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
