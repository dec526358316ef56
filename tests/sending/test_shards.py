"""Sharding a campaign across processes: the partition, the sharded checkpoint's layout and
refusals, and shards run in-process (one engine per shard, one run id) giving the outcome of a
single run, row for row."""

from __future__ import annotations

import json
import pickle
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sending_support import gateway_for, write_csv

from reconciler.sending import (
    CheckpointError,
    Preflight,
    SendEngine,
    SendJob,
    file_digest,
    parse_variant,
    read_recipients,
)
from reconciler.sending.report import SUMMED, Problem, SendReport, combined
from reconciler.sending.resume import new_run_id
from reconciler.sending.shards import check_layout, journal_path, read_manifest, shard_of, write_manifest
from reconciler.testing import LocalEmulator


def test_the_partition_is_fixed_and_keys_on_the_normalized_address() -> None:
    # Fixed values: a resume by another sesctl process (or version) must find the same shards.
    assert [shard_of(f"user{i}@example.org", 3) for i in range(8)] == [
        shard_of(f"USER{i}@Example.ORG ", 3) for i in range(8)
    ]
    assert shard_of("ada@example.com", 1) == 0
    assert {shard_of(f"u{i}@example.org", 4) for i in range(200)} == {0, 1, 2, 3}
    counts = Counter(shard_of(f"u{i}@example.org", 3) for i in range(3000))
    assert all(900 < n < 1100 for n in counts.values()), counts


@settings(max_examples=60, deadline=None)
@given(
    local=st.from_regex(r"[A-Za-z0-9._%+-]{1,20}", fullmatch=True),
    domain=st.from_regex(r"[A-Za-z0-9-]{1,12}\.[A-Za-z]{2,6}", fullmatch=True),
    shards=st.integers(1, 32),
    pad=st.sampled_from(["", " ", "\t", "  "]),
)
def test_every_spelling_of_an_address_is_in_one_shard_as_in_one_duplicate_key(
    local: str, domain: str, shards: int, pad: str
) -> None:
    from reconciler.sending.dedupe import address_key
    from reconciler.sending.variants import Variant, assign, held_out

    address = f"{local}@{domain}"
    other = f"{pad}{address.swapcase()}{pad}"
    assert 0 <= shard_of(address, shards) < shards
    # The duplicate set, the A/B hash and the holdout see the two as one recipient; so must the shards.
    assert address_key(other) == address_key(address)
    assert shard_of(other, shards) == shard_of(address, shards)
    arms = (Variant("A", "a", 3), Variant("B", "b", 5))
    assert assign(other, arms) == assign(address, arms) and held_out(other, 10) == held_out(address, 10)


def test_known_shards() -> None:
    # sha256("sesctl-shard\0ada@example.com")[:8] mod N, computed independently
    import hashlib

    digest = hashlib.sha256(b"sesctl-shard\0ada@example.com").digest()
    expected = int.from_bytes(digest[:8], "big")
    assert [shard_of(" Ada@Example.com", n) for n in (2, 3, 7)] == [expected % n for n in (2, 3, 7)]


def test_checkpoint_layout_refuses_another_number_of_processes(tmp_path: Path) -> None:
    ck = tmp_path / "c.ckpt"
    check_layout(ck, 3)  # nothing yet: any number
    manifest = write_manifest(ck, 3, "r123")
    assert manifest.run_id == "r123" and read_manifest(ck) == manifest
    assert write_manifest(ck, 3, "rOTHER").run_id == "r123"  # the first one stays
    line = json.loads(ck.read_text())
    assert line["journals"] == ["c.ckpt.shard-1-of-3", "c.ckpt.shard-2-of-3", "c.ckpt.shard-3-of-3"]
    assert journal_path(ck, 1, 3) == tmp_path / "c.ckpt.shard-2-of-3"
    for other in (1, 2, 4):
        with pytest.raises(CheckpointError) as refused:
            check_layout(ck, other)
        assert "--processes 3" in str(refused.value) and "Resume with --processes 3" in (
            refused.value.hint or ""
        )
    with pytest.raises(CheckpointError, match="--processes 3"):
        SendJob(from_address="a@example.com", template="t", checkpoint=ck).validate()
    single = tmp_path / "one.ckpt"
    single.write_text('{"type":"run","run_id":"r1"}\n')
    check_layout(single, 1)
    with pytest.raises(CheckpointError) as refused:
        SendJob(from_address="a@example.com", template="t", checkpoint=single, processes=2).validate()
    assert "started by one process" in str(refused.value) and "without --processes" in (
        refused.value.hint or ""
    )
    garbage = tmp_path / "g.ckpt"
    garbage.write_text("hello\n")
    with pytest.raises(CheckpointError, match="not a sesctl send checkpoint"):
        write_manifest(garbage, 2, "r1")
    with pytest.raises(Exception, match="between 1 and 32"):
        SendJob(from_address="a@example.com", template="t", processes=33).validate()


def test_combined_report_sums_the_shards() -> None:
    a = SendReport(rows=5, sent=3, skipped_duplicate=1, max_send_rate=50, batch_size=25, sending_seconds=2)
    a.by_variant.update({"A": 2, "B": 1})
    a.examples.append(Problem(7, 8, "u***7@example.org", "x"))
    a.warnings.append("sandbox")
    b = SendReport(rows=4, sent=2, refused_render=2, max_send_rate=50, batch_size=25, sending_seconds=3)
    b.by_variant.update({"A": 1, "B": 1})
    b.examples.append(Problem(2, 3, "u***2@example.org", "y"))
    b.warnings.extend(["sandbox", "other"])
    total = combined([a, b])
    assert (total.rows, total.sent, total.skipped_duplicate, total.refused_render) == (9, 5, 1, 2)
    assert total.by_variant == Counter({"A": 3, "B": 2}) and total.max_send_rate == 100
    assert [e.row for e in total.examples] == [2, 7] and total.warnings == ["sandbox", "other"]
    assert total.sending_seconds == 3 and total.processed == 8
    assert all(hasattr(total, name) for name in SUMMED)


def people(n: int) -> list[dict[str, str]]:
    rows = [{"email": f"user{i}@example.org", "name": f"U{i}", "plan": "pro"} for i in range(n)]
    rows[3]["plan"] = ""  # refused: rendering
    rows[5]["email"] = "not-an-address"  # refused: invalid
    rows.append({"email": "USER7@Example.org", "name": "again", "plan": "pro"})  # a duplicate of row 7
    rows.append({"email": " user11@example.org", "name": "again", "plan": "pro"})  # and of row 11
    return rows


def outcome(report: SendReport) -> dict[str, Any]:
    names = [n for n in SUMMED if n != "rows"] + ["rows"]
    return {n: getattr(report, n) for n in names} | {
        "by_variant": dict(report.by_variant),
        "examples": [(e.row, e.reason) for e in report.examples],
    }


def test_shards_in_process_match_one_run(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    """Three shard engines (one run id, one sharded checkpoint) send what one engine sends: the
    same counts, the same variant per address, each address once, duplicates skipped."""
    ses.create_email_template(
        TemplateName="welcome-b", TemplateContent={"Subject": "B {{name}}", "Text": "{{plan}}"}
    )
    ses.put_suppressed_destination(EmailAddress="user9@example.org", Reason="BOUNCE")
    path = write_csv(tmp_path / "r.csv", people(40))
    variants = (parse_variant("A=welcome:1"), parse_variant("B=welcome-b:1"))
    gateway = gateway_for(emulator)
    base = SendJob(from_address="news@example.com", variants=variants, default_tags={"run": "one"})
    single = SendEngine(gateway, base).run(read_recipients(path), source_digest=file_digest(path))
    one = {
        m["to"][0]: m["tags"]["sesctl-variant"] for m in emulator.admin("sent_messages", include_body=False)
    }
    emulator.admin("clear_sent_messages")

    ck = tmp_path / "c.ckpt"
    sharded = SendJob(
        from_address="news@example.com",
        variants=variants,
        default_tags={"run": "one"},
        checkpoint=ck,
        processes=3,
    )
    sharded.validate()
    run_id = write_manifest(ck, 3, new_run_id()).run_id
    ready = Preflight.load(gateway, sharded)
    shipped = pickle.loads(pickle.dumps(ready))  # what a worker process receives
    parts = [
        SendEngine(
            gateway,
            SendJob(**{**sharded.__dict__, "shard": k}),
            preflight=shipped.for_shard(k, 3),
            run_id=run_id,
        ).run(read_recipients(path), source_digest=file_digest(path))
        for k in range(3)
    ]
    assert {p.run_id for p in parts} == {run_id} and all(p.rows for p in parts)
    total = combined(parts)
    assert outcome(total) == outcome(single)
    assert (total.sent, total.skipped_duplicate, total.skipped_suppressed) == (37, 2, 1)
    sent = emulator.admin("sent_messages", include_body=False)
    three = {m["to"][0]: m["tags"]["sesctl-variant"] for m in sent}
    assert three == one and len(sent) == len(three)  # the same variants, each address once
    assert {m["tags"]["sesctl-campaign"] for m in sent} == {run_id}
    for k in range(3):
        lines = [json.loads(x) for x in journal_path(ck, k, 3).read_text().splitlines()]
        assert lines[0]["run_id"] == run_id
        rows = {r for e in lines if e["type"] == "end" for r, _ in e["sent"]}
        assert all(shard_of(people(40)[r]["email"], 3) == k for r in rows)

    # The preview of a resume reads every shard's journal: everything is done.
    preview = SendEngine(gateway, SendJob(**{**sharded.__dict__, "dry_run": True})).run(
        read_recipients(path), source_digest=file_digest(path)
    )
    assert preview.sent == 0 and preview.already_done == 37
    assert preview.run_id == run_id


def test_a_sharded_checkpoint_is_not_sent_by_one_engine(
    emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", people(12))
    job = SendJob(from_address="news@example.com", template="welcome", checkpoint=tmp_path / "c", processes=2)
    with pytest.raises(CheckpointError, match="journaled by its shards"):
        SendEngine(gateway_for(emulator), job).run(read_recipients(path), source_digest=file_digest(path))
    assert emulator.admin("sent_messages") == []


def test_a_resume_is_refused_while_a_worker_of_the_last_run_still_holds_its_shard(tmp_path: Path) -> None:
    import subprocess
    import sys

    from reconciler.sending.shards import check_shards_idle

    ck = tmp_path / "c.ckpt"
    check_shards_idle(ck, 3)  # nobody holds them
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from reconciler.sending.checkpoint import CheckpointLock\n"
            "with CheckpointLock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
            str(journal_path(ck, 2, 3)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(CheckpointError, match=rf"c.ckpt.shard-3-of-3 is in use by another sesctl send \(pid {holder.pid}\)"):
            check_shards_idle(ck, 3)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    check_shards_idle(ck, 3)


def test_a_shard_journal_of_another_run_is_refused_by_the_preview(tmp_path: Path) -> None:
    from reconciler.sending.report import SendReport
    from reconciler.sending.resume import open_session

    ck = tmp_path / "c.ckpt"
    write_manifest(ck, 2, "rNEW")
    job = SendJob(from_address="a@example.com", template="t", checkpoint=ck, processes=2, dry_run=True)
    header = {"type": "run", "run_id": "rOLD", **job.header(), "file": "sha256:x"}
    journal_path(ck, 1, 2).write_text(json.dumps(header) + "\n")
    with pytest.raises(CheckpointError, match=r"c\.ckpt\.shard-2-of-2 belongs to run rOLD, while .* names run rNEW"):
        open_session(job, SendReport(dry_run=True), "sha256:x")


def test_in_doubt_rows_in_any_shard_refuse_the_run_before_a_worker_starts(tmp_path: Path) -> None:
    """--in-doubt fail without a resolver (real SES): refused as a whole, naming the shard."""
    from reconciler.app.send_shards import refuse_in_doubt
    from reconciler.sending.checkpoint import Journal

    ck = tmp_path / "c.ckpt"
    job = SendJob(from_address="a@example.com", template="t", checkpoint=ck, processes=3)
    write_manifest(ck, 3, "r1")
    refuse_in_doubt(job)  # no journal yet: nothing in doubt
    journal = Journal(journal_path(ck, 1, 3))
    journal.open()
    journal.start("r1", {**job.header(), "file": "sha256:x"})
    journal.begin("b0", [4, 9])  # the process died before SES's answer was journaled
    journal.close()
    with pytest.raises(CheckpointError, match=r"2 recipients \(shard 2 of 3, c\.ckpt\.shard-2-of-3\) are in doubt") as refused:
        refuse_in_doubt(job)
    assert "--in-doubt resend" in (refused.value.hint or "")
    refuse_in_doubt(SendJob(from_address="a@example.com", template="t", checkpoint=ck, processes=3, in_doubt="resend"))
