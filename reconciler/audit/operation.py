"""An audited operation: a "started" entry before anything changes, an outcome entry after.

    with audit.operation("apply", {"plan_checksum": plan.checksum}) as op:
        op.identify(aws=caller_arn)               # when the AWS caller is known
        for outcome in applier.apply(...):
            op.change(outcome.address, outcome.action, outcome.status)
        op.set(summary="3 done")                  # anything else for the outcome entry

If the "started" entry cannot be written (disk, lock, sink) the block never runs: an
AuditError is raised before the operation changes anything. The outcome entry records "ok",
"failed" (with the error's type and masked message) or what ``op.outcome`` was set to, and
shares the started entry's ``operation`` id, so `audit show` can pair them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from reconciler.audit.actor import who
from reconciler.audit.secrets import address_hash
from reconciler.audit.trail import AuditError, AuditTrail, now_iso
from reconciler.sending.masking import mask_text

MAX_CHANGES = 2000  # an entry stays a line, not a file; the rest is counted
MAX_ERROR_CHARS = 500


class Operation:
    def __init__(
        self,
        trail: AuditTrail,
        kind: str,
        details: Mapping[str, Any] | None = None,
        *,
        root: Path | None = None,
        address_key: bytes | None = None,
        actor: Mapping[str, Any] | None = None,
        git: Mapping[str, Any] | None = None,
    ) -> None:
        self.trail = trail
        self.kind = kind
        self.details = dict(details or {})
        self.id = uuid.uuid4().hex
        self.outcome: str | None = None
        self.result: dict[str, Any] = {}
        self.changes: list[dict[str, Any]] = []
        self._dropped_changes = 0
        self._address_key = address_key
        root = root or Path.cwd()
        self.actor = dict(actor) if actor is not None else who(root)
        if git is not None:
            self.git = dict(git)
        else:
            from reconciler.audit.actor import git_facts

            self.git = {k: v for k, v in git_facts(root).items() if k != "author"}
        self.started: dict[str, Any] | None = None
        self.finished: dict[str, Any] | None = None

    def identify(self, *, aws: str | None = None) -> None:
        """Record the AWS caller identity (an ARN) once the operation knows it."""
        if aws:
            self.actor["aws"] = aws

    def set(self, **fields: Any) -> None:
        """Fields for the outcome entry (already masked or hashed: nothing personal in clear)."""
        self.result.update(fields)

    def change(self, address: str, action: str, outcome: str, message: str | None = None) -> None:
        if len(self.changes) >= MAX_CHANGES:
            self._dropped_changes += 1
            return
        change = {"address": address, "action": action, "outcome": outcome}
        if message:
            change["message"] = mask_text(message)[:MAX_ERROR_CHARS]
        self.changes.append(change)

    def hash_address(self, address: str) -> str:
        if self._address_key is None:
            raise AuditError("no key to hash addresses with (the operation was built without one)")
        return address_hash(address, self._address_key)

    def hash_addresses(self, addresses: Iterable[str]) -> list[str]:
        return sorted({self.hash_address(a) for a in addresses})

    def _record(self, phase: str) -> dict[str, Any]:
        record: dict[str, Any] = {
            "ts": now_iso(),
            "kind": self.kind,
            "phase": phase,
            "operation": self.id,
            "actor": self.actor,
        }
        if self.git:
            record["git"] = self.git
        return record

    def __enter__(self) -> Operation:
        record = self._record("started")
        if self.details:
            record["details"] = self.details
        self.started = self.trail.append(record)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        record = self._record("finished")
        if error is None:
            record["outcome"] = self.outcome or "ok"
        elif isinstance(error, KeyboardInterrupt):
            record["outcome"] = "interrupted"
        else:
            record["outcome"] = self.outcome if self.outcome not in (None, "ok") else "failed"
            record["error"] = f"{type(error).__name__}: {mask_text(str(error))[:MAX_ERROR_CHARS]}"
        if self.changes:
            record["changes"] = self.changes
        if self._dropped_changes:
            record["changes_not_listed"] = self._dropped_changes
        if self.result:
            record["result"] = self.result
        try:
            self.finished = self.trail.append(record)
        except AuditError as exc:
            if error is not None:
                return  # the operation's own error is the one to show; the trail shows "started"
            raise AuditError(
                f"the {self.kind} finished, but its outcome could not be written to the audit trail: {exc}",
                hint="The trail has its 'started' entry; record the outcome by hand and fix the trail.",
            ) from None


__all__ = ["Operation"]
