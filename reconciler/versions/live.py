"""The live side of template versions: what SES holds for a template now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.kinds.common import tag_dict
from reconciler.versions.history import TemplateContent

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


def live_template(gateway: SesGateway, ses_name: str) -> tuple[TemplateContent, dict[str, str]] | None:
    """The template's parts and tags in SES, or None when SES has no template of that name."""
    answer = gateway.get_or_none("GetEmailTemplate", TemplateName=ses_name)
    if answer is None:
        return None
    if "Tags" not in answer:  # older SES answers carry no tags: ask for them
        listed = gateway.get_or_none("ListTagsForResource", ResourceArn=gateway.arn(f"template/{ses_name}"))
        answer["Tags"] = (listed or {}).get("Tags", [])
    return TemplateContent.of_live(answer.get("TemplateContent") or {}), tag_dict(answer.get("Tags"))


__all__ = ["live_template"]
