"""EmailTemplate: an SES v2 stored template (CreateEmailTemplate & co.).

Normalized: ``{"subject", "html", "text", "tags"}``. The parts are compared exactly (UTF-8 and
emoji included, no trimming); an empty or missing body part is absent (None). ``defaults``,
``tests`` and ``marketing`` stay in sesctl and are not part of the normalized form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.kinds.base import JsonDict, LiveObject, Risk, live_object
from reconciler.kinds.common import (
    InPlaceKind,
    create_tags,
    get_or_none,
    iam,
    live_tags,
    owner_of,
    read_by_name,
    spec_dict,
    sync_tags,
    tag_dict,
    user_tags,
)
from reconciler.kinds.plugin import KindPlugin
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.templates import required_variables

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


PARTS = ("subject", "html", "text")


class EmailTemplateKind(InPlaceKind):
    kind: ClassVar[str] = "EmailTemplate"
    wave: ClassVar[int] = 50
    taggable: ClassVar[bool] = True
    iam_actions: ClassVar[frozenset[str]] = iam(
        "ListEmailTemplates",
        "GetEmailTemplate",
        "CreateEmailTemplate",
        "UpdateEmailTemplate",
        "DeleteEmailTemplate",
        "ListTagsForResource",
        "TagResource",
        "UntagResource",
    )

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        data = spec_dict(spec)
        return {
            "subject": data["subject"],
            "html": data.get("html") or None,
            "text": data.get("text") or None,
            "tags": user_tags(data.get("tags") or {}),
        }

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        content = raw.get("TemplateContent") or {}
        return {
            "subject": content.get("Subject") or "",
            "html": content.get("Html") or None,
            "text": content.get("Text") or None,
            "tags": user_tags(tag_dict(raw.get("Tags"))),
        }

    # A plan with a refresh budget reads a share of the templates (IncrementalKind).
    refresh_operations: ClassVar[tuple[str, ...]] = ("GetEmailTemplate",)

    def list_names(self, gateway: SesGateway) -> list[str]:
        metadata = gateway.paginate("ListEmailTemplates", "TemplatesMetadata", PageSize=100)
        return [str(m["TemplateName"]) for m in metadata]

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        if names is None:
            names = self.list_names(gateway)
        return read_by_name(gateway, names, lambda name: self._read_one(gateway, name))

    def _read_one(self, gateway: SesGateway, name: str) -> LiveObject | None:
        raw = get_or_none(gateway, "GetEmailTemplate", TemplateName=name)
        if raw is None:
            return None
        raw["Tags"] = live_tags(gateway, raw, lambda: gateway.arn(f"template/{name}"))
        return live_object(name, self.normalize_live(raw), owner_of(tag_dict(raw.get("Tags"))), raw)

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        gateway.call(
            "CreateEmailTemplate",
            TemplateName=name,
            TemplateContent=_content(desired),
            Tags=create_tags(desired, stack),
        )

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        if set(changed) & set(PARTS):
            gateway.call("UpdateEmailTemplate", TemplateName=name, TemplateContent=_content(desired))
        if "tags" in changed:
            sync_tags(
                gateway, gateway.arn(f"template/{name}"), live.normalized.get("tags") or {}, desired["tags"]
            )

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        gateway.call("DeleteEmailTemplate", TemplateName=name)

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        if before is None or after is None:
            return []
        old, new = _contract(before), _contract(after)
        if old is None or new is None:
            return []
        added = sorted(new - old)
        removed = sorted(old - new)
        risks: list[Risk] = []
        if added:
            risks.append(
                Risk(
                    "template_contract_changed",
                    "high",
                    f"Template {name} now requires {', '.join(added)}: sends that do not pass "
                    f"{'it' if len(added) == 1 else 'them'} will fail to render (Rendering Failure events).",
                )
            )
        if removed:
            risks.append(
                Risk(
                    "template_contract_changed",
                    "low",
                    f"Template {name} no longer uses {', '.join(removed)}; senders may still pass "
                    f"{'it' if len(removed) == 1 else 'them'} (harmless).",
                )
            )
        return risks


def _content(desired: JsonDict) -> dict[str, str]:
    content = {"Subject": desired["subject"]}
    if desired.get("html") is not None:
        content["Html"] = desired["html"]
    if desired.get("text") is not None:
        content["Text"] = desired["text"]
    return content


def _contract(normalized: JsonDict) -> frozenset[str] | None:
    """Variables a send must pass (required by any part), or None if a part does not parse."""
    return required_variables({part: normalized.get(part) for part in PARTS})


KIND = EmailTemplateKind()
PLUGIN = KindPlugin(
    kind=KIND,
    spec=EmailTemplateSpec,
    import_file="templates.yaml",
    summary="a stored template: subject, HTML and text parts (Handlebars), tags",
    text_parts=PARTS,
    file_parts=PARTS,
    body_files={"html": "html", "text": "txt"},
)
