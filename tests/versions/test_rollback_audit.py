"""`sesctl rollback` is audited (issue 16): a started entry before a manifest file is written, an
outcome entry with the files written; with --apply, the apply's own entries inside it and
``applied`` in the outcome; a dry run writes no entry. Real git repository, real subprocesses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_template_versions import repo, sesctl

__all__ = ["repo"]  # the fixture, shared with the versions tests


def entries(root: Path) -> list[dict[str, Any]]:
    path = root / ".sesctl" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_rollback_without_apply_is_audited_and_a_dry_run_is_not(repo: Path) -> None:
    dry = sesctl(repo, "rollback", "welcome", "--to", "v1", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert entries(repo) == []
    done = sesctl(repo, "rollback", "welcome", "--to", "v1")
    assert done.returncode == 0, done.stderr
    started, finished = entries(repo)
    assert (started["kind"], started["phase"], finished["phase"]) == ("rollback", "started", "finished")
    assert started["operation"] == finished["operation"]
    details = started["details"]
    assert details["address"] == "EmailTemplate/welcome" and details["to"] == "v1" and details["from"] == "v3"
    assert details["apply"] is False and len(details["to_commit"]) == 40
    assert finished["outcome"] == "ok"
    assert finished["result"]["written"] == ["manifests/templates.yaml", "manifests/bodies/welcome.html"]
    assert finished["result"]["orphaned"] == ["manifests/bodies/hello.html"]
    assert "applied" not in finished["result"]
    verified = sesctl(repo, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_rollback_with_apply_wraps_the_apply_entries(repo: Path) -> None:
    applied = sesctl(repo, "--local", "apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    rolled = sesctl(repo, "--local", "rollback", "welcome", "--to", "v2", "--apply", "--auto-approve")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    trail = [(e["kind"], e["phase"]) for e in entries(repo)]
    assert trail[-4:] == [
        ("rollback", "started"),
        ("apply", "started"),
        ("apply", "finished"),
        ("rollback", "finished"),
    ]
    started, finished = entries(repo)[-4], entries(repo)[-1]
    assert started["details"]["apply"] is True and started["details"]["to"] == "v2"
    assert finished["outcome"] == "ok" and finished["result"]["applied"] is True
