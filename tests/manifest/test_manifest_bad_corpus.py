"""The corpus of bad manifests (tests/manifest/bad/*.yaml), through the real CLI.

Each file's first line says what `sesctl validate` must report:
``# expect: CODE :LINE:COL message fragment``. The whole corpus is validated in one run
(and a few files on their own): exit code 1, the diagnostic at file:line:col with its code
and message, no other error in that file, and never a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from manifest_cli import REPO, run_sesctl

BAD = Path(__file__).parent / "bad"
CASES = sorted(BAD.glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (?P<code>[EW]\d{4}) :(?P<line>\d+):(?P<column>\d+) (?P<fragment>.+)$")


def expectation(path: Path) -> dict[str, Any]:
    match = _EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path.name}: first line must be '# expect: CODE :LINE:COL fragment'"
    return {**match.groupdict(), "line": int(match["line"]), "column": int(match["column"])}


def rel(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.fixture(scope="module")
def corpus_run() -> dict[str, Any]:
    text = run_sesctl("validate", rel(BAD))
    as_json = run_sesctl("validate", rel(BAD), "--format", "json")
    return {"text": text, "json": as_json, "diagnostics": json.loads(as_json.stdout)["diagnostics"]}


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 25


def test_corpus_run_fails_cleanly(corpus_run: dict[str, Any]) -> None:
    for result in (corpus_run["text"], corpus_run["json"]):
        assert result.returncode == 1
        assert "Traceback" not in result.stdout + result.stderr
    assert "manifests are invalid" in corpus_run["text"].stdout


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_bad_manifest(case: Path, corpus_run: dict[str, Any]) -> None:
    want = expectation(case)
    location = f"{rel(case)}:{want['line']}:{want['column']}: {want['code']} "
    lines = [line for line in corpus_run["text"].stdout.splitlines() if line.startswith(location)]
    assert lines, f"no {location!r} in:\n{corpus_run['text'].stdout}"
    assert any(want["fragment"] in line for line in lines), lines
    errors = [d for d in corpus_run["diagnostics"] if d["file"] == rel(case) and d["severity"] == "error"]
    assert {d["code"] for d in errors} == {want["code"]}, errors


@pytest.mark.parametrize(
    "name",
    [
        "malformed_yaml",
        "unknown_field",
        "out_of_range",
        "dangling_configuration_set",
        "missing_var_in_defaults",
    ],
)
def test_single_bad_file_exits_1(name: str) -> None:
    case = BAD / f"{name}.yaml"
    want = expectation(case)
    result = run_sesctl("validate", rel(case))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"{rel(case)}:{want['line']}:{want['column']}: {want['code']}" in result.stdout
    assert want["fragment"] in result.stdout
