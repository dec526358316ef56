"""Applies are audited: a started entry before the first change, each change and its outcome
after; and an apply whose trail cannot be written changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from reconciler.audit.trail import AuditTrail
from reconciler.testing import dummy_aws_env

SESCTL = str(Path(sys.executable).parent / "sesctl")
TEMPLATE = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: welcome}
spec:
  subject: "Hi {{name}}"
  text: "Hello {{name}}, write to ada@example.com"
"""


def _project(root: Path, extra: str = "") -> Path:
    (root / "manifests").mkdir(parents=True)
    (root / "sesctl.yaml").write_text(f"stack: demo\nmanifests: manifests\n{extra}", encoding="utf-8")
    (root / "manifests" / "templates.yaml").write_text(TEMPLATE, encoding="utf-8")
    return root


def _apply(root: Path, emulator: Any, **env: str) -> subprocess.CompletedProcess[str]:
    environ = dummy_aws_env(
        drop=("SESCTL_AUDIT", "GITHUB_"),
        GITHUB_ACTIONS="true",
        GITHUB_ACTOR="octocat",
        GITHUB_RUN_ID="42",
        **env,
    )
    return subprocess.run(
        [SESCTL, "--endpoint-url", emulator.endpoint_url, "apply", "--auto-approve"],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_apply_is_recorded_with_its_changes_and_who(tmp_path: Path, emulator: Any) -> None:
    root = _project(tmp_path, "audit: {path: trail/audit.jsonl}\n")
    done = _apply(root, emulator, SESCTL_AUDIT_KEY="k" * 32)
    assert done.returncode == 0, done.stderr
    trail = AuditTrail(root / "trail" / "audit.jsonl", b"k" * 32)
    assert trail.verify().ok
    started, finished = trail.entries()
    assert started["kind"] == "apply" and started["phase"] == "started"
    assert started["details"]["plan_checksum"].startswith("sha256:")
    assert started["actor"]["github"] == {"actor": "octocat", "run_id": "42"}
    assert finished["outcome"] == "ok"
    assert finished["changes"] == [{"address": "EmailTemplate/welcome", "action": "create", "outcome": "done"}]
    assert finished["result"]["counts"]["done"] == 1
    assert finished["actor"]["aws"].startswith("arn:aws:")  # STS's answer: the caller identity


def test_an_apply_whose_trail_cannot_be_written_changes_nothing(tmp_path: Path, emulator: Any, ses: Any) -> None:
    root = _project(tmp_path)
    (root / "blocked").mkdir()
    done = _apply(root, emulator, SESCTL_AUDIT_LOG=str(root / "blocked"))
    assert done.returncode == 1
    assert "cannot write the audit trail" in done.stderr and "Nothing was changed" in done.stderr
    assert "Traceback" not in done.stderr
    assert ses.list_email_templates()["TemplatesMetadata"] == []


def test_an_apply_whose_sink_fails_changes_nothing(tmp_path: Path, emulator: Any, ses: Any) -> None:
    sink = f"audit:\n  s3: {{bucket: missing-bucket, region: us-east-1, endpointUrl: '{emulator.endpoint_url}'}}\n"
    root = _project(tmp_path, sink)
    done = _apply(root, emulator)
    assert done.returncode == 1 and "S3 sink" in done.stderr, done.stderr
    assert ses.list_email_templates()["TemplatesMetadata"] == []
    entries = [json.loads(line) for line in (root / ".sesctl" / "audit.jsonl").read_text().splitlines()]
    assert [e["phase"] for e in entries] == ["started"]  # kept locally, never followed by a change


def _cli(cwd: Path, emulator: Any, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SESCTL_AUDIT", "GITHUB_"))}
    environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_REGION="us-east-1")
    return subprocess.run(
        [SESCTL, "--endpoint-url", emulator.endpoint_url, *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_send_is_recorded_with_counts_and_no_address(tmp_path: Path, emulator: Any, ses: Any) -> None:
    emulator.admin("verify_identity", identity="example.com")
    ses.create_email_template(TemplateName="welcome", TemplateContent={"Subject": "Hi {{name}}", "Text": "Hi"})
    (tmp_path / "to.csv").write_text(
        "email,name\nsuccess@simulator.amazonses.com,Ada\nbounce@simulator.amazonses.com,Bo\n", encoding="utf-8"
    )
    done = _cli(
        tmp_path, emulator, "send", "--template", "welcome", "--from", "news@example.com",
        "--recipients", "to.csv", "--tag", "campaign=spring", "--yes",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    log = tmp_path / ".sesctl" / "audit.jsonl"
    started, finished = (json.loads(line) for line in log.read_text(encoding="utf-8").splitlines())
    assert started["kind"] == "send" and started["details"]["campaign"] == "spring"
    assert started["details"]["template"] == "welcome" and started["details"]["recipients_digest"]
    assert finished["result"]["counts"]["sent"] == 2 and finished["outcome"] == "ok"
    assert "simulator.amazonses.com" not in log.read_text(encoding="utf-8")


def test_an_import_is_recorded_before_its_files_are_written(tmp_path: Path, emulator: Any, ses: Any) -> None:
    ses.create_email_template(TemplateName="welcome", TemplateContent={"Subject": "Hi", "Text": "Hi"})
    root = tmp_path / "p"
    root.mkdir()
    (root / "sesctl.yaml").write_text("stack: demo\nmanifests: manifests\n", encoding="utf-8")
    (root / ".sesctl").mkdir()
    (root / ".sesctl" / "audit.jsonl").mkdir()  # unwritable trail: nothing may be written
    blocked = _cli(root, emulator, "import")
    assert blocked.returncode == 1 and "cannot write the audit trail" in blocked.stderr
    assert not (root / "manifests").exists()
    (root / ".sesctl" / "audit.jsonl").rmdir()
    assert _cli(root, emulator, "import").returncode == 0
    entries = [json.loads(line) for line in (root / ".sesctl" / "audit.jsonl").read_text().splitlines()]
    assert [(e["kind"], e["phase"]) for e in entries] == [("import", "started"), ("import", "finished")]
    assert entries[0]["details"]["resources"] == ["EmailTemplate/welcome"]


def test_contact_imports_and_removals_are_recorded_hashed(tmp_path: Path, emulator: Any, ses: Any) -> None:
    ses.create_contact_list(ContactListName="news")
    (tmp_path / "c.csv").write_text("email\nada@example.com\nbob@example.com\n", encoding="utf-8")
    assert _cli(tmp_path, emulator, "contacts", "import", "news", "c.csv", "--dry-run").returncode == 0
    assert not (tmp_path / ".sesctl" / "audit.jsonl").exists()  # a dry run changes nothing: no entry
    assert _cli(tmp_path, emulator, "contacts", "import", "news", "c.csv").returncode == 0
    assert _cli(tmp_path, emulator, "contacts", "remove", "news", "ada@example.com", "--yes").returncode == 0
    trail = [json.loads(line) for line in (tmp_path / ".sesctl" / "audit.jsonl").read_text().splitlines()]
    assert [(e["kind"], e["phase"]) for e in trail] == [("contacts", "started"), ("contacts", "finished")] * 2
    assert [trail[0]["details"]["action"], trail[2]["details"]["action"]] == ["import", "remove"]
    assert trail[1]["result"]["created"] == 2 and len(trail[1]["result"]["addresses"]) == 2
    assert trail[3]["result"]["removed"] == 1 and "example.com" not in json.dumps(trail)
