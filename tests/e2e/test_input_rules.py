"""Issue 15's remaining input rules, through the real CLI: nothing is silently ignored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SESCTL = str(Path(sys.executable).with_name("sesctl"))
POOL = "apiVersion: sesctl/v1\nkind: DedicatedIpPool\nmetadata: {name: p}\nspec: {tags: {a: b}}\n"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, *args], cwd=cwd, capture_output=True, text=True, env=dict(os.environ),
        stdin=subprocess.DEVNULL, timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: s\nmanifests: manifests\n"
        "environments:\n  loc: {local: true}\n"
    )
    (tmp_path / "manifests" / "p.yaml").write_text(POOL)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--env", "", "validate"), "--env is empty"),
        (("--region", "", "validate"), "--region is empty"),
        (("--local", "--profile", "x", "plan"), "--profile would be ignored"),
        (("--local", "--endpoint-url", "http://127.0.0.1:1", "plan"), "--endpoint-url would be ignored"),
        (("--profile", "x", "--env", "loc", "plan"), "which is local: true"),
    ],
)
def test_flags_are_honoured_or_refused(project: Path, args: tuple[str, ...], message: str) -> None:
    result = run(project, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def test_project_file_region_and_endpoint_are_checked_where_they_are_written(project: Path) -> None:
    (project / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: s\nmanifests: manifests\n"
        "environments:\n  bad: {region: 'us-east-1; rm -rf /', endpointUrl: 'not a url'}\n"
    )
    result = run(project, "validate")
    assert result.returncode == 1
    assert "sesctl.yaml:6:" in result.stdout and "environments.bad.region" in result.stdout
    assert "environments.bad.endpointUrl" in result.stdout


def test_unclosed_references_and_references_in_keys_are_errors(project: Path) -> None:
    (project / "manifests" / "p.yaml").write_text(POOL.replace("{a: b}", '{a: "${brand", "${x}": v}'))
    result = run(project, "validate")
    assert result.returncode == 1
    assert "unclosed ${ in '${brand'" in result.stdout
    assert "is not substituted in keys" in result.stdout


def test_long_keys_and_nul_bytes_are_named(project: Path) -> None:
    (project / "manifests" / "p.yaml").write_text(POOL.replace("{a: b}", "{" + "k" * 2000 + ": b}"))
    result = run(project, "validate")
    assert result.returncode == 1 and "a mapping key longer than 1,024 characters" in result.stdout
    (project / "manifests" / "p.yaml").write_text(
        'apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {name: t}\nspec: {subject: "a\\0b", text: t, defaults: {}}\n'
    )
    result = run(project, "validate")
    assert result.returncode == 1 and "E4007" in result.stdout and "subject contains a NUL byte" in result.stdout
