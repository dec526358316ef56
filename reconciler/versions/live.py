"""The live side of template versions: what SES holds for a template now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.kinds.common import tag_dict
from reconciler.kinds.email_template import KIND as EMAIL_TEMPLATE
from reconciler.versions.history import TemplateContent

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


def live_template(gateway: SesGateway, ses_name: str) -> tuple[TemplateContent, dict[str, str]] | None:
    """The template's parts and tags in SES, or None when SES has no template of that name.
    Read the way plan reads it (the EmailTemplate kind), tags included."""
    found = EMAIL_TEMPLATE.read_live(gateway, [ses_name]).get(ses_name)
    if found is None:
        return None
    return TemplateContent.of_live(found.raw.get("TemplateContent") or {}), tag_dict(found.raw.get("Tags"))


__all__ = ["live_template"]
