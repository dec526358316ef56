"""The live side of template versions: what SES holds for a template now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.errors import ReconcilerError
from reconciler.kinds.common import tag_dict
from reconciler.kinds.email_template import KIND as EMAIL_TEMPLATE
from reconciler.versions.history import History, TemplateContent, Version
from reconciler.versions.stamps import RevisionStamp, revision_of, stamp_of

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


def live_template(gateway: SesGateway, ses_name: str) -> tuple[TemplateContent, dict[str, str]] | None:
    """The template's parts and tags in SES, or None when SES has no template of that name.
    Read the way plan reads it (the EmailTemplate kind), tags included."""
    found = EMAIL_TEMPLATE.read_live(gateway, [ses_name]).get(ses_name)
    if found is None:
        return None
    return TemplateContent.of_live(found.raw.get("TemplateContent") or {}), tag_dict(found.raw.get("Tags"))


Live = tuple[TemplateContent, dict[str, str]]


def live_status(history: History, found: Live | None) -> dict[str, Any]:
    if found is None:
        return {"state": "absent", "text": f"not in SES (no template named {history.ses_name!r})"}
    live, tags = found
    applied = revision_of(tags)
    if applied is not None and not applied.matches(live.digest):
        applied = None  # changed since that apply (outside sesctl, or by a rollback)
    version = _applied_version(history, applied, live)
    found_by = "revision tag" if version is not None else "content"
    version = version or history.matching(live)
    stamp = stamp_of(tags)
    rollback = stamp if stamp is not None and stamp.matches(live.digest) else None
    if version is None:
        return {"state": "drift", "text": "differs from every version in git (changed outside sesctl)"}
    text = version.label if version.commit is None else f"{version.label} ({version.commit.short})"
    if rollback is not None:
        text += f", rolled back by `sesctl rollback --apply` at {rollback.time}"
    elif applied is not None:
        origin = f"uncommitted changes on {applied.sha}" if applied.dirty else f"commit {applied.sha}"
        text += f", applied by sesctl from {origin} at {applied.time}"
    if version is not history.current:
        text += f"; the manifests declare {history.current.label}: `sesctl plan` shows the change"
    status: dict[str, Any] = {
        "state": "version",
        "version": version.number,
        "rolled_back": rollback is not None,
        "found_by": found_by,
        "text": text,
    }
    if applied is not None:
        status["applied"] = {"commit": applied.sha, "time": applied.time, "uncommitted": applied.dirty}
    return status


def _applied_version(history: History, applied: RevisionStamp | None, live: TemplateContent) -> Version | None:
    """The version current at the commit apply recorded, when its content is what SES holds.
    Two versions with the same content (a revert) are told apart this way; content alone names
    the newest of them."""
    if applied is None or applied.dirty:
        return None
    try:
        version = history.find(applied.sha)
    except ReconcilerError:  # a shallow clone without that commit, or a rewritten history
        return None
    return version if version.content == live else None


__all__ = ["Live", "live_status", "live_template"]
