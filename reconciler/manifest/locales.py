"""Localized templates: an EmailTemplate's ``locales:`` become one SES template per locale.

``welcome`` with ``locales: {fr: ..., fr-CA: ...}`` is applied as ``welcome``, ``welcome--fr``
and ``welcome--fr-CA``: each a resource of its own for the engine (so plan, apply, prune and
drift treat each like any template and show per-locale diffs), sharing the base document's
defaults, tests, marketing flag and tags. A part a locale leaves out is the base's.

Checked here (E4006): every locale needs the same variables as the base template, because
senders pass one set of data whatever language a recipient reads.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from reconciler.diagnostics import Diagnostic, error
from reconciler.kinds.specs.email_template import LOCALE_SEPARATOR, EmailTemplateSpec
from reconciler.manifest.documents import read_bodies
from reconciler.manifest.loader import Document
from reconciler.manifest.model import Resource
from reconciler.templates import required_variables

PARTS = ("subject", "html", "text")
MAX_NAME = 64  # SES template names


def locale_name(base: str, locale: str) -> str:
    return f"{base}{LOCALE_SEPARATOR}{locale}"


def localized_resources(
    resource: Resource, document: Document, roots: tuple[Path, ...]
) -> tuple[list[Resource], list[Diagnostic]]:
    spec = resource.spec
    if not isinstance(spec, EmailTemplateSpec) or not spec.locales:
        return [], []
    found: list[Resource] = []
    problems: list[Diagnostic] = []
    for locale, parts in spec.locales.items():
        name = locale_name(resource.ses_name, locale)
        where = resource.locate(("spec", "locales", locale))
        if len(name) > MAX_NAME:
            problems.append(
                error(
                    "E4006",
                    f"locale {locale}: the SES template name {name!r} is longer than {MAX_NAME} characters",
                    field=f"spec.locales.{locale}",
                    address=resource.address,
                    **where.where(),
                )
            )
            continue
        update = {part: getattr(parts, part) for part in PARTS if getattr(parts, part) is not None}
        localized = replace(
            resource,
            name=locale_name(resource.name, locale),
            ses_name=name,
            spec=spec.model_copy(update={**update, "locales": None}),
            body_files={part: path for part, path in resource.body_files.items() if part not in update},
        )
        localized, read_problems = read_bodies(localized, tuple(update), document, roots, prefix=("locales", locale))
        problems.extend(read_problems)
        if read_problems:
            continue
        problems.extend(_contract(resource, localized, locale))
        found.append(localized)
    return found, problems


def _required(spec: EmailTemplateSpec) -> frozenset[str] | None:
    return required_variables({part: spec.part(part) for part in PARTS})


def _contract(base: Resource, localized: Resource, locale: str) -> list[Diagnostic]:
    assert isinstance(base.spec, EmailTemplateSpec) and isinstance(localized.spec, EmailTemplateSpec)
    expected, actual = _required(base.spec), _required(localized.spec)
    if expected is None or actual is None or expected == actual:
        return []
    detail = []
    if actual - expected:
        detail.append("needs " + ", ".join(sorted(actual - expected)) + " that the base does not")
    if expected - actual:
        detail.append("does not use " + ", ".join(sorted(expected - actual)) + " that the base needs")
    return [
        error(
            "E4006",
            f"locale {locale} {' and '.join(detail)}: every locale must need the same variables",
            detail="Senders pass one set of data whatever the recipient's language.",
            field=f"spec.locales.{locale}",
            address=base.address,
            **base.locate(("spec", "locales", locale)).where(),
        )
    ]


__all__ = ["locale_name", "localized_resources"]
