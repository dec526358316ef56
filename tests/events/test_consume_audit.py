"""`sesctl events consume` is audited (issue 16): where from and into which store before the first
batch, then the batches committed and their counts (added, duplicates, quarantined, ...).
A real CLI process on files, the trail read back and verified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from events_support import record, sns

SESCTL = str(Path(sys.executable).parent / "sesctl")


def entries(root: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (root / ".sesctl" / "audit.jsonl").read_text().splitlines()]


def consume(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SESCTL_AUDIT")}
    return subprocess.run(
        [SESCTL, "events", "consume", *args],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_consume_is_audited_with_its_counts(tmp_path: Path) -> None:
    (tmp_path / "sesctl.yaml").write_text("stack: demo\n", encoding="utf-8")
    lines = [json.dumps(sns(record(kind, f"m{i}"))) for i, kind in enumerate(["Send", "Delivery", "Bounce"])]
    lines += ["this is not JSON", json.dumps(sns(record("Send", "m0")))]  # a quarantined record, a duplicate
    (tmp_path / "events.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = consume(tmp_path, "events.ndjson", "--store", "store.db", "--batch-size", "2", "--json")
    assert done.returncode == 0, done.stderr
    started, finished = entries(tmp_path)
    assert (started["kind"], started["phase"]) == ("events-consume", "started")
    assert started["details"] == {"source": "files", "files": 1, "store": "store.db"}
    assert finished["outcome"] == "ok" and finished["operation"] == started["operation"]
    result = finished["result"]
    assert result["batches"] == 3 and result["received"] == 5
    assert (result["added"], result["duplicates"], result["quarantined"]) == (3, 1, 1)
    # Nothing of a record's content (addresses) is in the trail.
    assert "ada@example.org" not in (tmp_path / ".sesctl" / "audit.jsonl").read_text()
    verified = subprocess.run(
        [SESCTL, "audit", "verify"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
