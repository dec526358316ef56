"""get_drift: the reconciler's plan of a project against the emulator, read-only and summarised."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from mcp_support import Harness

from reconciler.app.apply import ApplyRequest, apply
from reconciler.settings import Settings

pytestmark = pytest.mark.anyio

TEMPLATE = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: drift-welcome}
spec:
  subject: "Hi {{name}}"
  text: "Hello {{name}}"
  defaults: {name: there}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    (tmp_path / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: demo\nmanifests: manifests\n"
    )
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "templates.yaml").write_text(TEMPLATE)
    return tmp_path


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_drift_then_in_sync(make_harness: object, project: Path, mode: str) -> None:
    harness: Harness = make_harness(project=str(project))  # type: ignore[operator]
    async with Client(harness.server, mode=mode, raise_exceptions=True) as client:
        before = await client.call_tool("get_drift", {"request": {}})
        assert before.is_error is False, before.content
        drift = before.structured_content
        assert drift is not None
        assert drift["in_sync"] is False and drift["stack"] == "demo"
        change = next(c for c in drift["changes"] if c["address"] == "EmailTemplate/drift-welcome")
        assert change["actions"] == ["create"] and change["reason"] == "not_in_live"
        assert drift["summary"]["create"] == 1
        assert "pull request" in drift["hint"]
        # get_drift changed nothing: the template is still absent.
        assert "drift-welcome" not in str(harness.emulator.client("sesv2").list_email_templates())

        settings = Settings(endpoint_url=harness.emulator.endpoint_url, region="us-east-1", color=False)
        apply(settings, ApplyRequest(path=project, rate=1000), confirm=lambda plan: True)
        after = (await client.call_tool("get_drift", {"request": {}})).structured_content
    assert after is not None
    assert after["in_sync"] is True and after["changes"] == []
    assert after["summary"]["no_op"] == 1


async def test_drift_of_a_broken_project_is_a_tool_error(make_shared_harness: object, tmp_path: Path) -> None:
    (tmp_path / "sesctl.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: Project\nstack: demo\nmanifests: manifests\n"
    )
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "bad.yaml").write_text(
        "apiVersion: sesctl/v1\nkind: EmailTemplate\nmetadata: {}\n"
    )
    harness: Harness = make_shared_harness(project=str(tmp_path))  # type: ignore[operator]
    async with Client(harness.server) as client:
        result = await client.call_tool("get_drift", {"request": {}})
    assert result.is_error is True
    assert "bad.yaml" in result.content[0].text  # type: ignore[union-attr]
