"""What sesctl remembers on a template in SES, as ``sesctl:`` tags every later run can see.

Which revision apply put there: after each EmailTemplate it creates or updates, apply tags it
``sesctl:revision`` with the git commit it applied from, the time and a digest of the content.
`sesctl history` then names the live version by that commit while the digest still matches
what SES holds (two versions with the same content are told apart this way); where the tag is
missing or no longer matches (changed outside sesctl, tags lost), it finds the version by content.

A break-glass rollback, remembered where every later run can see it: on the template in SES.

`sesctl rollback --apply` tags the live template ``sesctl:rolled-back-to`` with the version,
its commit, the time and a digest of the content it put back. As long as SES still holds that
content, plans (and so `sesctl plan`, the drift issue, the MCP get_drift and `sesctl history`)
say the template was rolled back instead of showing plain drift; a later apply changes the
content and the stamp no longer matches, so it is ignored from then on. Tags under ``sesctl:``
are sesctl's own: they are not part of the compared form and cause no diff.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Self

from reconciler.errors import ReconcilerError
from reconciler.kinds.base import LiveObject, Risk
from reconciler.kinds.common import tag_dict
from reconciler.versions.history import TemplateContent

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway
    from reconciler.engine.plan import Plan

ROLLED_BACK_TAG = "sesctl:rolled-back-to"
REVISION_TAG = "sesctl:revision"
KIND = "EmailTemplate"
_WRITTEN = ("create", "update", "replace (create)")


class _TagStamp:
    """A tag value: the dataclass fields in order, space-separated (none holds a space), the
    content digest among them. What both stamps share."""

    digest: str  # the first 16 hex digits of the content digest (declared by each stamp)

    def value(self) -> str:
        return " ".join(getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]

    @classmethod
    def parse(cls, value: str) -> Self | None:
        parts = value.split(" ")
        return cls(*parts) if len(parts) == len(fields(cls)) else None  # type: ignore[arg-type]

    def matches(self, content_digest: str) -> bool:
        return content_digest.startswith(self.digest)


@dataclass(frozen=True)
class Stamp(_TagStamp):
    """``sesctl:rolled-back-to``: ``<version> <commit> <time> <digest>``."""

    version: str  # "v2"
    commit: str  # short commit id
    time: str  # ISO 8601, UTC
    digest: str


def new_stamp(version: str, commit: str, content_digest: str) -> Stamp:
    return Stamp(version, commit[:12], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), content_digest[:16])


def stamp_of(tags: Mapping[str, str]) -> Stamp | None:
    value = tags.get(ROLLED_BACK_TAG)
    return Stamp.parse(value) if value else None


def stamp_rollback(gateway: SesGateway, ses_name: str, stamp: Stamp) -> None:
    gateway.call(
        "TagResource",
        ResourceArn=gateway.arn(f"template/{ses_name}"),
        Tags=[{"Key": ROLLED_BACK_TAG, "Value": stamp.value()}],
    )


@dataclass(frozen=True)
class RevisionStamp(_TagStamp):
    """``sesctl:revision``: ``<commit> <time> <digest>``."""

    commit: str  # short commit id; "+" at the end when the work tree had uncommitted changes
    time: str  # ISO 8601, UTC
    digest: str

    @property
    def dirty(self) -> bool:
        return self.commit.endswith("+")

    @property
    def sha(self) -> str:
        return self.commit.rstrip("+")

    def matches(self, content_digest: str) -> bool:
        return content_digest.startswith(self.digest)


def revision_of(tags: Mapping[str, str]) -> RevisionStamp | None:
    value = tags.get(REVISION_TAG)
    return RevisionStamp.parse(value) if value else None


def stamp_applied(
    gateway: SesGateway, plan: Plan, done: Iterable[tuple[str, str]], commit: str | None, dirty: bool
) -> list[str]:
    """Tag each template apply wrote (``done``: address and action of the steps that succeeded)
    with the commit it came from. One TagResource per template written, paced like every call.
    A failed stamp never fails the apply (the content is already in SES): it comes back as a
    warning, and history falls back to finding the version by content."""
    if not commit:
        return []
    written = {address for address, action in done if action in _WRITTEN}
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    warnings: list[str] = []
    for change in plan.changes:
        if change.kind != KIND or change.address not in written or change.after is None:
            continue
        after = change.after
        digest = TemplateContent(after.get("subject"), after.get("html"), after.get("text")).digest
        stamp = RevisionStamp(commit[:12] + ("+" if dirty else ""), when, digest[:16])
        try:
            gateway.call(
                "TagResource",
                ResourceArn=gateway.arn(f"template/{change.name}"),
                Tags=[{"Key": REVISION_TAG, "Value": stamp.value()}],
            )
        except ReconcilerError as exc:
            warnings.append(f"{change.address}: applied, but not tagged with its revision ({exc})")
    return warnings


def rolled_back_risks(plan: Plan, live: Mapping[str, LiveObject | None]) -> Plan:
    """``plan`` with a note on each template whose live content is a rollback's: applying the
    manifests would undo it."""
    changes = []
    touched = False
    for change in plan.changes:
        found = live.get(change.address) if change.kind == KIND else None
        stamp = stamp_of(tag_dict(found.raw.get("Tags"))) if found is not None else None
        if found is not None and stamp is not None and stamp.matches(_digest(found.raw)):
            note = Risk(
                "template_rolled_back",
                "medium",
                f"live is {stamp.version} ({stamp.commit}), put back by `sesctl rollback --apply` at {stamp.time}: "
                "applying the manifests undoes the rollback unless the rolled-back files were committed",
            )
            change = replace(change, risks=(*change.risks, note))
            touched = True
        changes.append(change)
    return replace(plan, changes=tuple(changes)) if touched else plan


def _digest(raw: Mapping[str, Any]) -> str:
    return TemplateContent.of_live(raw.get("TemplateContent") or {}).digest


__all__ = [
    "REVISION_TAG",
    "ROLLED_BACK_TAG",
    "RevisionStamp",
    "Stamp",
    "new_stamp",
    "revision_of",
    "rolled_back_risks",
    "stamp_applied",
    "stamp_of",
    "stamp_rollback",
]
