"""`sesctl audit verify|show` as a user runs them (real subprocesses), and the S3/CloudWatch sinks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.audit.operation import Operation
from reconciler.audit.setup import trail_for
from reconciler.manifest.project import read_project
from reconciler.testing import local_emulator

SESCTL = str(Path(sys.executable).parent / "sesctl")
KEY = "0123456789abcdef0123456789abcdef"


def _run(cwd: Path, *args: str, key: str | None = KEY) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SESCTL_AUDIT", "GITHUB_"))}
    if key:
        env["SESCTL_AUDIT_KEY"] = key
    return subprocess.run([SESCTL, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sesctl.yaml").write_text(
        "stack: demo\nmanifests: manifests\naudit:\n  path: logs/audit.jsonl\n", encoding="utf-8"
    )
    (tmp_path / "manifests").mkdir()
    monkeypatch.setenv("SESCTL_AUDIT_KEY", KEY)
    monkeypatch.delenv("SESCTL_AUDIT_LOG", raising=False)
    trail = trail_for(read_project(tmp_path / "sesctl.yaml")[0])
    for kind, user in (("apply", "ada"), ("send", "grace"), ("apply", "grace")):
        with Operation(trail, kind, actor={"user": user}, git={}) as op:
            op.set(counts={"sent": 2} if kind == "send" else {})
    return tmp_path


def test_verify_says_intact_with_the_hmac_checked(project: Path) -> None:
    done = _run(project, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert "6 entries intact (HMAC checked)" in done.stdout
    assert KEY not in done.stdout + done.stderr


def test_verify_names_the_first_bad_entry_and_exits_1(project: Path) -> None:
    log = project / "logs" / "audit.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace('"grace"', '"mallory"')
    log.write_text("".join(lines), encoding="utf-8")
    done = _run(project, "audit", "verify")
    assert done.returncode == 1
    assert "tampering detected at line 4 (entry 3)" in done.stderr
    assert "Traceback" not in done.stderr


def test_verify_with_the_wrong_key_fails(project: Path) -> None:
    done = _run(project, "audit", "verify", key="another-key-of-sixteen-bytes-or-more")
    assert done.returncode == 1 and "HMAC" in done.stderr


def test_show_filters_by_kind_and_actor(project: Path) -> None:
    done = _run(project, "audit", "show", "--kind", "apply", "--actor", "grac")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(" apply " in line and "grace" in line for line in lines)
    as_json = _run(project, "audit", "show", "--kind", "send", "--json")
    entries = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [e["phase"] for e in entries] == ["started", "finished"]
    assert entries[1]["result"] == {"counts": {"sent": 2}}


def test_show_filters_by_time(project: Path) -> None:
    assert _run(project, "audit", "show", "--since", "1h").stdout.count("\n") == 6
    assert _run(project, "audit", "show", "--until", "2000-01-01").stdout == ""
    bad = _run(project, "audit", "show", "--since", "yesterday-ish")
    assert bad.returncode == 1 and "--since 'yesterday-ish' is not a date or a duration" in bad.stderr


def test_a_short_key_is_refused_without_echoing_it(project: Path) -> None:
    done = _run(project, "audit", "verify", key="short-secret")
    assert done.returncode == 1 and "shorter than 16 bytes" in done.stderr
    assert "short-secret" not in done.stderr


def _sink_project(tmp_path: Path, endpoint: str, extra: str) -> Any:
    (tmp_path / "sesctl.yaml").write_text(
        f"stack: demo\naudit:\n  path: audit.jsonl\n{extra.format(endpoint=endpoint)}", encoding="utf-8"
    )
    project, problems = read_project(tmp_path / "sesctl.yaml")
    assert project is not None, problems
    return project


def test_entries_are_copied_to_s3_with_object_lock_and_to_cloudwatch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    with local_emulator() as emu:
        s3 = emu.client("s3")
        s3.create_bucket(Bucket="audit-copies", ObjectLockEnabledForBucket=True)
        emu.client("logs").create_log_group(logGroupName="/sesctl/audit")
        project = _sink_project(
            tmp_path,
            emu.endpoint_url,
            "  s3: {{bucket: audit-copies, prefix: trail/, region: us-east-1, endpointUrl: '{endpoint}'}}\n"
            "  cloudwatch: {{logGroup: /sesctl/audit, region: us-east-1, endpointUrl: '{endpoint}'}}\n",
        )
        trail = trail_for(project)
        with Operation(trail, "apply", actor={"user": "ada"}, git={}):
            pass
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="audit-copies")["Contents"])
        assert [k.split("-")[0] for k in keys] == ["trail/000000000000", "trail/000000000001"]
        held = s3.head_object(Bucket="audit-copies", Key=keys[0])
        assert held["ObjectLockMode"] == "GOVERNANCE" and "ObjectLockRetainUntilDate" in held
        body = json.loads(s3.get_object(Bucket="audit-copies", Key=keys[1])["Body"].read())
        assert body == list(trail.entries())[1]
        events = emu.client("logs").get_log_events(logGroupName="/sesctl/audit", logStreamName="sesctl")
        assert [json.loads(e["message"])["phase"] for e in events["events"]] == ["started", "finished"]


def test_a_failing_sink_stops_the_operation_before_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    with local_emulator() as emu:
        project = _sink_project(
            tmp_path,
            emu.endpoint_url,
            "  s3: {{bucket: no-such-bucket, region: us-east-1, endpointUrl: '{endpoint}'}}\n",
        )
        ran = []
        from reconciler.audit.trail import AuditError

        with pytest.raises(AuditError, match="S3 sink"), Operation(trail_for(project), "apply", actor={}, git={}):
            ran.append(True)
        assert ran == []
