"""`sesctl gc` deletes exactly what is older than each retention period, and the audit trail
stays verifiable after its oldest entries are cut."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reconciler.app.gc import collect_garbage
from reconciler.audit.trail import AuditTrail
from reconciler.events import records
from reconciler.events.store import EventStore

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
KEY = "r" * 32


def _iso(days_ago: float) -> str:
    moment = NOW - timedelta(days=days_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _delivery(address: str, message_id: str, days_ago: float) -> dict[str, object]:
    when = _iso(days_ago)
    return {
        "eventType": "Delivery",
        "mail": {"timestamp": when, "messageId": message_id, "source": "n@example.com", "destination": [address]},
        "delivery": {"timestamp": when, "recipients": [address]},
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SESCTL_AUDIT_KEY", KEY)
    monkeypatch.delenv("SESCTL_AUDIT_LOG", raising=False)
    (tmp_path / "sesctl.yaml").write_text(
        "stack: demo\nretention: {events: 30, audit: 30, journals: 7}\n", encoding="utf-8"
    )
    with EventStore.open(tmp_path / "events.db") as store:
        found = []
        for index, days in enumerate((29.9, 30.1, 100)):
            found += records.facts(_delivery(f"p{index}@example.com", f"m{index}", days), store.hasher)
        store.commit(found, origin="test")
    trail = AuditTrail(tmp_path / ".sesctl" / "audit.jsonl", KEY.encode())
    for days in (90, 31, 29, 1):
        trail.append({"ts": _iso(days), "kind": "apply", "phase": "finished"})
    journals = tmp_path / "journals"
    journals.mkdir()
    for name, days in (("old.checkpoint", 8), ("new.checkpoint", 6)):
        path = journals / name
        path.write_text(json.dumps({"type": "run", "run_id": name}) + "\n", encoding="utf-8")
        stamp = (NOW - timedelta(days=days)).timestamp()
        os.utime(path, (stamp, stamp))
    (journals / "notes.txt").write_text("not a journal\n")
    os.utime(journals / "notes.txt", (0, 0))
    return tmp_path


def test_gc_deletes_exactly_what_is_older(project: Path) -> None:
    dry = collect_garbage(project, store=project / "events.db", checkpoints=[project / "journals"], dry_run=True, now=NOW)
    assert dry["events"] == {"events": 2} and dry["audit_entries"] == 2
    assert dry["journals"]["removed"] == [str(project / "journals" / "old.checkpoint")]
    assert (project / "journals" / "old.checkpoint").exists()

    done = collect_garbage(project, store=project / "events.db", checkpoints=[project / "journals"], now=NOW)
    assert done["events"]["events"] == 2 and done["audit_entries"] == 2
    with EventStore.open(project / "events.db", readonly=True) as store:
        assert [r[0] for r in store.conn.execute("SELECT message_id FROM events")] == ["m0"]
    assert sorted(p.name for p in (project / "journals").iterdir()) == ["new.checkpoint", "notes.txt"]

    trail = AuditTrail(project / ".sesctl" / "audit.jsonl", KEY.encode())
    kept = list(trail.entries())
    assert [e["ts"] for e in kept[:2]] == [_iso(29), _iso(1)]
    assert [e["kind"] for e in kept[-4:]] == ["gc", "gc", "gc", "gc"]  # the two runs, started and finished
    assert trail.verify().ok, trail.verify()


def test_a_cut_trail_still_catches_tampering(project: Path) -> None:
    collect_garbage(project, store=project / "events.db", now=NOW)
    trail = AuditTrail(project / ".sesctl" / "audit.jsonl", KEY.encode())
    lines = trail.path.read_text(encoding="utf-8").splitlines(keepends=True)
    trail.path.write_text("".join(lines[1:]), encoding="utf-8")  # the first kept entry deleted
    verdict = trail.verify()
    assert not verdict.ok and verdict.line == 1
    trail.path.write_text("".join(lines), encoding="utf-8")
    anchor = json.loads(trail.anchor_path.read_text())
    trail.anchor_path.write_text(json.dumps({**anchor, "seq": anchor["seq"] + 1}))
    assert "anchor" in trail.verify().reason


def test_gc_cli_runs_and_keeps_what_has_no_period(tmp_path: Path) -> None:
    (tmp_path / "sesctl.yaml").write_text("stack: demo\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESCTL_AUDIT")}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "sesctl"), "gc"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["retention"] == {"events": None, "audit": None, "journals": None}
    assert set(report) == {"dry_run", "retention"}
