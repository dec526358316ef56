"""`sesctl suppression` through the real CLI against the emulator."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

from reconciler.testing import dummy_aws_env

SESCTL = str(Path(sys.executable).parent / "sesctl")


def _run(cwd: Path, emulator: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = dummy_aws_env(drop=("SESCTL_AUDIT",))
    return subprocess.run(
        [SESCTL, "--endpoint-url", emulator.endpoint_url, "suppression", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_import_list_remove_export(tmp_path: Path, emulator: Any, ses: Any) -> None:
    (tmp_path / "old.csv").write_text(
        "Email,Reason\nada@example.com,bounce\ngrace@example.com,COMPLAINT\nlin@example.org,\n", encoding="utf-8"
    )
    missing = _run(tmp_path, emulator, "import", "old.csv")
    assert missing.returncode == 1 and "old.csv:4: reason must be BOUNCE or COMPLAINT" in missing.stderr
    done = _run(tmp_path, emulator, "import", "old.csv", "--reason", "BOUNCE")
    assert done.returncode == 0 and "Imported 3 entries." in done.stdout, done.stderr
    assert ses.get_suppressed_destination(EmailAddress="grace@example.com")["SuppressedDestination"]["Reason"] == "COMPLAINT"

    listed = _run(tmp_path, emulator, "list", "--reason", "BOUNCE", "--format", "jsonl")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sorted(r["email"] for r in rows) == ["a***a@example.com", "l***n@example.org"]
    assert "ada@" not in listed.stdout

    refused = _run(tmp_path, emulator, "remove", "ada@example.com")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    removed = _run(tmp_path, emulator, "remove", "ada@example.com", "nobody@example.com", "--yes")
    assert "Removed 1 entries (1 were not on the list)." in removed.stdout, removed.stderr

    exported = _run(tmp_path, emulator, "export", "--out", "all.jsonl", "--since", "1h")
    assert exported.returncode == 0, exported.stderr
    out = tmp_path / "all.jsonl"
    assert sorted(json.loads(line)["email"] for line in out.read_text().splitlines()) == [
        "grace@example.com", "lin@example.org",
    ]  # fmt: skip
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = _run(tmp_path, emulator, "export", "--out", "all.jsonl")
    assert again.returncode == 1 and "exists" in again.stderr

    trail = [json.loads(line) for line in (tmp_path / ".sesctl" / "audit.jsonl").read_text().splitlines()]
    assert [(e["kind"], e["details"]["action"]) for e in trail if e["phase"] == "started"] == [
        ("suppression", "add"), ("suppression", "remove"), ("suppression", "export"), ("suppression", "export"),
    ]  # fmt: skip
    assert trail[-1]["outcome"] == "failed"  # the attempt on an existing file is recorded too
    assert "example.com" not in json.dumps(trail)


def test_a_file_with_two_address_columns_is_refused(tmp_path: Path, emulator: Any) -> None:
    (tmp_path / "two.csv").write_text("email,address,reason\na@example.com,b@example.com,BOUNCE\n")
    done = _run(tmp_path, emulator, "import", "two.csv")
    assert done.returncode == 1 and "exactly one address column" in done.stderr
    (tmp_path / "two.jsonl").write_text('{"email": "a@example.com", "EMAIL": "b@example.com"}\n')
    done = _run(tmp_path, emulator, "import", "two.jsonl", "--reason", "BOUNCE")
    assert done.returncode == 1 and "two.jsonl:1: a key appears twice" in done.stderr
