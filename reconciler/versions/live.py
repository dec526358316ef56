"""The live side of template versions: what SES holds for a template now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.versions.history import TemplateContent

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


def live_content(gateway: SesGateway, ses_name: str) -> TemplateContent | None:
    """The template's parts in SES, or None when SES has no template of that name."""
    answer = gateway.get_or_none("GetEmailTemplate", TemplateName=ses_name)
    if answer is None:
        return None
    content = answer.get("TemplateContent") or {}
    return TemplateContent.of_live(content)


__all__ = ["live_content"]
