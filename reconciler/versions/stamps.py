"""A break-glass rollback, remembered where every later run can see it: on the template in SES.

`sesctl rollback --apply` tags the live template ``sesctl:rolled-back-to`` with the version,
its commit, the time and a digest of the content it put back. As long as SES still holds that
content, plans (and so `sesctl plan`, the drift issue, the MCP get_drift and `sesctl history`)
say the template was rolled back instead of showing plain drift; a later apply changes the
content and the stamp no longer matches, so it is ignored from then on. Tags under ``sesctl:``
are sesctl's own: they are not part of the compared form and cause no diff.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from reconciler.kinds.base import LiveObject, Risk
from reconciler.kinds.common import tag_dict
from reconciler.versions.history import TemplateContent

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway
    from reconciler.engine.plan import Plan

ROLLED_BACK_TAG = "sesctl:rolled-back-to"
KIND = "EmailTemplate"


@dataclass(frozen=True)
class Stamp:
    version: str  # "v2"
    commit: str  # short commit id
    time: str  # ISO 8601, UTC
    digest: str  # the first 16 hex digits of the content digest

    def value(self) -> str:
        return f"{self.version} {self.commit} {self.time} {self.digest}"

    @classmethod
    def parse(cls, value: str) -> Stamp | None:
        parts = value.split(" ")
        return cls(*parts) if len(parts) == 4 else None

    def matches(self, content_digest: str) -> bool:
        return content_digest.startswith(self.digest)


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


__all__ = ["ROLLED_BACK_TAG", "Stamp", "new_stamp", "rolled_back_risks", "stamp_of", "stamp_rollback"]
