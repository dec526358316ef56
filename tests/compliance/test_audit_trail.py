"""The audit trail: chained appends, and `verify` catching each kind of tampering by line."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from reconciler.audit.operation import Operation
from reconciler.audit.trail import AuditError, AuditTrail

KEY = b"k" * 32


def _trail(tmp_path: Path, key: bytes | None = None) -> AuditTrail:
    return AuditTrail(tmp_path / "audit.jsonl", key)


def _fill(trail: AuditTrail, n: int = 5) -> list[str]:
    for i in range(n):
        trail.append({"kind": "test", "n": i})
    return trail.path.read_text(encoding="utf-8").splitlines(keepends=True)


def _rewrite(trail: AuditTrail, lines: list[str]) -> None:
    trail.path.write_text("".join(lines), encoding="utf-8")


def test_an_untouched_trail_verifies_and_chains(tmp_path: Path) -> None:
    trail = _trail(tmp_path, KEY)
    lines = _fill(trail)
    entries = [json.loads(line) for line in lines]
    assert [e["seq"] for e in entries] == [0, 1, 2, 3, 4]
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(entries))
    verdict = trail.verify()
    assert verdict.ok and verdict.entries == 5 and verdict.signed


def test_an_edited_entry_is_named(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _fill(trail)
    lines[2] = lines[2].replace('"n": 2', '"n": 7')
    _rewrite(trail, lines)
    verdict = trail.verify()
    assert not verdict.ok and verdict.line == 3 and "edited" in verdict.reason


def test_a_deleted_entry_is_named(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _fill(trail)
    del lines[1]
    _rewrite(trail, lines)
    verdict = trail.verify()
    assert not verdict.ok and verdict.line == 2 and "sequence number 2 where 1" in verdict.reason


def test_a_deleted_first_entry_is_named(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _fill(trail)
    _rewrite(trail, lines[1:])
    verdict = trail.verify()
    assert not verdict.ok and verdict.line == 1


def test_an_inserted_entry_is_named(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _fill(trail)
    lines.insert(3, lines[2])  # a replayed copy
    _rewrite(trail, lines)
    verdict = trail.verify()
    assert not verdict.ok and verdict.line == 4


def test_reordered_entries_are_named(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _fill(trail)
    lines[1], lines[2] = lines[2], lines[1]
    _rewrite(trail, lines)
    verdict = trail.verify()
    assert not verdict.ok and verdict.line == 2


def test_a_rehashed_edit_passes_the_chain_but_not_the_hmac(tmp_path: Path) -> None:
    """Whoever edits the file can recompute plain hashes; without the key, not the HMACs."""
    from reconciler.audit.chain import seal

    signed = _trail(tmp_path, KEY)
    lines = _fill(signed)
    entries = [json.loads(line) for line in lines]
    entries[1]["n"] = 99
    prev = entries[0]["hash"]
    for entry in entries[1:]:
        entry.pop("hmac", None)
        entry["prev"] = prev
        seal(entry, None)
        prev = entry["hash"]
    _rewrite(signed, [json.dumps(e) + "\n" for e in entries])
    assert AuditTrail(signed.path, None).verify(use_head=False).ok  # the plain chain is fooled
    verdict = signed.verify()
    assert not verdict.ok and verdict.line == 2 and "HMAC" in verdict.reason


def test_truncation_is_caught_by_the_signed_head(tmp_path: Path) -> None:
    trail = _trail(tmp_path, KEY)
    lines = _fill(trail)
    _rewrite(trail, lines[:3])
    verdict = trail.verify()
    assert not verdict.ok and "truncated" in verdict.reason
    # and a head forged to match the cut log fails its HMAC
    last = json.loads(lines[2])
    trail.head_path.write_text(json.dumps({"seq": 2, "hash": last["hash"], "hmac": "hmac-sha256:00"}))
    assert "HMAC" in trail.verify().reason


def test_an_incomplete_last_line_refuses_further_appends(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    lines = _fill(trail, 2)
    _rewrite(trail, [*lines, lines[1][:20]])
    with pytest.raises(AuditError, match="incomplete line"):
        trail.append({"kind": "test"})
    assert trail.verify(use_head=False).line == 3


def test_two_processes_appending_at_once_keep_one_chain(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from reconciler.audit.trail import AuditTrail\n"
        "t = AuditTrail(Path(sys.argv[1]), b'k' * 32)\n"
        "for i in range(40): t.append({'kind': 'test', 'who': sys.argv[2], 'n': i})\n"
    )
    path = tmp_path / "audit.jsonl"
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), name]) for name in ("a", "b", "c")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    verdict = AuditTrail(path, KEY).verify()
    assert verdict.ok, verdict
    assert verdict.entries == 120


def test_an_operation_writes_started_then_its_outcome(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    with Operation(trail, "apply", {"plan_checksum": "sha256:ab"}, actor={"user": "ada"}, git={}) as op:
        op.change("EmailTemplate/welcome", "create", "done")
        op.identify(aws="arn:aws:sts::123456789012:assumed-role/apply/ci")
    started, finished = trail.entries()
    assert started["phase"] == "started" and started["details"] == {"plan_checksum": "sha256:ab"}
    assert finished["operation"] == started["operation"] and finished["outcome"] == "ok"
    assert finished["changes"] == [{"address": "EmailTemplate/welcome", "action": "create", "outcome": "done"}]
    assert finished["actor"]["aws"].endswith("/ci")


def test_a_failing_operation_is_recorded_with_its_error_masked(tmp_path: Path) -> None:
    trail = _trail(tmp_path)
    with pytest.raises(RuntimeError), Operation(trail, "send", actor={}, git={}):
        raise RuntimeError("SES refused ada.lovelace@example.com")
    finished = list(trail.entries())[1]
    assert finished["outcome"] == "failed"
    assert "ada.lovelace" not in finished["error"] and "a***e@example.com" in finished["error"]


def test_an_unwritable_trail_stops_the_operation_before_it_runs(tmp_path: Path) -> None:
    (tmp_path / "audit.jsonl").mkdir()  # a directory where the log should be
    ran = []
    with pytest.raises(AuditError, match="cannot write the audit trail"):
        with Operation(_trail(tmp_path), "apply", actor={}, git={}):
            ran.append(True)
    assert ran == []
