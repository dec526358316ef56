"""MCP calls go to the project's audit trail too: started before the tool runs, then finished."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from mcp_support import SUCCESS, Harness, answering

from reconciler.audit.trail import AuditTrail

pytestmark = pytest.mark.anyio


def _email() -> dict[str, object]:
    return {
        "request": {
            "to": [SUCCESS],
            "template": "welcome",
            "template_data": {"name": "Ada", "plan": "pro"},
        }
    }


async def test_each_call_is_a_started_and_a_finished_entry(harness: Harness, tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "audit.jsonl", b"m" * 32)
    harness.app.audit.trail = trail
    callback, _ = answering("accept")
    async with Client(harness.server, mode="legacy", elicitation_callback=callback) as client:
        await client.call_tool("send_email", _email())
    started, finished = trail.entries()
    assert (started["kind"], started["phase"], finished["phase"]) == ("mcp", "started", "finished")
    assert started["details"]["tool"] == "send_email"
    assert started["details"]["args"]["request"]["to"] == ["s***s@simulator.amazonses.com"]
    assert finished["outcome"] == "ok" and finished["result"]["result"]["sent"] == 1
    raw = trail.path.read_text(encoding="utf-8")
    assert SUCCESS not in raw and "Ada" not in raw
    assert trail.verify().ok
    assert harness.audit()[0]["status"] == "ok"  # the stderr/file line is written as before


async def test_a_call_is_refused_when_its_entry_cannot_be_written(harness: Harness, tmp_path: Path) -> None:
    (tmp_path / "audit.jsonl").mkdir()  # unwritable: a directory
    harness.app.audit.trail = AuditTrail(tmp_path / "audit.jsonl")
    callback, _ = answering("accept")
    async with Client(harness.server, mode="legacy", elicitation_callback=callback) as client:
        result = await client.call_tool("send_email", _email())
    assert result.is_error
    assert "audit trail cannot be written" in str(result.content)
    assert harness.sent() == []
    assert harness.audit()[0]["status"] == "refused_unaudited"
