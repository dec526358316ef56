"""Regression tests for what a hostile or careless user feeds sesctl (found in QA).

In-process and fast; the same inputs go through the real CLI in test_no_traceback.py."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import pytest
from e2e_support import laughs

from reconciler.cli.data import read_data
from reconciler.emulator.persistence import StateFileError, StateStore
from reconciler.engine.planfile import parse_plan
from reconciler.errors import PlanError, UsageError
from reconciler.files import read_text, write_text
from reconciler.manifest import validate
from reconciler.manifest.loader import load_file, load_text

TEMPLATE_OK = "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: ok}\nspec: {subject: s, text: t, defaults: {}}\n"
PROJECT = """\
apiVersion: sesctl/v1
kind: Project
stack: qa
manifests: manifests
"""


def project(tmp_path: Path, manifests: dict[str, str | bytes]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "sesctl.yaml").write_text(PROJECT, encoding="utf-8")
    for name, content in manifests.items():
        path = tmp_path / "manifests" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return tmp_path


def test_billion_laughs_is_refused_quickly_and_small() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    documents, problems = load_text(laughs(9), "bomb.yaml")  # 9**10 values if expanded
    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KB
    assert documents == []
    assert [p.code for p in problems] == ["E1001"]
    assert "aliases expand into too many values" in problems[0].summary
    assert problems[0].line > 0


def test_ordinary_aliases_still_work() -> None:
    text = "base: &base {team: growth, tier: 1}\nfirst: *base\nsecond: {<<: *base, tier: 2}\n"
    documents, problems = load_text(text, "ok.yaml")
    assert problems == []
    assert documents[0].data["second"] == {"team": "growth", "tier": 2}


def test_recursive_alias_does_not_hang() -> None:
    documents, problems = load_text("a: &a [*a]\n", "loop.yaml")
    assert documents == []
    assert [p.code for p in problems] == ["E1001"]


def test_deep_nesting_is_an_error_not_a_silent_none() -> None:
    documents, problems = load_text("d: " + "[" * 300 + "]" * 300 + "\n", "deep.yaml")
    assert documents == []
    assert "nested more than 200 levels" in problems[0].summary
    assert load_text("d: " + "[" * 100 + "]" * 100 + "\n", "ok.yaml")[1] == []


def test_tab_indentation_is_named() -> None:
    _, problems = load_text("metadata:\n\tname: x\n", "tabs.yaml")
    assert len(problems) == 1
    assert (problems[0].line, problems[0].column) == (2, 1)
    assert "tab character" in problems[0].summary


def test_non_utf8_manifest_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"kind: EmailTemplate\nspec:\n  subject: caf\xe9\n")
    _, problems = load_file(path)
    assert [(p.code, p.line, p.column) for p in problems] == [("E1001", 3, 15)]
    assert "0xe9" in problems[0].summary


def test_body_files_outside_the_project_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=hunter2", encoding="utf-8")
    root = project(
        tmp_path / "repo",
        {
            "t.yaml": (
                "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: leak}\n"
                "spec:\n  subject: hi\n  html: {file: ../../secret.txt}\n"
                f"  text: {{file: {secret}}}\n  defaults: {{}}\n"
            )
        },
    )
    problems = validate(root)
    outside = [p for p in problems if "outside the project" in p.summary]
    assert [(p.code, p.field, p.line) for p in outside] == [
        ("E3004", "spec.html.file", 6),
        ("E3004", "spec.text.file", 7),
    ]
    assert all("hunter2" not in p.format() for p in problems)


def test_body_files_inside_the_project_are_read(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "t.yaml": (
                "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: ok}\n"
                "spec:\n  subject: hi\n  html: {file: ../bodies/ok.html}\n  text: plain\n  defaults: {}\n"
            )
        },
    )
    (root / "bodies").mkdir()
    (root / "bodies" / "ok.html").write_text("<p>hi</p>", encoding="utf-8")
    assert [p for p in validate(root) if p.is_error] == []


def test_reference_to_a_declared_but_invalid_configuration_set(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "sets.yaml": (
                "apiVersion: sesctl/v1\nkind: ConfigurationSet\nmetadata: {name: transactional}\n"
                "spec:\n  deliveryOptions: {maxDeliverySeconds: 99999999}\n"
            ),
            "dest.yaml": (
                "apiVersion: sesctl/v1\nkind: EventDestination\nmetadata: {name: bounces}\n"
                "spec:\n  configurationSet: transactional\n  enabled: true\n"
                "  matchingEventTypes: [BOUNCE]\n"
                "  snsDestination: {topicArn: 'arn:aws:sns:us-east-1:123456789012:t'}\n"
            ),
            "nowhere.yaml": (
                "apiVersion: sesctl/v1\nkind: EventDestination\nmetadata: {name: lost}\n"
                "spec:\n  configurationSet: marketing\n  enabled: true\n"
                "  matchingEventTypes: [BOUNCE]\n"
                "  snsDestination: {topicArn: 'arn:aws:sns:us-east-1:123456789012:t'}\n"
            ),
        },
    )
    codes = [(p.code, p.address) for p in validate(root) if p.is_error]
    assert ("E2006", "ConfigurationSet/transactional") in codes
    # The invalid set is still declared: only the destination naming a missing set is E3001.
    assert [a for c, a in codes if c == "E3001"] == ["EventDestination/marketing/lost"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format_version": "1", "changes": "x"}, "changes: must be a list, not a string"),
        ({"format_version": "1", "changes": [1]}, r"changes\[0\]: must be an object, not a number"),
        ({"format_version": "1", "changes": [{}]}, r"changes\[0\]\.kind: missing"),
        ({"format_version": "1", "changes": [], "summary": 5}, "summary: must be an object"),
        ({"format_version": "1", "changes": []}, "no checksum"),
    ],
)
def test_malformed_plans_are_plan_errors(data: dict[str, object], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        parse_plan(json.dumps(data))


def test_files_helpers_name_the_file(tmp_path: Path) -> None:
    binary = tmp_path / "plan.json"
    binary.write_bytes(b"\xd2\x00\xff")
    with pytest.raises(PlanError, match="not UTF-8"):
        read_text(binary, "the plan file", error=PlanError)
    with pytest.raises(UsageError, match="is a directory"):
        read_text(tmp_path, "the --data file")
    with pytest.raises(UsageError, match="No such file"):
        read_text(tmp_path / "missing.json", "the --data file")
    with pytest.raises(UsageError, match="cannot write the plan") as caught:
        write_text(tmp_path / "no" / "dir" / "plan.json", "{}", "the plan")
    assert caught.value.hint == "Create the directory first."


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{corrupt", "Invalid JSON: key must be a string at line 1 column 2"),
        (b'{"regions": 5}', "Input should be an object at regions"),
        (b"\xed\x00", "can't decode byte 0xed"),
    ],
)
def test_corrupt_emulator_state_is_one_line(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "ses-state.json"
    path.write_bytes(content)
    with pytest.raises(StateFileError) as caught:
        StateStore(path).load()
    message = str(caught.value)
    assert reason in message
    assert "\n" not in message and "errors.pydantic.dev" not in message


def test_credentials_are_never_substituted(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "t.yaml": (
                "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: leak}\n"
                'spec:\n  subject: "${env:AWS_SECRET_ACCESS_KEY} ${env:GITHUB_TOKEN} ${env:SESCTL_VAR_BRAND}"\n'
                "  text: t\n  defaults: {}\n"
            )
        },
    )
    environ = {"AWS_SECRET_ACCESS_KEY": "wJalr-secret", "GITHUB_TOKEN": "ghs_secret", "SESCTL_VAR_BRAND": "Example"}
    problems = [p for p in validate(root, environ=environ) if p.is_error]
    assert [(p.code, p.line) for p in problems] == [("E1203", 5), ("E1203", 5)]
    assert not any(v in p.format() for p in problems for v in ("wJalr-secret", "ghs_secret"))


def test_bare_manifests_read_bodies_below_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No sesctl.yaml: `sesctl validate manifests` from the repository root, bodies in ../templates.
    (tmp_path / "manifests").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.html").write_text("<p>hi</p>", encoding="utf-8")
    (tmp_path / "manifests" / "t.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: t}\n"
        "spec:\n  subject: hi\n  html: {file: ../templates/t.html}\n  text: t\n  defaults: {}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert [p for p in validate("manifests") if p.is_error] == []
    monkeypatch.chdir(tmp_path / "manifests")
    assert [p.code for p in validate(".") if p.is_error] == ["E3004"]


def test_render_data_takes_at_file_like_send(tmp_path: Path) -> None:
    data = tmp_path / "ada.json"
    data.write_text('{"user": {"firstName": "Ada"}}', encoding="utf-8")
    assert read_data(f"@{data}") == read_data(str(data)) == {"user": {"firstName": "Ada"}}
    with pytest.raises(UsageError, match="must be an object"):
        read_data(str(_write(tmp_path / "l.yaml", "- 1\n")))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_manifest_symlinked_to_a_device_is_not_read(tmp_path: Path) -> None:
    root = project(tmp_path, {})
    (root / "manifests").mkdir(exist_ok=True)
    (root / "manifests" / "zero.yaml").symlink_to("/dev/zero")  # reading it would never end
    problems = validate(root)
    assert [p.code for p in problems] == ["E1004"]  # outside the project, and not a regular file
    _, direct = load_file(root / "manifests" / "zero.yaml")  # load_file alone checks the file type
    assert [(p.code, p.summary) for p in direct] == [("E1004", "not a regular file")]


def test_a_manifest_symlinked_outside_the_project_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("kind: Secret\ndata: {token: hunter2}\n", encoding="utf-8")
    root = project(tmp_path / "repo", {"t.yaml": TEMPLATE_OK})
    (root / "manifests" / "link.yaml").symlink_to(outside)
    problems = [p for p in validate(root) if p.is_error]
    assert [(p.code, p.summary) for p in problems] == [
        ("E1004", "a symbolic link to a file outside the project")
    ]
    assert problems[0].file.endswith("link.yaml")
