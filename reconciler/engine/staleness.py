"""What a plan with a refresh budget did not re-read, and how old its picture of those objects is.

A :class:`Refresh` travels in the plan (``refresh`` in its JSON form, present only when a budget
was given) and is shown by the text and Markdown renderers. States of an object left unread:

    in_sync           the cache says it matched the manifests when last seen (drift since then
                      is not detected until its turn comes)
    differs           the cache says it differed: its change is NOT in this plan
    unknown           never read (or its entry expired): whether it matches is unknown
    not_in_manifests  live, not declared here: left out of the unmanaged / pending-prune lists
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

IN_SYNC = "in_sync"
DIFFERS = "differs"
UNKNOWN = "unknown"
NOT_IN_MANIFESTS = "not_in_manifests"
STATES = (DIFFERS, UNKNOWN, IN_SYNC, NOT_IN_MANIFESTS)


@dataclass(frozen=True)
class Unrefreshed:
    address: str
    state: str
    read_at: float | None = None  # when it was last seen (seconds since the epoch), None: never
    by: str | None = None  # "read" or "apply": how it was last seen

    def age(self, now: float) -> float | None:
        return None if self.read_at is None else max(0.0, now - self.read_at)


@dataclass(frozen=True)
class Refresh:
    budget_seconds: float
    made_at: float  # seconds since the epoch
    refreshed: int  # objects of the budgeted kinds read by this plan
    unrefreshed: tuple[Unrefreshed, ...] = ()
    cache: str = ""  # the cache file used
    cache_reset: str = ""  # why an existing cache file was ignored

    @property
    def complete(self) -> bool:
        """Whether every object was read (nothing below comes from the cache)."""
        return not self.unrefreshed

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for item in self.unrefreshed:
            counts[item.state] = counts.get(item.state, 0) + 1
        return counts

    def oldest(self) -> Unrefreshed | None:
        """The unrefreshed object seen longest ago (never-read objects count as oldest)."""
        if not self.unrefreshed:
            return None
        return min(self.unrefreshed, key=lambda u: (u.read_at is not None, u.read_at or 0.0, u.address))

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget_seconds": self.budget_seconds,
            "made_at": iso(self.made_at),
            "refreshed": self.refreshed,
            "complete": self.complete,
            "counts": self.counts(),
            "cache": self.cache,
            "cache_reset": self.cache_reset,
            "not_refreshed": [
                {
                    "address": u.address,
                    "state": u.state,
                    "read_at": None if u.read_at is None else iso(u.read_at),
                    "age_seconds": None if u.read_at is None else round(u.age(self.made_at) or 0.0),
                    "by": u.by,
                }
                for u in self.unrefreshed
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Refresh:
        return cls(
            budget_seconds=float(data.get("budget_seconds", 0.0)),
            made_at=parse_iso(data.get("made_at")) or 0.0,
            refreshed=int(data.get("refreshed", 0)),
            unrefreshed=tuple(
                Unrefreshed(str(u["address"]), str(u["state"]), parse_iso(u.get("read_at")), u.get("by"))
                for u in data.get("not_refreshed", [])
            ),
            cache=str(data.get("cache", "")),
            cache_reset=str(data.get("cache_reset", "")),
        )


_SAY = {
    DIFFERS: "differed from the manifests when last seen: their changes are NOT in this plan",
    UNKNOWN: "never read (or seen too long ago): whether they match the manifests is unknown",
    IN_SYNC: "matched the manifests when last seen: drift since then is found when their turn comes",
    NOT_IN_MANIFESTS: "are not in the manifests: left out of the unmanaged and prune lists",
}
_MARK = {DIFFERS: "!", UNKNOWN: "?", IN_SYNC: "=", NOT_IN_MANIFESTS: "."}


def headline(refresh: Refresh) -> str:
    """One sentence: how much was re-read, and whether the plan used cached data."""
    budget = human_age(refresh.budget_seconds)
    if refresh.complete:
        return f"Refresh budget {budget}: every object was re-read ({refresh.refreshed:,} from the budgeted kinds)."
    oldest = refresh.oldest()
    age = human_age(oldest.age(refresh.made_at)) if oldest is not None else ""
    return (
        f"Stale data: refresh budget {budget}; re-read {refresh.refreshed:,}, "
        f"not re-read {len(refresh.unrefreshed):,} (their state comes from the live cache; "
        f"oldest: {age if oldest is not None and oldest.read_at is not None else 'never read'})."
    )


def summary_lines(refresh: Refresh) -> list[str]:
    """One line per state of the objects not re-read, and why the cache was reset, if it was."""
    lines = [f"{count:,} {_SAY[state]}" for state, count in refresh.counts().items() if count]
    if refresh.cache_reset:
        lines.append(f"The live cache was started afresh: {refresh.cache_reset}.")
    return lines


def listing(refresh: Refresh, limit: int) -> tuple[list[tuple[str, str, str]], int]:
    """The first ``limit`` objects not re-read, most urgent first, as (mark, address, what is
    known of it), and how many more there are."""
    items = [
        (
            _MARK[u.state],
            u.address,
            "never read"
            if u.read_at is None
            else f"{u.state.replace('_', ' ')}, seen {human_age(u.age(refresh.made_at))} ago"
            + (" (by our apply)" if u.by == "apply" else ""),
        )
        for u in refresh.unrefreshed[:limit]
    ]
    return items, len(refresh.unrefreshed) - len(items)


def detail_lines(refresh: Refresh, limit: int) -> list[str]:
    """The summary lines, then the listing as text."""
    items, more = listing(refresh, limit)
    lines = summary_lines(refresh) + [f"{mark} {address}  {what}" for mark, address, what in items]
    if more > 0:
        lines.append(f"... and {more:,} more (the JSON plan lists them all)")
    return lines


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def human_age(seconds: float | None) -> str:
    """``3h 12m``, ``2d 4h``, ``45s``; ``never read`` for None."""
    if seconds is None:
        return "never read"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m {secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


__all__ = [
    "DIFFERS",
    "IN_SYNC",
    "NOT_IN_MANIFESTS",
    "STATES",
    "UNKNOWN",
    "Refresh",
    "Unrefreshed",
    "detail_lines",
    "headline",
    "human_age",
    "iso",
    "listing",
    "summary_lines",
]
