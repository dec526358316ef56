"""The tamper-evident audit trail (docs/compliance.md).

    from reconciler import audit

    with audit.operation("apply", {"plan_checksum": checksum}, project=project) as op:
        ...                                # runs only once the "started" entry is written
        op.change("ConfigurationSet/transactional", "create", "done")

`sesctl audit verify` checks the hash chain (and HMAC, and head); `sesctl audit show` reads it.
"""

from __future__ import annotations

from reconciler.audit.chain import Verdict, verify
from reconciler.audit.operation import Operation
from reconciler.audit.setup import LOG_ENV, audited, operation, project_at, trail_for, trail_path
from reconciler.audit.trail import AuditError, AuditTrail

__all__ = [
    "LOG_ENV",
    "AuditError",
    "AuditTrail",
    "Operation",
    "Verdict",
    "audited",
    "operation",
    "project_at",
    "trail_for",
    "trail_path",
    "verify",
]
