"""Every command and subcommand has help text and is documented in docs/*.md (sqlite-utils habit)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reconciler.cli import COMMANDS, cli

DOCS = Path(__file__).resolve().parents[2] / "docs"


def walk(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """(path, command) for every command below ``command``, groups' subcommands included."""
    ctx = click.Context(command)
    if not isinstance(command, click.Group):
        return
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        assert sub is not None, f"{' '.join((*path, name))} is listed but cannot be loaded"
        yield (*path, name), sub
        yield from walk(sub, (*path, name))


ALL = sorted(walk(cli))
IDS = [" ".join(path) for path, _ in ALL]


def test_the_table_and_the_group_agree() -> None:
    assert sorted(name for (name, *rest), _ in ALL if not rest) == sorted(COMMANDS)
    for name, (_module, short) in COMMANDS.items():
        assert short.strip(), f"COMMANDS[{name!r}] has no short help"


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_help_text(path: tuple[str, ...], command: click.Command) -> None:
    assert (command.help or "").strip(), f"sesctl {' '.join(path)} has no help text"
    undocumented = [
        p.name for p in command.params if isinstance(p, click.Option) and not p.hidden and not p.help
    ]
    assert undocumented == [], f"sesctl {' '.join(path)}: options without help: {undocumented}"
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="sesctl")
    assert result.exit_code == 0, result.output
    assert f"Usage: sesctl {' '.join(path)}" in result.output


@pytest.fixture(scope="module")
def docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


@pytest.mark.parametrize("path", [path for path, _ in ALL], ids=IDS)
def test_documented(docs_text: str, path: tuple[str, ...]) -> None:
    # "sesctl [root options] plan", "sesctl --local apply", "sesctl github comment", ...
    pattern = r"sesctl(?: --?[a-z][a-z-]*(?:[ =][^\s`-][^\s`]*)?)* " + r" ".join(map(re.escape, path)) + r"\b"
    assert re.search(pattern, docs_text), f"`sesctl {' '.join(path)}` is not mentioned in docs/*.md"


def test_exit_code_rule_is_documented(docs_text: str) -> None:
    assert "--detailed-exitcode" in docs_text
    assert re.search(r"usage error", docs_text, re.IGNORECASE)
