"""The GDPR use cases: subject access (export) and erasure, audited with the address hashed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reconciler import audit
from reconciler.app.connect import connect
from reconciler.errors import UsageError
from reconciler.gdpr import Sources, erase, subject_access
from reconciler.sending.addresses import is_address
from reconciler.settings import Settings


def _checked(addresses: Sequence[str]) -> list[str]:
    if not addresses:
        raise UsageError("name at least one address (or --file)")
    bad = [a for a in addresses if not is_address(a.strip())]
    if bad:
        from reconciler.sending.masking import mask_email

        raise UsageError(f"not an email address: {', '.join(mask_email(b) for b in bad[:5])}")
    return list(dict.fromkeys(a.strip() for a in addresses))


def export(settings: Settings, addresses: Sequence[str], sources: Sources) -> dict[str, Any]:
    subjects = _checked(addresses)
    project = audit.project_at(Path("."))
    with connect(settings) as conn:
        with audit.operation("gdpr", {"action": "export"}, project=project) as entry:
            entry.set(subjects=entry.hash_addresses(subjects))
            return subject_access(conn.gateway, subjects, sources)


def erase_subjects(
    settings: Settings, addresses: Sequence[str], sources: Sources, *, suppression: str, dry_run: bool
) -> dict[str, Any]:
    subjects = _checked(addresses)
    project = audit.project_at(Path("."))
    with connect(settings) as conn:
        details = {"action": "erase", "dry_run": dry_run, "suppression": suppression}
        with audit.operation("gdpr", details, project=project) as entry:
            entry.identify(aws=conn.gateway.caller_arn())
            receipt = erase(
                conn.gateway,
                subjects,
                sources,
                suppression_choice=suppression,
                dry_run=dry_run,
                pseudonym=entry.hash_address,
            )
            entry.set(receipt=[{k: v for k, v in s.items() if k != "subject"} for s in receipt["subjects"]])
            return receipt


__all__ = ["erase_subjects", "export"]
