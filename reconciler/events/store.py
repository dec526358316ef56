"""The event store: one SQLite file (WAL: readers and a writer at once; several consumers take
turns writing), its schema versioned by migrations (schema.py).

    store = EventStore.open(Path(".sesctl/events.db"))
    result = store.commit(facts, origin="sqs:ses-events")
    store.erase_recipient("ada@example.com")   # GDPR erasure
    store.delete_older_than(cutoff_ms)          # retention

Recipients are kept only as a keyed hash (records.RecipientHasher). The key is the store's own
random secret, in a file next to it (``<store>.key``, mode 0600, created with the store), or a
secret the user configures (``SESCTL_EVENTS_KEY``). The store remembers a check value of its key
and refuses another key, so hashes of one store are always comparable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import UsageError
from reconciler.events.records import Fact, RecipientHasher
from reconciler.events.schema import MIGRATIONS, SCHEMA_VERSION

DEFAULT_STORE = Path(".sesctl") / "events.db"
KEY_ENV = "SESCTL_EVENTS_KEY"
BUSY_TIMEOUT_S = 60.0  # a writer waits this long for another consumer's transaction
_KEY_CHECK = b"sesctl events key check"

_FACT_COLUMNS = (
    "event_key",
    "message_id",
    "event_type",
    "event_time",
    "sent_time",
    "committed_at",
    "recipient_hash",
    "recipient_domain",
    "configuration_set",
    "template",
    "variant",
    "from_domain",
    "tagset_id",
    "bounce_type",
    "bounce_subtype",
    "status",
    "diagnostic",
    "feedback_type",
    "reason",
    "link",
    "contact_list",
    "detail",
)
_INSERT_FACT = (
    f"INSERT OR IGNORE INTO events ({', '.join(_FACT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _FACT_COLUMNS)})"
)


HOUR_MS = 3_600_000
# A bounce SES's reputation metric counts (see analytics.py), as an SQL expression on events.
HARD_BOUNCE = (
    "(event_type = 'bounce' AND bounce_type = 'Permanent'"
    " AND coalesce(bounce_subtype, '') <> 'OnAccountSuppressionList')"
)
_ROLL = (
    f"SELECT event_time / {HOUR_MS}, event_type, coalesce(tagset_id, 0), count(*), sum({HARD_BOUNCE})"
    " FROM events WHERE {where} GROUP BY 1, 2, 3"
)
DAY_MS = 86_400_000
# The event columns the daily rollup keeps, integer-encoded through dims (schema version 4).
DIM_COLUMNS = ("recipient_domain", "configuration_set", "template", "variant")
_DIMS = "INSERT OR IGNORE INTO dims (kind, value) " + " UNION ".join(
    f"SELECT '{column}', {column} FROM events WHERE ({{where}}) AND {column} IS NOT NULL" for column in DIM_COLUMNS
)
_ROLL_DAILY = (
    f"SELECT e.event_time / {DAY_MS}, e.event_type, coalesce(e.tagset_id, 0), "
    + ", ".join(f"coalesce(d{i}.id, 0)" for i in range(len(DIM_COLUMNS)))
    + f", count(*), sum({HARD_BOUNCE}) FROM (SELECT * FROM events WHERE {{where}}) e "
    + " ".join(
        f"LEFT JOIN dims d{i} ON d{i}.kind = '{column}' AND d{i}.value = e.{column}"
        for i, column in enumerate(DIM_COLUMNS)
    )
    + " GROUP BY 1, 2, 3, 4, 5, 6, 7"
)
_UPSERT_DAILY = (
    "INSERT INTO rollup_daily (day, event_type, tagset_id, "
    + ", ".join(f"{column}_id" for column in DIM_COLUMNS)
    + ", events, hard_bounces) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (day, event_type, tagset_id, "
    + ", ".join(f"{column}_id" for column in DIM_COLUMNS)
    + ") DO UPDATE SET events = events + excluded.events, hard_bounces = hard_bounces + excluded.hard_bounces"
)


class StoreError(UsageError):
    """The store cannot be opened or used (a newer schema, another key, not a store)."""


@dataclass(frozen=True)
class Quarantined:
    """A record that could not be parsed: kept with why, where it came from and its bytes."""

    origin: str
    reason: str
    raw: bytes


@dataclass(frozen=True)
class CommitResult:
    added: int
    duplicates: int
    quarantined: int
    lag_p95_ms: int | None = None  # committed_at - event time, over the batch's events
    lag_max_ms: int | None = None


def now_ms() -> int:
    return int(time.time() * 1000)


def _connect(path: Path, readonly: bool, shared: bool = False) -> sqlite3.Connection:
    if readonly:
        uri = path.resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=not shared
        )
    else:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=not shared
        )
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _statements(script: str) -> Iterator[str]:
    # The migrations hold no ';' inside literals, so splitting on it is exact.
    for statement in script.split(";"):
        if statement.strip():
            yield statement


_SQLITE_HEADER = b"SQLite format 3\x00"


def _check_not_foreign(path: Path) -> None:
    """A --store naming some other file (a typo, /etc/passwd) is refused before anything is
    written beside it; an empty file is a store not yet created."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
    except FileNotFoundError:
        return
    with os.fdopen(fd, "rb") as handle:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        head = handle.read(len(_SQLITE_HEADER)) if regular else None
    if head is None or (head and head != _SQLITE_HEADER):
        raise StoreError(f"{path} is not an event store", hint="pass the file `sesctl events consume` wrote")


def _load_key(path: Path) -> bytes:
    configured = os.environ.get(KEY_ENV)
    if configured:
        return configured.encode()
    key_file = path.with_name(path.name + ".key")
    try:
        # O_EXCL: two consumers creating the store at once must not end with two keys.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = key_file.read_bytes().strip()
        for _ in range(50):  # the creator may not have written it yet
            if key:
                return key
            time.sleep(0.02)
            key = key_file.read_bytes().strip()
        raise StoreError(
            f"{key_file} is empty", hint=f"restore the store's key file, or set {KEY_ENV}"
        ) from None
    with os.fdopen(fd, "wb") as handle:
        key = secrets.token_hex(32).encode()
        handle.write(key + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key


class EventStore:
    """An open store. Not thread-safe: one per thread (SQLite connections are per thread)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, key: bytes | None) -> None:
        self.path = path
        self.conn = conn
        self.hasher = RecipientHasher(key or b"")
        self._has_key = key is not None
        self._tagsets: dict[tuple[tuple[str, str], ...], int] = {}

    # ---- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path = DEFAULT_STORE,
        *,
        readonly: bool = False,
        key: bytes | None = None,
        shared: bool = False,
    ) -> EventStore:
        """Open (creating and migrating when needed) the store at ``path``. ``readonly`` opens
        an existing store for queries only and needs no key. ``shared``: the caller uses it
        from several threads, one at a time under its own lock (the send recorder)."""
        if readonly:
            if not path.is_file():
                raise StoreError(
                    f"no event store at {path}",
                    hint="run `sesctl events consume` first, or pass --store PATH",
                )
            conn = _connect(path, readonly=True, shared=shared)
            store = cls(path, conn, None)
            version = store._version()
            store._check_version(version)
            if version == 0:
                conn.close()
                raise StoreError(
                    f"{path} is not an event store", hint="pass the file `sesctl events consume` wrote"
                )
            return store
        try:
            _check_not_foreign(path)  # before a key file is written beside it
            path.parent.mkdir(parents=True, exist_ok=True)
            if key is None:
                key = _load_key(path)
        except OSError as exc:  # a --store in /proc, a read-only or missing place
            raise StoreError(
                f"cannot open the event store {path}: {exc.strerror or exc}",
                hint="pass --store PATH in a directory you can write to",
            ) from None
        try:
            conn = _connect(path, readonly=False, shared=shared)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            # The unique event keys are random: their index is written all over, and SQLite's
            # default 2 MB page cache turns each insert into page reads once the store is large.
            conn.execute("PRAGMA cache_size = -65536")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not an event store: {exc}") from None
        store = cls(path, conn, key)
        store._migrate()
        store._check_key(key)
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _version(self) -> int:
        try:
            return int(self.conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not an event store: {exc}") from None

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}; this sesctl knows up to {SCHEMA_VERSION}",
                hint="upgrade sesctl",
            )

    def _migrate(self) -> None:
        self._check_version(self._version())
        if self._version() == SCHEMA_VERSION:
            return
        with self.transaction():
            version = self._version()  # again, under the write lock: another consumer may have migrated
            for number in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[number]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")

    def _check_key(self, key: bytes) -> None:
        check = hmac.new(key, _KEY_CHECK, hashlib.sha256).hexdigest()[:16]
        with self.transaction():
            row = self.conn.execute("SELECT value FROM meta WHERE name = 'key_check'").fetchone()
            if row is None:
                self.conn.execute("INSERT INTO meta (name, value) VALUES ('key_check', ?)", (check,))
                return
        if row[0] != check:
            raise StoreError(
                f"{self.path} was written with another recipient key: its hashes would not match",
                hint=f"use the store's own key file ({self.path.name}.key) or the {KEY_ENV} it was created with",
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken at once (BEGIN IMMEDIATE) so two writers queue up instead
        of failing on lock upgrade."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # ---- writing ---------------------------------------------------------------------------

    def _tagset(self, tags: tuple[tuple[str, str], ...]) -> int | None:
        if not tags:
            return None
        found = self._tagsets.get(tags)
        if found is not None:
            return found
        encoded = json.dumps(dict(tags), sort_keys=True, separators=(",", ":"))
        digest = hashlib.blake2b(encoded.encode(), digest_size=16).digest()
        self.conn.execute("INSERT OR IGNORE INTO tagsets (digest, tags) VALUES (?, ?)", (digest, encoded))
        tagset_id = int(self.conn.execute("SELECT id FROM tagsets WHERE digest = ?", (digest,)).fetchone()[0])
        self.conn.executemany(
            "INSERT OR IGNORE INTO tagset_tags (tagset_id, name, value) VALUES (?, ?, ?)",
            [(tagset_id, name, value) for name, value in tags],
        )
        if len(self._tagsets) < 100_000:
            self._tagsets[tags] = tagset_id
        return tagset_id

    def commit(
        self,
        facts: Sequence[Fact],
        *,
        origin: str,
        quarantined: Sequence[Quarantined] = (),
        objects: Iterable[tuple[str, str]] = (),
        received: int | None = None,
        controls: int = 0,
        committed_at: int | None = None,
        consumed: bool = True,
    ) -> CommitResult:
        """Write one batch in one transaction: its facts (duplicates ignored), its quarantined
        records, the objects it finished (location, etag) and a line in ``batches`` with the lag.
        Either all of it is stored or nothing is. ``consumed=False``: facts a sender records
        about itself (no ``batches`` line: they are not the consumer's work or lag)."""
        if not self._has_key:
            raise StoreError("the store is open read-only")
        stamp = committed_at if committed_at is not None else now_ms()
        try:
            return self._commit(facts, origin, quarantined, objects, received, controls, stamp, consumed)
        except sqlite3.OperationalError as exc:
            # Disk full, read-only file, another writer holding the lock past the busy timeout:
            # nothing of the batch was stored, and its SQS messages were not deleted.
            self._tagsets.clear()
            raise StoreError(
                f"cannot write to the event store {self.path}: {exc}",
                hint="nothing of this batch was stored; its messages stay in the queue. Free space or "
                "check permissions, then run the consumer again",
            ) from None
        except BaseException:
            # Tag set ids created by the rolled-back transaction no longer exist.
            self._tagsets.clear()
            raise

    def _commit(
        self,
        facts: Sequence[Fact],
        origin: str,
        quarantined: Sequence[Quarantined],
        objects: Iterable[tuple[str, str]],
        received: int | None,
        controls: int,
        stamp: int,
        consumed: bool = True,
    ) -> CommitResult:
        with self.transaction() as conn:
            rows = []
            for fact in facts:
                rows.append(
                    (
                        fact.key,
                        fact.message_id,
                        fact.event_type,
                        fact.event_time,
                        fact.sent_time,
                        stamp,
                        fact.recipient_hash,
                        fact.recipient_domain,
                        fact.configuration_set,
                        fact.template,
                        fact.variant,
                        fact.from_domain,
                        self._tagset(fact.tags),
                        fact.bounce_type,
                        fact.bounce_subtype,
                        fact.status,
                        fact.diagnostic,
                        fact.feedback_type,
                        fact.reason,
                        fact.link,
                        fact.contact_list,
                        fact.detail,
                    )
                )
            last_id = int(conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
            before = conn.total_changes
            conn.executemany(_INSERT_FACT, rows)
            added = conn.total_changes - before
            if added:
                # Under the write lock ids only grow: the rows above last_id are this batch's new ones.
                self._roll(conn, "id > ?", (last_id,), +1)
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO quarantine (digest, received_at, origin, reason, raw) VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        hashlib.blake2b(q.raw, digest_size=16).digest(),
                        stamp,
                        q.origin[:500],
                        q.reason[:1000],
                        q.raw,
                    )
                    for q in quarantined
                ],
            )
            held = conn.total_changes - before
            conn.executemany(
                "INSERT OR REPLACE INTO processed_objects (location, etag, processed_at) VALUES (?, ?, ?)",
                [(location, etag, stamp) for location, etag in objects],
            )
            lags = sorted(max(0, stamp - fact.event_time) for fact in facts)
            if not consumed:
                return CommitResult(added=added, duplicates=len(facts) - added, quarantined=held)
            conn.execute(
                "INSERT INTO batches (committed_at, origin, received, added, duplicates, quarantined, controls,"
                " lag_p50_ms, lag_p95_ms, lag_max_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    stamp,
                    origin[:500],
                    received if received is not None else len(facts) + len(quarantined) + controls,
                    added,
                    len(facts) - added,
                    held,
                    controls,
                    _percentile(lags, 0.50),
                    _percentile(lags, 0.95),
                    lags[-1] if lags else None,
                ),
            )
        return CommitResult(
            added=added,
            duplicates=len(facts) - added,
            quarantined=held,
            lag_p95_ms=_percentile(lags, 0.95),
            lag_max_ms=lags[-1] if lags else None,
        )

    def processed(self, location: str) -> str | None:
        """The etag recorded for an object already ingested, else None."""
        row = self.conn.execute(
            "SELECT etag FROM processed_objects WHERE location = ?", (location,)
        ).fetchone()
        return str(row[0]) if row else None

    def record_alert(self, name: str, value: float | None, threshold: float | None, message: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO alerts (fired_at, name, value, threshold, message) VALUES (?, ?, ?, ?, ?)",
                (now_ms(), name, value, threshold, message),
            )

    # ---- retention and erasure (also the compliance tooling's API) ------------------------------

    @classmethod
    def _roll(cls, conn: sqlite3.Connection, where: str, params: tuple[object, ...], sign: int) -> None:
        """Add (sign +1) or take away (-1) the events matching ``where`` to/from both rollups."""
        found = conn.execute(_ROLL.format(where=where), params).fetchall()
        conn.executemany(
            "INSERT INTO rollup (hour, event_type, tagset_id, events, hard_bounces) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (hour, event_type, tagset_id) DO UPDATE SET"
            " events = events + excluded.events, hard_bounces = hard_bounces + excluded.hard_bounces",
            [
                (hour, kind, tagset, sign * count, sign * int(hard or 0))
                for hour, kind, tagset, count, hard in found
            ],
        )
        if sign < 0:
            conn.execute("DELETE FROM rollup WHERE events <= 0")
        cls._roll_daily(conn, where, params, sign)

    @staticmethod
    def _roll_daily(conn: sqlite3.Connection, where: str, params: tuple[object, ...], sign: int) -> None:
        if sign > 0:
            conn.execute(_DIMS.format(where=where), params * len(DIM_COLUMNS))
        found = conn.execute(_ROLL_DAILY.format(where=where), params).fetchall()
        conn.executemany(
            _UPSERT_DAILY,
            [(*key, sign * count, sign * int(hard or 0)) for *key, count, hard in found],
        )
        if sign < 0:
            conn.execute("DELETE FROM rollup_daily WHERE events <= 0")

    def rebuild_rollup(self) -> None:
        """Recompute the rollups from the events (after rows were written around commit())."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM rollup")
            conn.execute("DELETE FROM rollup_daily")
            self._roll(conn, "1", (), +1)

    def delete_older_than(self, cutoff_ms: int) -> dict[str, int]:
        """Delete events (by their own time), quarantined records, batch lines and fired alerts
        older than ``cutoff_ms``, taken down to a whole hour (the rollup's unit). Returns how many
        rows of each went."""
        cutoff_ms -= cutoff_ms % HOUR_MS
        removed: dict[str, int] = {}
        with self.transaction() as conn:
            conn.execute("DELETE FROM rollup WHERE hour < ?", (cutoff_ms // HOUR_MS,))
            # Whole days go at once; of the day the cutoff falls in, the hours before it.
            first_day = cutoff_ms // DAY_MS
            conn.execute("DELETE FROM rollup_daily WHERE day < ?", (first_day,))
            self._roll_daily(conn, "event_time >= ? AND event_time < ?", (first_day * DAY_MS, cutoff_ms), -1)
            for table, column in (
                ("events", "event_time"),
                ("quarantine", "received_at"),
                ("batches", "committed_at"),
                ("alerts", "fired_at"),
            ):
                removed[table] = conn.execute(
                    f"DELETE FROM {table} WHERE {column} < ?", (cutoff_ms,)
                ).rowcount
        return removed

    def apply_retention(self, days: int, now: int | None = None) -> dict[str, int]:
        return self.delete_older_than((now if now is not None else now_ms()) - days * 86_400_000)

    def recipient_hash(self, address: str) -> str:
        if not self._has_key:
            raise StoreError("the store is open read-only (hashing needs its key)")
        return self.hasher(address)

    def find_recipient(self, recipient_hash: str) -> list[dict[str, object]]:
        """Every event about one recipient (by hash), oldest first."""
        cursor = self.conn.execute(
            "SELECT message_id, event_type, event_time, configuration_set, template FROM events"
            " WHERE recipient_hash = ? ORDER BY event_time",
            (recipient_hash,),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def erase_recipient_hash(self, recipient_hash: str) -> int:
        with self.transaction() as conn:
            self._roll(conn, "recipient_hash = ?", (recipient_hash,), -1)
            return int(
                conn.execute("DELETE FROM events WHERE recipient_hash = ?", (recipient_hash,)).rowcount
            )

    def erase_recipient(self, address: str) -> dict[str, int]:
        """Erase one person: their events, and quarantined records whose raw bytes contain the
        address (quarantine keeps bytes as received, so it is searched in clear)."""
        hashed = self.recipient_hash(address)
        needle = address.strip().lower().encode()
        with self.transaction() as conn:
            self._roll(conn, "recipient_hash = ?", (hashed,), -1)
            events = conn.execute("DELETE FROM events WHERE recipient_hash = ?", (hashed,)).rowcount
            quarantine = conn.execute(
                "DELETE FROM quarantine WHERE instr(lower(CAST(raw AS TEXT)), CAST(? AS TEXT)) > 0", (needle,)
            ).rowcount
        return {"events": int(events), "quarantine": int(quarantine)}

    # ---- reading ---------------------------------------------------------------------------

    def count(self, table: str = "events") -> int:
        if table not in {"events", "quarantine", "batches", "alerts", "processed_objects"}:
            raise ValueError(table)
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def quarantined(self, limit: int = 20) -> list[dict[str, object]]:
        """The latest quarantined records: id, when, where from, why, size (not the bytes)."""
        cursor = self.conn.execute(
            "SELECT id, received_at, origin, reason, length(raw) FROM quarantine ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        names = ("id", "received_at", "origin", "reason", "bytes")
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def quarantined_raw(self, record_id: int) -> bytes | None:
        row = self.conn.execute("SELECT raw FROM quarantine WHERE id = ?", (record_id,)).fetchone()
        return bytes(row[0]) if row else None

    def status(self) -> dict[str, object]:
        """What is in the store: counts per type, time span, quarantine, the last batch's lag."""
        by_type = dict(
            self.conn.execute("SELECT event_type, count(*) FROM events GROUP BY event_type").fetchall()
        )
        first, last = self.conn.execute("SELECT min(event_time), max(event_time) FROM events").fetchone()
        last_batch = self.conn.execute(
            "SELECT committed_at, origin, lag_p50_ms, lag_p95_ms, lag_max_ms FROM batches"
            " WHERE added > 0 ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return {
            "store": str(self.path),
            "schema_version": self._version(),
            "events": sum(by_type.values()),
            "by_type": by_type,
            "first_event": first,
            "last_event": last,
            "quarantined": self.count("quarantine"),
            "last_batch": None
            if last_batch is None
            else dict(
                zip(
                    ("committed_at", "origin", "lag_p50_ms", "lag_p95_ms", "lag_max_ms"),
                    last_batch,
                    strict=True,
                )
            ),
        }


def _percentile(values: Sequence[int], share: float) -> int | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(share * len(values)))]
