"""A role that predates a kind: a plan of manifests that declare none of that kind goes on with a
W6001 warning when reading it is denied, instead of failing; with --prune it still fails (pruning
must see what it would delete). The same with a refresh budget (`plan --refresh-budget`). Run
against the enforcing emulator over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reconciler.app.plan import PlanRequest, plan
from reconciler.errors import AwsError
from reconciler.settings import Settings
from reconciler.testing import local_emulator

PROJECT = "apiVersion: sesctl/v1\nkind: Project\nstack: older\nmanifests: manifests\n"
TEMPLATE = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: hello}
spec:
  subject: "Hi {{name}}"
  text: "Hello {{name}}"
  defaults: {name: there}
"""


def _policy_without(project: Path, action: str) -> dict[str, Any]:
    from reconciler.app.iam_policy import PolicyRequest, policy

    document: dict[str, Any] = policy(
        Settings(region="us-east-1"), PolicyRequest(use="plan", path=project, account="123456789012")
    )
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        statement["Action"] = [a for a in actions if a != action]
    document["Statement"] = [s for s in document["Statement"] if s["Action"]]
    return document


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "local")


def test_a_denied_read_of_an_undeclared_kind_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text(PROJECT)
    (tmp_path / "manifests" / "t.yaml").write_text(TEMPLATE)
    older = _policy_without(tmp_path, "ses:ListContactLists")
    with local_emulator(iam_policy=older) as emu:
        settings = Settings(endpoint_url=emu.endpoint_url, region="us-east-1")
        result = plan(settings, PlanRequest(path=tmp_path))
        warnings = [d for d in result.plan.diagnostics if d.code == "W6001"]
        assert len(warnings) == 1 and warnings[0].summary.startswith("ContactList not read (access denied")
        assert [c.address for c in result.plan.changes] == ["EmailTemplate/hello"]
        assert "W6001" in json.dumps(result.plan.to_dict())

        # With --prune the plan must see what it would delete: the denial is an error again.
        try:
            plan(settings, PlanRequest(path=tmp_path, prune=True))
        except AwsError as exc:
            assert exc.code == "AccessDeniedException" and "ListContactLists" in str(exc)
        else:
            raise AssertionError("a pruning plan went on without reading ContactList")



def test_a_declared_kind_is_never_skipped(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text(PROJECT)
    (tmp_path / "manifests" / "t.yaml").write_text(TEMPLATE)
    with local_emulator(iam_policy=_policy_without(tmp_path, "ses:ListEmailTemplates")) as emu:
        settings = Settings(endpoint_url=emu.endpoint_url, region="us-east-1")
        try:
            plan(settings, PlanRequest(path=tmp_path))
        except AwsError as exc:
            assert "ListEmailTemplates" in str(exc)
        else:
            raise AssertionError("a plan went on without reading the EmailTemplates it declares")


def test_a_budgeted_plan_warns_too(tmp_path: Path) -> None:
    """`sesctl plan --refresh-budget 1m` (the CLI, a subprocess) with a role without
    cloudwatch:DescribeAlarms and no AlertPolicy declared: W6001, and the plan succeeds; with
    --prune it fails, as without a budget."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "sesctl.yaml").write_text(PROJECT)
    (tmp_path / "manifests" / "t.yaml").write_text(TEMPLATE)
    older = _policy_without(tmp_path, "cloudwatch:DescribeAlarms")
    sesctl = str(Path(sys.executable).parent / "sesctl")
    env = {**os.environ, "AWS_REGION": "us-east-1", "NO_COLOR": "1"}
    with local_emulator(iam_policy=older) as emu:

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            command = [sesctl, "--endpoint-url", emu.endpoint_url, "plan", "--refresh-budget", "1m", *args]
            return subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)

        done = run("--json")
        assert done.returncode == 0, done.stderr
        document = json.loads(done.stdout)
        warnings = [d for d in document["diagnostics"] if d["code"] == "W6001"]
        assert len(warnings) == 1 and warnings[0]["summary"].startswith("AlertPolicy not read (access denied")
        assert "DescribeAlarms" in warnings[0]["summary"]
        assert [c["address"] for c in document["changes"]] == ["EmailTemplate/hello"]
        assert document["refresh"]["budget_seconds"] == 60
        assert "W6001" in run().stdout  # the text form says it too

        pruning = run("--prune")
        assert pruning.returncode == 1 and "DescribeAlarms" in pruning.stdout + pruning.stderr
        assert "Traceback" not in pruning.stderr
