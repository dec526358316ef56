"""An experiment's counts per variant, read from the event store.

`sesctl send --experiment NAME` tags every message ``sesctl-experiment=NAME`` and
``sesctl-variant=<variant>``; the consumer stores those tags with each event. A variant's
trials are its *delivered* messages and its successes the delivered messages with at least one
open, one click, or one click on the conversion link: each message counts once however often it
was opened or clicked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import UsageError
from reconciler.events.store import EventStore
from reconciler.experiments.stats import Arm

EXPERIMENT_TAG = "sesctl-experiment"
METRICS = ("open", "click", "conversion")


@dataclass(frozen=True)
class VariantCounts:
    name: str
    sends: int = 0
    deliveries: int = 0
    opens: int = 0
    clicks: int = 0
    conversions: int = 0
    bounces: int = 0
    complaints: int = 0

    def successes(self, metric: str) -> int:
        return {"open": self.opens, "click": self.clicks, "conversion": self.conversions}[metric]

    def as_dict(self) -> dict[str, int | str]:
        return dict(self.__dict__)


_COUNTS = """
SELECT e.variant, e.event_type, COUNT(DISTINCT e.message_id)
  FROM events e JOIN tagset_tags t ON t.tagset_id = e.tagset_id
 WHERE t.name = ? AND t.value = ?
 GROUP BY e.variant, e.event_type
"""
_CONVERSIONS = """
SELECT e.variant, COUNT(DISTINCT e.message_id)
  FROM events e JOIN tagset_tags t ON t.tagset_id = e.tagset_id
 WHERE t.name = ? AND t.value = ? AND e.event_type = 'click' AND substr(e.link, 1, ?) = ?
 GROUP BY e.variant
"""


def read_counts(store: Path, experiment: str, variants: Sequence[str], conversion_link: str | None = None) -> list[VariantCounts]:
    """Counts for each of ``variants`` (in that order; absent variants count zero)."""
    try:
        with EventStore.open(store, readonly=True) as opened:  # refuses a missing or foreign file
            rows = opened.conn.execute(_COUNTS, (EXPERIMENT_TAG, experiment)).fetchall()
            conversions = (
                opened.conn.execute(
                    _CONVERSIONS, (EXPERIMENT_TAG, experiment, len(conversion_link), conversion_link)
                ).fetchall()
                if conversion_link
                else []
            )
    except sqlite3.Error as exc:
        raise UsageError(f"{store} is not a readable event store: {exc}") from None
    table: dict[str, dict[str, int]] = {name: {} for name in variants}
    for variant, event_type, count in rows:
        if variant in table:
            table[variant][event_type] = int(count)
    converted = {variant: int(count) for variant, count in conversions}
    return [
        VariantCounts(
            name,
            sends=table[name].get("send", 0),
            deliveries=table[name].get("delivery", 0),
            opens=table[name].get("open", 0),
            clicks=table[name].get("click", 0),
            conversions=converted.get(name, 0),
            bounces=table[name].get("bounce", 0),
            complaints=table[name].get("complaint", 0),
        )
        for name in variants
    ]


def arms(counts: Sequence[VariantCounts], metric: str) -> list[Arm]:
    if metric not in METRICS:
        raise UsageError(f"unknown metric {metric!r}: one of {', '.join(METRICS)}")
    return [Arm(c.name, min(c.successes(metric), c.deliveries), c.deliveries) for c in counts]


__all__ = ["EXPERIMENT_TAG", "METRICS", "VariantCounts", "arms", "read_counts"]
