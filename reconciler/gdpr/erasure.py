"""Erasure: remove a person from every contact list, their events from the store, their
address from checkpoints, and handle the suppression list by an explicit choice.

``suppression="keep"`` leaves the address on SES's account suppression list, so SES goes on
refusing to mail it (a legitimate interest: erasing it would let the next import mail them
again); ``"remove"`` deletes the entry. Checkpoints are pseudonymised (the address becomes its
keyed hash), not deleted: a journal without its rows could not resume a run safely.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reconciler.aws.gateway import SesGateway
from reconciler.errors import UsageError
from reconciler.gdpr.sources import Sources, lines_naming, pseudonymise_file
from reconciler.gdpr.subject import contact_lists, memberships, suppression
from reconciler.sending.masking import mask_email

SUPPRESSION_CHOICES = ("keep", "remove")


def erase(
    gateway: SesGateway,
    addresses: Sequence[str],
    sources: Sources,
    *,
    suppression_choice: str,
    dry_run: bool,
    pseudonym: Callable[[str], str],
) -> dict[str, Any]:
    """The receipt: per subject (masked address and keyed hash) what was (or would be) removed."""
    if suppression_choice not in SUPPRESSION_CHOICES:
        raise UsageError(
            "say what happens to the suppression list: --suppression keep or --suppression remove",
            hint="keep: SES goes on refusing to mail them (recommended); remove: the entry is deleted.",
        )
    lists = list(contact_lists(gateway))
    checkpoints = sources.checkpoint_files()
    subjects = []
    with sources.open_store() as store:
        for address in addresses:
            found = memberships(gateway, address, lists)
            entry = suppression(gateway, address)
            in_checkpoints = {str(p): len(h) for p in checkpoints if (h := lines_naming(p, address))}
            events = len(store.find_recipient(store.recipient_hash(address))) if store is not None else 0
            receipt: dict[str, Any] = {
                "subject": mask_email(address),
                "subject_hash": pseudonym(address),
                "contact_lists": [m["contact_list"] for m in found],
                "events": events,
                "checkpoint_lines": in_checkpoints,
                "suppression": (
                    None if entry is None else ("kept" if suppression_choice == "keep" else "removed")
                ),
            }
            if not dry_run:
                for membership in found:
                    gateway.call(
                        "DeleteContact", ContactListName=membership["contact_list"], EmailAddress=address
                    )
                if store is not None:
                    erased = store.erase_recipient(address)
                    receipt["events"] = erased["events"]
                    receipt["quarantined_records"] = erased["quarantine"]
                for path in in_checkpoints:
                    pseudonymise_file(Path(path), {address.strip().lower(): pseudonym(address)})
                if entry is not None and suppression_choice == "remove":
                    gateway.call("DeleteSuppressedDestination", EmailAddress=address)
            subjects.append(receipt)
    return {"dry_run": dry_run, "suppression": suppression_choice, "subjects": subjects}


__all__ = ["SUPPRESSION_CHOICES", "erase"]
