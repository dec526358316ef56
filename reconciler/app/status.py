"""`sesctl status`: one overview of the data sesctl keeps and its retention (docs/compliance.md).

For each kind of data under ``retention:`` (events, audit entries, send journals): the period,
how much is held, how old the oldest is and how much is already past the period (what the next
`sesctl gc` would remove); when gc last ran (from the audit trail); and the audit chain's head.
Reads only: nothing is written, not even an audit entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler import audit
from reconciler.app.gc import DAY_MS, iso_ms, retention_of
from reconciler.gdpr.sources import Sources


def _age_days(oldest: datetime | None, now: datetime) -> float | None:
    return None if oldest is None else round((now - oldest).total_seconds() / 86_400, 1)


def overview(
    root: Path,
    *,
    store: Path,
    checkpoints: Sequence[Path] = (),
    verify: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    project, retention = retention_of(root)
    moment = now or datetime.now(UTC)
    trail = audit.trail_for(project, root, with_sinks=False)
    return {
        "project": str(project.path) if project is not None else None,
        "retention": retention.model_dump(by_alias=True),
        "events": _events(store, retention.events, moment),
        "audit": _audit(trail, retention.audit, moment, verify),
        "journals": _journals(checkpoints, retention.journals, moment),
        "gc": _last_gc(trail),
    }


def _events(store: Path, days: int | None, now: datetime) -> dict[str, Any]:
    from reconciler.events.store import EventStore

    report: dict[str, Any] = {"store": str(store), "retention_days": days}
    if not store.is_file():
        return {**report, "present": False}
    with EventStore.open(store, readonly=True) as opened:
        status = opened.status()
        past = None
        if days is not None:
            cutoff = int(now.timestamp() * 1000) - days * DAY_MS
            past = int(opened.conn.execute("SELECT count(*) FROM events WHERE event_time < ?", (cutoff,)).fetchone()[0])
    first = status.get("first_event")
    oldest = datetime.fromtimestamp(first / 1000, UTC) if isinstance(first, int) else None
    return {
        **report,
        "present": True,
        "events": status["events"],
        "quarantined": status["quarantined"],
        "bytes": store.stat().st_size,
        "oldest": iso_ms(oldest) if oldest else None,
        "oldest_age_days": _age_days(oldest, now),
        "past_retention": past,
    }


def _audit(trail: audit.AuditTrail, days: int | None, now: datetime, verify: bool) -> dict[str, Any]:
    report: dict[str, Any] = {"path": str(trail.path), "retention_days": days, "signed": trail.key is not None}
    if not trail.path.is_file():
        return {**report, "present": False}
    count = 0
    oldest: str | None = None
    past = 0
    cutoff = iso_ms(now - timedelta(days=days)) if days is not None else None
    for entry in trail.entries():
        count += 1
        stamp = str(entry.get("ts", ""))
        if oldest is None or stamp < oldest:
            oldest = stamp
        if cutoff is not None and stamp < cutoff:
            past += 1
    head = trail.head()
    anchor = trail.anchor()
    report.update(
        present=True,
        entries=count,
        bytes=trail.path.stat().st_size,
        oldest=oldest,
        oldest_age_days=_age_days(_parse(oldest), now),
        past_retention=past if days is not None else None,
        head={"seq": head.get("seq"), "hash": head.get("hash")} if head else None,
        starts_at_seq=anchor.get("seq") if anchor else 0,
    )
    if verify:
        verdict = trail.verify()
        report["verified"] = {"ok": verdict.ok, "entries": verdict.entries, "line": verdict.line, "reason": verdict.reason, "hmac_checked": verdict.signed}
    return report


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


def _journals(paths: Sequence[Path], days: int | None, now: datetime) -> dict[str, Any]:
    report: dict[str, Any] = {"retention_days": days, "searched": [str(p) for p in paths]}
    if not paths:
        return {**report, "present": False}
    files = Sources(None, paths).checkpoint_files()
    stamps = [f.stat().st_mtime for f in files]
    oldest = datetime.fromtimestamp(min(stamps), UTC) if stamps else None
    cutoff = now.timestamp() - days * 86_400 if days is not None else None
    return {
        **report,
        "present": True,
        "journals": len(files),
        "bytes": sum(f.stat().st_size for f in files),
        "oldest": iso_ms(oldest) if oldest else None,
        "oldest_age_days": _age_days(oldest, now),
        "past_retention": sum(1 for s in stamps if s < cutoff) if cutoff is not None else None,
    }


def _last_gc(trail: audit.AuditTrail) -> dict[str, Any] | None:
    """The last finished `sesctl gc` run in the trail (a dry run included, and said so)."""
    last: dict[str, Any] | None = None
    for entry in trail.entries():
        if entry.get("kind") == "gc" and entry.get("phase") == "finished":
            last = entry
    if last is None:
        return None
    result = last.get("result") or {}
    return {
        "ts": last.get("ts"),
        "seq": last.get("seq"),
        "outcome": last.get("outcome"),
        "dry_run": bool((last.get("details") or {}).get("dry_run")),
        "removed": result.get("removed"),
    }


__all__ = ["overview"]
