"""What a DNS check found for one record: its status and the values DNS answered.

Apart from reconciler/dns/check.py (which asks DNS, through dnspython) so that the readiness
rules, and the plans that judge them, read findings without importing a resolver.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.dns.records import Record

OK, MISSING, WRONG, CONFLICTING, UNKNOWN = "ok", "missing", "wrong", "conflicting", "unknown"


@dataclass
class Finding:
    record: Record
    status: str
    found: list[str] = field(default_factory=list)
    message: str = ""

    def as_dict(self) -> dict[str, object]:
        return {**self.record.as_dict(), "status": self.status, "found": self.found, "message": self.message}


__all__ = ["CONFLICTING", "MISSING", "OK", "UNKNOWN", "WRONG", "Finding"]
