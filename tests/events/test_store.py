"""The event store and record parsing: envelopes, facts, idempotency, quarantine, retention,
erasure, keys and migrations, on real SQLite files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from events_support import eventbridge, record, sns

from reconciler.events.records import Control, Fact, Unparseable, documents, facts, unwrap
from reconciler.events.schema import SCHEMA_VERSION
from reconciler.events.store import EventStore, Quarantined, StoreError


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    return EventStore.open(tmp_path / "events.db")


def parse(store: EventStore, raw: dict[str, object]) -> list[Fact]:
    found = unwrap(json.dumps(raw).encode())
    assert isinstance(found, dict)
    return list(facts(found, store.hasher))


def test_the_three_envelopes_give_the_same_fact(store: EventStore) -> None:
    bounce = record("Bounce", "m1")
    direct, wrapped, bus = (parse(store, b) for b in (bounce, sns(bounce), eventbridge(bounce)))
    assert direct == wrapped == bus
    [fact] = direct
    assert fact.event_type == "bounce" and fact.bounce_type == "Permanent" and fact.status == "5.1.1"
    assert fact.recipient_domain == "example.org" and fact.configuration_set == "tracked"
    assert ("ses:source-ip", "192.0.2.1") not in fact.tags and (
        "ses:configuration-set",
        "tracked",
    ) in fact.tags


def test_no_recipient_address_is_stored_in_clear(store: EventStore) -> None:
    kinds = ["Send", "Delivery", "Bounce", "Complaint", "Open", "Click", "Rendering Failure", "DeliveryDelay"]
    all_facts = [
        f for kind in kinds for f in parse(store, record(kind, f"m-{kind}", to="secret.person@example.org"))
    ]
    store.commit(all_facts, origin="test")
    store.close()
    assert b"secret.person" not in (store.path).read_bytes()
    wal = store.path.with_name(store.path.name + "-wal")
    assert not wal.exists() or b"secret.person" not in wal.read_bytes()
    [bounce] = [f for f in all_facts if f.event_type == "bounce"]
    assert bounce.diagnostic == "smtp; 550 5.1.1 <s***n@example.org> user unknown"


def test_control_messages_are_recognised() -> None:
    confirmation = {
        "Type": "SubscriptionConfirmation",
        "Message": "You have chosen to subscribe",
        "SubscribeURL": "x",
    }
    validation = {
        "Type": "Notification",
        "Message": "Successfully validated SNS topic for Amazon SES event publishing.",
    }
    assert unwrap(json.dumps(confirmation).encode()) == Control("sns:SubscriptionConfirmation")
    assert unwrap(json.dumps(validation).encode()) == Control("ses:validation")
    assert unwrap(validation["Message"].encode()) == Control("ses:validation")  # raw delivery


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "a JSON list"),
        (json.dumps({"hello": "world"}).encode(), "no eventType"),
        (json.dumps({"eventType": "Teleport", "mail": {}}).encode(), "unknown eventType"),
        (json.dumps(eventbridge({"x": 1}, source="aws.ec2")).encode(), "foreign EventBridge"),
        (json.dumps({"Type": "Notification", "Message": "{"}).encode(), "Message is not JSON"),
        (b"[" * 100_000, "not JSON"),
    ],
)
def test_what_cannot_be_parsed_says_why(raw: bytes, reason: str) -> None:
    with pytest.raises(Unparseable, match=reason):
        unwrap(raw)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.pop("mail"), "no mail"),
        (lambda r: r["mail"].pop("messageId"), "messageId"),
        (lambda r: r["mail"].update(timestamp="yesterday"), "ISO-8601"),
        (lambda r: r["bounce"].pop("bouncedRecipients"), "bouncedRecipients"),
        (lambda r: r.pop("bounce"), "no bounce"),
    ],
)
def test_broken_records_raise_unparseable(store: EventStore, mutate: object, reason: str) -> None:
    broken = record("Bounce", "m1")
    mutate(broken)  # type: ignore[operator]
    with pytest.raises(Unparseable, match=reason):
        facts(broken, store.hasher)


def test_the_same_event_twice_is_stored_once_and_distinct_opens_and_clicks_are_kept(
    store: EventStore,
) -> None:
    first = parse(store, record("Open", "m1", when="2026-11-28T07:00:00Z"))
    again = parse(store, sns(record("Open", "m1", when="2026-11-28T07:00:00Z")))
    later = parse(store, record("Open", "m1", when="2026-11-28T08:00:00Z"))
    click = parse(store, record("Click", "m1"))
    assert store.commit([*first, *again], origin="a").added == 1
    result = store.commit([*first, *later, *click, *click], origin="b")
    assert (result.added, result.duplicates) == (2, 2)
    assert store.status()["by_type"] == {"open": 2, "click": 1}


def test_a_send_to_several_recipients_counts_each(store: EventStore) -> None:
    send = record("Send", "m1")
    send["mail"]["destination"] = ["a@x.org", "b@y.org", "c@y.org"]
    found = parse(store, send)
    assert sorted(f.recipient_domain or "" for f in found) == ["x.org", "y.org", "y.org"]
    assert store.commit(found, origin="t").added == 3


def test_documents_splits_lines_and_back_to_back_objects() -> None:
    raw = b'{"a": 1}\n\n{"b": 2}{"c": "}{"}\nnot json}{\n'
    assert [d for _, d in documents(raw)] == [b'{"a": 1}', b'{"b": 2}', b'{"c": "}{"}', b"not json}{"]


def test_quarantine_retention_and_erasure(store: EventStore) -> None:
    old = parse(store, record("Delivery", "m-old", to="ada@example.org", when="2020-01-01T00:00:00Z"))
    new = parse(store, record("Delivery", "m-new", to="ada@example.org"))
    other = parse(store, record("Delivery", "m-other", to="bob@example.org"))
    raw = b'{"eventType": "Bounce", "who": "ada@example.org"'
    store.commit([*old, *new, *other], origin="t", quarantined=[Quarantined("file:x:1", "not JSON", raw)])
    assert store.conn.execute("SELECT raw, reason, origin FROM quarantine").fetchall() == [
        (raw, "not JSON", "file:x:1")
    ]
    removed = store.delete_older_than(old[0].event_time + 3_600_000)  # whole hours
    assert removed["events"] == 1
    hashed = store.recipient_hash("ADA@example.org ")
    assert [row["message_id"] for row in store.find_recipient(hashed)] == ["m-new"]
    assert store.erase_recipient("ada@example.org") == {"events": 1, "quarantine": 1}
    assert store.find_recipient(hashed) == [] and store.count() == 1


def test_another_key_is_refused_and_the_key_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    EventStore.open(path).close()
    key_file = tmp_path / "events.db.key"
    assert key_file.stat().st_mode & 0o077 == 0
    with pytest.raises(StoreError, match="another recipient key"):
        EventStore.open(path, key=b"something else")
    first = EventStore.open(path).recipient_hash("ada@example.org")
    assert EventStore.open(path).recipient_hash("ada@example.org") == first


def test_schema_version_and_refusing_a_newer_store(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = EventStore.open(path)
    assert store.status()["schema_version"] == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="this sesctl knows up to"):
        EventStore.open(path)
    with pytest.raises(StoreError, match="this sesctl knows up to"):
        EventStore.open(path, readonly=True)


def test_not_a_store(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("hello, this is not SQLite at all" * 100)
    with pytest.raises(StoreError, match="not an event store"):
        EventStore.open(junk)
    with pytest.raises(StoreError, match="no event store"):
        EventStore.open(tmp_path / "missing.db", readonly=True)


def test_a_failed_batch_stores_nothing(store: EventStore) -> None:
    good = parse(store, record("Delivery", "m1", campaign="spring"))
    with pytest.raises((sqlite3.IntegrityError, TypeError)):
        store.commit(good, origin="t", quarantined=[Quarantined("x", "y", None)])  # type: ignore[arg-type]
    assert store.count() == 0 and store.count("quarantine") == 0
    assert store.commit(good, origin="t").added == 1  # the tag set cache was not left stale
    assert store.conn.execute("SELECT count(*) FROM tagset_tags WHERE name = 'campaign'").fetchone()[0] == 1


def test_a_send_recorded_by_the_sender_and_then_by_ses_counts_once_and_keeps_the_template(
    store: EventStore,
) -> None:
    from reconciler.events.records import sent_fact

    ses_send = record("Send", "m-7", to="ada@example.org", campaign="spring")
    recorded = sent_fact(
        store.hasher,
        message_id="m-7",
        recipient="Ada@Example.org",
        sent_at_ms=parse(store, ses_send)[0].event_time,
        tags={"campaign": "spring"},
        configuration_set="tracked",
        template="welcome",
        variant="B",
        from_address="news@example.com",
    )
    assert store.commit([recorded], origin="sesctl send").added == 1
    assert store.commit(parse(store, ses_send), origin="sqs").duplicates == 1
    assert store.conn.execute("SELECT template, variant, recipient_domain FROM events").fetchall() == [
        ("welcome", "B", "example.org")
    ]


def test_a_store_that_cannot_be_written_is_an_error_not_a_traceback(store: EventStore) -> None:

    fact = parse(store, record("Delivery", "m1"))
    other = EventStore.open(store.path)
    other.conn.execute("BEGIN IMMEDIATE")  # another writer holds the lock...
    try:
        store.conn.execute("PRAGMA busy_timeout = 50")  # ...longer than this one waits
        with pytest.raises(StoreError, match="cannot write to the event store"):
            store.commit(fact, origin="t")
    finally:
        other.conn.execute("ROLLBACK")
        other.close()
    assert store.commit(fact, origin="t").added == 1


def test_a_version_3_store_migrates_its_events_into_the_daily_rollup(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from reconciler.events.analytics import Query, store_analytics
    from reconciler.events.schema import MIGRATIONS

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        for script in MIGRATIONS[:3]:
            conn.executescript(script)
        conn.execute("PRAGMA user_version = 3")
        day = int(datetime(2026, 11, 28, tzinfo=UTC).timestamp() * 1000)
        rows = [
            (bytes([i]) * 16, f"m{i}", kind, day + i * 1000, 0, domain, "tracked", template)
            for i, (kind, domain, template) in enumerate(
                [
                    ("send", "gmail.com", "welcome"),
                    ("send", "example.org", None),
                    ("delivery", "gmail.com", "welcome"),
                    ("bounce", "example.org", None),
                ]
            )
        ]
        conn.executemany(
            "INSERT INTO events (event_key, message_id, event_type, event_time, committed_at, recipient_domain,"
            " configuration_set, template) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    with EventStore.open(path) as store:
        assert store.status()["schema_version"] == SCHEMA_VERSION
        indexes = {row[0] for row in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "events_message" not in indexes and "events_bounce_time" in indexes
        whole = Query(
            start=datetime(2026, 11, 27, tzinfo=UTC), end=datetime(2026, 11, 30, tzinfo=UTC), group_by="recipient_domain"
        )
        by_domain = {row.key: row.counts for row in store_analytics(store, whole).rows}
        assert by_domain["gmail.com"]["send"] == 1 and by_domain["gmail.com"]["delivery"] == 1
        assert by_domain["example.org"]["bounce"] == 1
        by_template = store_analytics(store, Query(whole.start, whole.end, group_by="template"))
        assert {row.key: row.counts["send"] for row in by_template.rows} == {"welcome": 1, "(none)": 1}
        assert store.conn.execute("SELECT sum(events) FROM rollup_daily").fetchone()[0] == 4


def test_parsing_in_worker_processes_stores_exactly_what_parsing_here_stores(tmp_path: Path) -> None:
    from events_support import ndjson

    from reconciler.events.consume import consume
    from reconciler.events.sources import FileSource

    lines = []
    for i in range(300):
        lines.append(sns(record("Send", f"m{i}", to=f"user{i}@example.org", campaign=f"c{i % 3}")))
        lines.append(record("Delivery", f"m{i}", to=f"user{i}@example.org"))
    path = tmp_path / "events.ndjson"
    body = ndjson(lines).splitlines(keepends=True)
    body.insert(250, b'{"not": "ses"}\n')  # quarantined, in the middle of a batch
    body.insert(400, b"\xff\xfe not utf-8\n")
    body.insert(7, json.dumps({"Type": "SubscriptionConfirmation"}).encode() + b"\n")
    path.write_bytes(b"".join(body))
    stored = {}
    for workers in (0, 2):
        with EventStore.open(tmp_path / f"w{workers}.db", key=b"k" * 32) as store:
            report = consume(store, FileSource([str(path)], batch_size=50), workers=workers)
            rows = store.conn.execute(
                "SELECT event_key, message_id, event_type, recipient_hash, recipient_domain, tagset_id FROM events"
                " ORDER BY id"
            ).fetchall()
            quarantine = store.conn.execute("SELECT origin, reason, raw FROM quarantine ORDER BY id").fetchall()
            stored[workers] = (report.added, report.quarantined, report.controls, report.batches, rows, quarantine)
    assert stored[0][:4] == (600, 2, 1, 13)
    assert stored[2] == stored[0]  # the same rows, in the same order, the same quarantine


def test_where_worker_processes_cannot_start_the_batches_are_parsed_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from events_support import ndjson

    from reconciler.events import parsing
    from reconciler.events.consume import consume
    from reconciler.events.sources import FileSource

    def no_semaphores(method: str) -> None:  # what a container without /dev/shm answers
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(parsing.multiprocessing, "get_context", no_semaphores)
    path = tmp_path / "events.ndjson"
    path.write_bytes(ndjson([record("Send", f"m{i}", to=f"u{i}@example.org") for i in range(30)]))
    with EventStore.open(tmp_path / "events.db") as store:
        report = consume(store, FileSource([str(path)], batch_size=10), workers=1)
    assert (report.batches, report.added) == (3, 30)
