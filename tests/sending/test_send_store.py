"""`sesctl send` records its own sends in the event store (a real CLI process, a real SQLite
file): the campaign's sends are there before any event arrives, the recipient only as the
store's keyed hash, and SES's own Send events consumed afterwards do not count twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sending_support import EventQueue, send_args, sesctl, write_csv

from reconciler.events.store import EventStore
from reconciler.testing import LocalEmulator

PEOPLE = [{"email": f"user{i}@example.org", "name": f"U{i}", "plan": "pro"} for i in range(6)]


def test_sends_are_recorded_then_ses_send_events_count_once(
    emulator: LocalEmulator, events: EventQueue, tmp_path: Path
) -> None:
    store_path = tmp_path / "events.db"
    path = write_csv(tmp_path / "r.csv", PEOPLE)
    result = sesctl(
        emulator.endpoint_url,
        *send_args(path, "--configuration-set", "tracked", "--tag", "campaign=spring", "--yes", "--json"),
        "--store",
        str(store_path),
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["sent"] == 6 and report["recorded"] == 6
    run_id = report["run_id"]

    with EventStore.open(store_path) as store:
        rows = store.conn.execute(
            "SELECT event_type, template, configuration_set, recipient_hash, recipient_domain, tagset_id FROM events"
        ).fetchall()
        assert {r[0] for r in rows} == {"send"} and len(rows) == 6
        assert {r[1] for r in rows} == {"welcome"} and {r[2] for r in rows} == {"tracked"}
        assert {r[3] for r in rows} == {store.recipient_hash(p["email"]) for p in PEOPLE}
        assert {r[4] for r in rows} == {"example.org"}
        tags = dict(
            store.conn.execute("SELECT name, value FROM tagset_tags WHERE tagset_id = ?", (rows[0][5],)).fetchall()
        )
        assert tags["sesctl-campaign"] == run_id and tags["campaign"] == "spring"
        assert "sesctl-idem" not in tags  # one value per message: not kept
    # Nothing in the store's file is an address in clear.
    raw = store_path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("events.db-*"))
    assert b"user1@example.org" not in raw and b"user1@" not in raw

    # SES's events, consumed afterwards by the real consumer: its Send events are the same facts.
    consumed = sesctl(
        emulator.endpoint_url, "events", "consume", "--queue", events.url, "--store", str(store_path), "--json"
    )
    assert consumed.returncode == 0, consumed.stderr
    counts = json.loads(consumed.stdout)
    assert counts["added"] == 6 and counts["duplicates"] == 6  # 6 deliveries new; 6 sends already there
    analytics = sesctl(
        emulator.endpoint_url,
        "analytics",
        "--store",
        str(store_path),
        "--source",
        "store",
        "--group-by",
        "total",
        "--filter",
        f"sesctl-campaign={run_id}",
        "--format",
        "json",
    )
    assert analytics.returncode == 0, analytics.stderr
    totals: dict[str, Any] = json.loads(analytics.stdout)["totals"]["counts"]
    assert totals["send"] == 6 and totals["delivery"] == 6


def test_no_store_records_nothing(emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path) -> None:
    store_path = tmp_path / "events.db"
    path = write_csv(tmp_path / "r.csv", PEOPLE[:2])
    result = sesctl(
        emulator.endpoint_url, *send_args(path, "--yes", "--json", "--no-store"), "--store", str(store_path)
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["recorded"] == 0
    assert not store_path.exists()


def test_the_store_is_not_touched_by_a_dry_run(emulator: LocalEmulator, ses: Any, sender: str, tmp_path: Path) -> None:
    store_path = tmp_path / "events.db"
    path = write_csv(tmp_path / "r.csv", PEOPLE[:2])
    result = sesctl(emulator.endpoint_url, *send_args(path, "--dry-run"), "--store", str(store_path))
    assert result.returncode == 0, result.stderr
    assert not store_path.exists()


def test_the_recorder_writes_off_the_send_path_and_survives_a_broken_store(tmp_path: Path) -> None:
    from reconciler.events.recorder import SendRecorder
    from reconciler.sending.dispatch import SentMessage

    def sent(first: int, count: int) -> list[SentMessage]:
        return [
            SentMessage(i, f"u{i}@example.org", f"m{i}", "welcome", "A", {"sesctl-campaign": "r1"})
            for i in range(first, first + count)
        ]

    recorder = SendRecorder.open(tmp_path / "events.db", from_address="news@example.com", configuration_set="cs")
    for start in range(0, 500, 50):
        recorder(sent(start, 50))
    recorder.flush()
    assert recorder.recorded == 500 and recorder.failure is None
    with EventStore.open(tmp_path / "events.db", readonly=True) as store:
        assert store.count() == 500
        assert store.conn.execute("SELECT count(*) FROM batches").fetchone()[0] == 0  # not the consumer's work
    recorder.store.conn.close()  # the store breaks under the writer
    recorder(sent(500, 10))
    recorder.flush()  # returns: the writer goes on draining
    assert recorder.failure is not None and recorder.recorded == 500
    recorder(sent(510, 10))  # ignored from now on
    recorder.close()
