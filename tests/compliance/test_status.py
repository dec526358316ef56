"""`sesctl status`: retention, what each kind of data holds and how old, the last gc, the audit head."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_retention import KEY, NOW, _iso, project

from reconciler.app.gc import collect_garbage
from reconciler.app.status import overview

__all__ = ["project"]  # the fixture, shared with test_retention


def test_overview_before_and_after_gc(project: Path) -> None:
    before = overview(project, store=project / "events.db", checkpoints=[project / "journals"], now=NOW)
    assert before["retention"] == {"events": 30, "audit": 30, "journals": 7}
    events, trail, journals = before["events"], before["audit"], before["journals"]
    assert (events["events"], events["past_retention"], events["oldest_age_days"]) == (3, 2, 100.0)
    assert (trail["entries"], trail["past_retention"], trail["oldest"]) == (4, 2, _iso(90))
    assert trail["head"]["seq"] == 3 and trail["signed"] is True and trail["starts_at_seq"] == 0
    assert (journals["journals"], journals["past_retention"], journals["oldest_age_days"]) == (2, 1, 8.0)
    assert before["gc"] is None

    collect_garbage(project, store=project / "events.db", checkpoints=[project / "journals"], now=NOW)
    after = overview(project, store=project / "events.db", checkpoints=[project / "journals"], verify=True, now=NOW)
    assert (after["events"]["events"], after["events"]["past_retention"]) == (1, 0)
    assert after["audit"]["starts_at_seq"] == 2 and after["audit"]["head"]["seq"] == 5
    assert after["audit"]["verified"]["ok"] is True and after["audit"]["verified"]["hmac_checked"] is True
    assert after["journals"]["journals"] == 1
    gc = after["gc"]
    assert gc["outcome"] == "ok" and gc["dry_run"] is False and gc["seq"] == 5
    assert gc["removed"]["events"]["events"] == 2 and gc["removed"]["audit_entries"] == 2


def test_status_cli_text_and_json(project: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SESCTL_AUDIT")}, "SESCTL_AUDIT_KEY": KEY}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).parent / "sesctl"), "status", "--store", "events.db", "--checkpoint", "journals", *args],
            cwd=project, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    text = run("--verify")
    assert text.returncode == 0, text.stderr
    assert "Events (events.db): kept 30 days" in text.stdout
    assert "3 events" in text.stdout and "past the period" in text.stdout
    assert "head: #3 sha256:" in text.stdout and "HMAC-signed" in text.stdout
    assert "verified: 4 entries intact" in text.stdout
    assert "Last gc: never" in text.stdout
    document = json.loads(run("--json").stdout)
    assert set(document) == {"project", "retention", "events", "audit", "journals", "gc"}
    # a tampered trail makes --verify exit 1 and say where
    log = project / ".sesctl" / "audit.jsonl"
    log.write_text(log.read_text().replace('"apply"', '"plan"', 1))
    bad = run("--verify")
    assert bad.returncode == 1 and "TAMPERING at line 1" in bad.stdout
