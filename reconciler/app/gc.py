"""`sesctl gc`: apply sesctl.yaml's ``retention:`` to the event store, the audit trail and send
journals. Deletes exactly what is older than each period; a dry run counts without deleting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler import audit
from reconciler.gdpr.sources import Sources
from reconciler.manifest.compliance import RetentionConfig
from reconciler.manifest.project import Project
from reconciler.sending.checkpoint import CheckpointError, CheckpointLock

DAY_MS = 86_400_000


def iso_ms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def retention_of(root: Path) -> tuple[Project | None, RetentionConfig]:
    """The project at ``root`` (if any) and its retention periods (the defaults without one)."""
    project = audit.project_at(root)
    config = project.config.retention if project is not None and project.config is not None else None
    return project, config or RetentionConfig()


def collect_garbage(
    root: Path,
    *,
    store: Path,
    checkpoints: Sequence[Path] = (),
    dry_run: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What went (or would go), per kind of data, under the project's retention periods."""
    project, retention = retention_of(root)
    moment = now or datetime.now(UTC)
    report: dict[str, Any] = {"dry_run": dry_run, "retention": retention.model_dump(by_alias=True)}
    trail = audit.trail_for(project, root)
    with audit.operation("gc", {"dry_run": dry_run, "retention": report["retention"]}, project=project, root=root, trail=trail) as entry:
        if retention.events is not None and store.is_file():
            report["events"] = _events(store, moment, retention.events, dry_run)
        if retention.journals is not None and checkpoints:
            report["journals"] = _journals(checkpoints, moment, retention.journals, dry_run)
        if retention.audit is not None:
            cutoff = iso_ms(moment - timedelta(days=retention.audit))
            old = sum(1 for e in trail.entries() if str(e.get("ts", "")) < cutoff)
            report["audit_entries"] = old if dry_run else trail.prune(cutoff)
        entry.set(removed={k: v for k, v in report.items() if k not in ("dry_run", "retention")})
    return report


def _events(store: Path, moment: datetime, days: int, dry_run: bool) -> dict[str, int]:
    from reconciler.events.store import EventStore

    cutoff = int(moment.timestamp() * 1000) - days * DAY_MS
    with EventStore.open(store, readonly=dry_run) as opened:
        if dry_run:
            row = opened.conn.execute("SELECT count(*) FROM events WHERE event_time < ?", (cutoff,)).fetchone()
            return {"events": int(row[0])}
        return opened.delete_older_than(cutoff)


def _journals(paths: Sequence[Path], moment: datetime, days: int, dry_run: bool) -> dict[str, Any]:
    cutoff = moment.timestamp() - days * 86_400
    removed: list[str] = []
    in_use: list[str] = []
    for path in Sources(None, paths).checkpoint_files():
        if path.stat().st_mtime >= cutoff:
            continue
        if dry_run:
            removed.append(str(path))
            continue
        try:
            with CheckpointLock(path):  # a run still using it keeps it
                path.unlink()
                removed.append(str(path))
        except CheckpointError:
            in_use.append(str(path))
    return {"removed": removed, "in_use": in_use}


__all__ = ["DAY_MS", "collect_garbage", "iso_ms"]

