"""get_experiment_results through the official MCP client: read-only results and verdict."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from mcp import Client
from mcp_support import Harness

from reconciler.events.store import EventStore

pytestmark = pytest.mark.anyio

MANIFESTS = """\
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: a}
spec: {subject: "A", text: "A"}
---
apiVersion: sesctl/v1
kind: EmailTemplate
metadata: {name: b}
spec: {subject: "B", text: "B"}
---
apiVersion: sesctl/v1
kind: TemplateExperiment
metadata: {name: ab}
spec:
  variants: [{name: A, template: a}, {name: B, template: b}]
  minSamplePerVariant: 100
"""


def _fill(store: Path, variant: str, deliveries: int, clicks: int) -> None:
    with EventStore.open(store) as opened:
        tagset = opened._tagset((("sesctl-experiment", "ab"), ("sesctl-variant", variant)))
        opened.conn.commit()
    conn = sqlite3.connect(store)
    rows = []
    for i in range(deliveries):
        for kind in ("delivery",) + (("click",) if i < clicks else ()):
            rows.append((f"{variant}{i}{kind}".encode(), f"{variant}{i}", kind, 1, 1, tagset, variant))
    conn.executemany(
        "INSERT INTO events (event_key, message_id, event_type, event_time, committed_at, tagset_id, variant)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    conn.close()


async def test_results_and_verdict(make_harness: object, tmp_path: Path) -> None:
    (tmp_path / "sesctl.yaml").write_text("apiVersion: sesctl/v1\nkind: Project\nstack: s\nmanifests: manifests\n")
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "m.yaml").write_text(MANIFESTS)
    store = tmp_path / ".sesctl" / "events.db"
    _fill(store, "A", 500, 50)
    _fill(store, "B", 500, 90)
    harness: Harness = make_harness(project=str(tmp_path))  # type: ignore[operator]
    async with Client(harness.server, raise_exceptions=True) as client:
        result = await client.call_tool("get_experiment_results", {"request": {"name": "ab"}})
        missing = await client.call_tool("get_experiment_results", {"request": {"name": "nope"}})
    data = result.structured_content
    assert data is not None
    assert [(v["name"], v["deliveries"], v["clicks"]) for v in data["variants"]] == [("A", 500, 50), ("B", 500, 90)]
    assert data["state"] == "winner" and data["winner"] == "B"
    assert data["variants"][1]["low"] < 0.18 < data["variants"][1]["high"]
    assert missing.is_error is True
    assert "no TemplateExperiment named 'nope'" in json.dumps([c.model_dump() for c in missing.content])
