"""The event store's schema and its migrations.

The schema version is SQLite's ``user_version``. ``MIGRATIONS[n]`` takes a store from version
``n`` to ``n + 1``; a store newer than this code is refused rather than written to. Add a
migration at the end, never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: the first schema
    """
    CREATE TABLE meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    -- Tag sets are shared: a campaign's messages all carry the same tags, so an event holds the
    -- id of its set and filtering by a tag is a lookup in tagset_tags.
    CREATE TABLE tagsets (
        id INTEGER PRIMARY KEY,
        digest BLOB NOT NULL UNIQUE,
        tags TEXT NOT NULL
    );
    CREATE TABLE tagset_tags (
        tagset_id INTEGER NOT NULL REFERENCES tagsets(id),
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (name, value, tagset_id)
    ) WITHOUT ROWID;
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        event_key BLOB NOT NULL UNIQUE,
        message_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        event_time INTEGER NOT NULL,
        sent_time INTEGER,
        committed_at INTEGER NOT NULL,
        recipient_hash TEXT,
        recipient_domain TEXT,
        configuration_set TEXT,
        template TEXT,
        variant TEXT,
        from_domain TEXT,
        tagset_id INTEGER REFERENCES tagsets(id),
        bounce_type TEXT,
        bounce_subtype TEXT,
        status TEXT,
        diagnostic TEXT,
        feedback_type TEXT,
        reason TEXT,
        link TEXT,
        contact_list TEXT,
        detail TEXT
    );
    CREATE INDEX events_time ON events (event_time);
    CREATE INDEX events_recipient ON events (recipient_hash);
    CREATE INDEX events_message ON events (message_id);
    -- The same unreadable record delivered twice is kept once (digest of its bytes).
    CREATE TABLE quarantine (
        id INTEGER PRIMARY KEY,
        digest BLOB NOT NULL UNIQUE,
        received_at INTEGER NOT NULL,
        origin TEXT NOT NULL,
        reason TEXT NOT NULL,
        raw BLOB NOT NULL
    );
    CREATE INDEX quarantine_time ON quarantine (received_at);
    -- S3 objects (and files) already ingested, recorded in the same transaction as their events,
    -- so a consumer stopped at any point resumes without reading an object twice.
    CREATE TABLE processed_objects (
        location TEXT PRIMARY KEY,
        etag TEXT NOT NULL,
        processed_at INTEGER NOT NULL
    );
    CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        committed_at INTEGER NOT NULL,
        origin TEXT NOT NULL,
        received INTEGER NOT NULL,
        added INTEGER NOT NULL,
        duplicates INTEGER NOT NULL,
        quarantined INTEGER NOT NULL,
        controls INTEGER NOT NULL,
        lag_p50_ms INTEGER,
        lag_p95_ms INTEGER,
        lag_max_ms INTEGER
    );
    CREATE INDEX batches_time ON batches (committed_at);
    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        fired_at INTEGER NOT NULL,
        name TEXT NOT NULL,
        value REAL,
        threshold REAL,
        message TEXT NOT NULL
    );
    CREATE INDEX alerts_time ON alerts (fired_at);
    """,
    # 1 -> 2: analytics read (time, type, tag set) from an index instead of the rows, and find
    # one type's events (bounces) in a range without a scan
    """
    DROP INDEX events_time;
    CREATE INDEX events_time ON events (event_time, event_type, tagset_id);
    CREATE INDEX events_type_time ON events (event_type, event_time);
    """,
    # 2 -> 3: an hourly rollup (type x tag set) kept in step with events by the store, so
    # analytics by day, hour, tag or in total read a few thousand rows instead of every event;
    # the time index also covers the recipient domain (grouping by it reads no table row)
    """
    CREATE TABLE rollup (
        hour INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        tagset_id INTEGER NOT NULL,
        events INTEGER NOT NULL,
        hard_bounces INTEGER NOT NULL,
        PRIMARY KEY (hour, event_type, tagset_id)
    ) WITHOUT ROWID;
    INSERT INTO rollup (hour, event_type, tagset_id, events, hard_bounces)
        SELECT event_time / 3600000, event_type, coalesce(tagset_id, 0), count(*),
               sum(event_type = 'bounce' AND bounce_type = 'Permanent'
                   AND coalesce(bounce_subtype, '') <> 'OnAccountSuppressionList')
        FROM events GROUP BY 1, 2, 3;
    DROP INDEX events_time;
    CREATE INDEX events_time ON events (event_time, event_type, tagset_id, recipient_domain);
    """,
    # 3 -> 4: a daily rollup by the event columns analytics group by (recipient domain,
    # configuration set, template, variant), their values integer-encoded in dims (id 0: none),
    # so those groupings read rollup rows instead of every event; bounces found through a
    # partial index (one row per bounce instead of one per event), and no index on message_id
    # (nothing looks events up by it), so each insert writes two fewer index entries
    """
    CREATE TABLE dims (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        UNIQUE (kind, value)
    );
    CREATE TABLE rollup_daily (
        day INTEGER NOT NULL,
        event_type TEXT NOT NULL,
        tagset_id INTEGER NOT NULL,
        recipient_domain_id INTEGER NOT NULL,
        configuration_set_id INTEGER NOT NULL,
        template_id INTEGER NOT NULL,
        variant_id INTEGER NOT NULL,
        events INTEGER NOT NULL,
        hard_bounces INTEGER NOT NULL,
        PRIMARY KEY (day, event_type, tagset_id, recipient_domain_id, configuration_set_id, template_id, variant_id)
    ) WITHOUT ROWID;
    INSERT OR IGNORE INTO dims (kind, value)
        SELECT 'recipient_domain', recipient_domain FROM events WHERE recipient_domain IS NOT NULL
        UNION SELECT 'configuration_set', configuration_set FROM events WHERE configuration_set IS NOT NULL
        UNION SELECT 'template', template FROM events WHERE template IS NOT NULL
        UNION SELECT 'variant', variant FROM events WHERE variant IS NOT NULL;
    INSERT INTO rollup_daily
        SELECT e.event_time / 86400000, e.event_type, coalesce(e.tagset_id, 0), coalesce(d.id, 0),
               coalesce(c.id, 0), coalesce(t.id, 0), coalesce(v.id, 0), count(*),
               coalesce(sum(e.event_type = 'bounce' AND coalesce(e.bounce_type, '') = 'Permanent'
                   AND coalesce(e.bounce_subtype, '') <> 'OnAccountSuppressionList'), 0)
        FROM events e
        LEFT JOIN dims d ON d.kind = 'recipient_domain' AND d.value = e.recipient_domain
        LEFT JOIN dims c ON c.kind = 'configuration_set' AND c.value = e.configuration_set
        LEFT JOIN dims t ON t.kind = 'template' AND t.value = e.template
        LEFT JOIN dims v ON v.kind = 'variant' AND v.value = e.variant
        GROUP BY 1, 2, 3, 4, 5, 6, 7;
    DROP INDEX events_type_time;
    CREATE INDEX events_bounce_time ON events (event_time) WHERE event_type = 'bounce';
    DROP INDEX events_message;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
