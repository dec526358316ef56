"""Reading the trail back: filters for `sesctl audit show` and a one-line summary per entry."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reconciler.audit.actor import actor_names
from reconciler.errors import UsageError

_RELATIVE = re.compile(r"^(\d{1,6})([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str, *, now: datetime | None = None, option: str = "--since") -> datetime:
    """``2026-12-01``, ``2026-12-01T10:00:00Z`` or a duration back from now (``90m``, ``7d``)."""
    now = now or datetime.now(UTC)
    value = text.strip()
    relative = _RELATIVE.match(value)
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} {text!r} is not a date or a duration",
            hint="Use an ISO date (2026-12-01, 2026-12-01T10:00:00Z) or a duration (30m, 24h, 7d).",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def entry_time(entry: Mapping[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(entry.get("ts", "")).replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class Filter:
    since: datetime | None = None
    until: datetime | None = None
    kinds: frozenset[str] = frozenset()
    actor: str | None = None

    def __call__(self, entry: Mapping[str, Any]) -> bool:
        if self.kinds and entry.get("kind") not in self.kinds:
            return False
        moment = entry_time(entry)
        if self.since and (moment is None or moment < self.since):
            return False
        if self.until and (moment is None or moment > self.until):
            return False
        if self.actor:
            actor = entry.get("actor")
            names = actor_names(actor) if isinstance(actor, Mapping) else []
            if not any(self.actor.lower() in name.lower() for name in names):
                return False
        return True


def select(entries: Iterable[dict[str, Any]], keep: Filter) -> Iterator[dict[str, Any]]:
    return (entry for entry in entries if keep(entry))


def summary(entry: Mapping[str, Any]) -> str:
    """``2026-12-05T04:10:00.000Z  #12  apply  finished ok  ada  (3 changes)``"""
    actor = entry.get("actor")
    names = actor_names(actor) if isinstance(actor, Mapping) else []
    phase = str(entry.get("phase", ""))
    state = phase if phase != "finished" else f"finished {entry.get('outcome', '?')}"
    parts = [str(entry.get("ts", "?")), f"#{entry.get('seq', '?')}", str(entry.get("kind", "?")), state]
    parts.append(names[-1] if names else "unknown")
    notes = []
    if isinstance(entry.get("changes"), list):
        notes.append(f"{len(entry['changes'])} changes")
    result = entry.get("result")
    if isinstance(result, Mapping) and isinstance(result.get("counts"), Mapping):
        notes.append(", ".join(f"{k} {v}" for k, v in sorted(result["counts"].items())))
    if entry.get("error"):
        notes.append(str(entry["error"])[:120])
    line = "  ".join(parts)
    return line + (f"  ({'; '.join(notes)})" if notes else "")


__all__ = ["Filter", "entry_time", "parse_moment", "select", "summary"]
