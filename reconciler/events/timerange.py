"""Moments on the command line: ``2026-11-28``, ``2026-11-28T06:00Z``, or an age such as
``90m``, ``24h``, ``7d`` (that long before now)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from reconciler.errors import UsageError

_AGE = re.compile(r"^(\d{1,6})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str, option: str, now: datetime | None = None) -> datetime:
    """A UTC datetime from an ISO date/time or an age; UsageError naming ``option`` otherwise."""
    value = text.strip()
    now = now or datetime.now(UTC)
    if value == "now":
        return now
    age = _AGE.match(value)
    if age:
        return now - timedelta(**{_UNITS[age.group(2)]: int(age.group(1))})
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: expected a date (2026-11-28), a time (2026-11-28T06:00Z) or an age (24h, 7d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
