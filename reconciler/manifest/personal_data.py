"""A lint for personal data committed to git: real-looking email addresses and phone numbers in
template defaults and test data (W5001).

Manifests live in a repository that many people (and every fork) can read; sample data should
use the domains reserved for documentation (example.com/.org/.net, *.example, *.test,
*.invalid, localhost) or SES's mailbox simulator, and no phone numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.diagnostics import Diagnostic, warning
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.manifest.model import Resource
from reconciler.sending.masking import mask_email

# Matches start only where a run of local-part characters starts (the look-behind): otherwise a
# long word without @ in a template's data is rescanned from every position, quadratic.
_ADDRESS = re.compile(r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# An international number (+ and 8 to 15 digits, spaces, dots, dashes or brackets between).
_PHONE = re.compile(r"(?<![\w+])\+\d(?:[\s().-]?\d){7,14}(?!\d)")
_RESERVED = ("example.com", "example.org", "example.net", "simulator.amazonses.com")
_RESERVED_TLDS = ("example", "test", "invalid", "localhost")


def _reserved(domain: str) -> bool:
    domain = domain.lower().rstrip(".")
    return (
        any(domain == d or domain.endswith("." + d) for d in _RESERVED)
        or domain.rsplit(".", 1)[-1] in _RESERVED_TLDS
    )


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def check_personal_data(resource: Resource) -> list[Diagnostic]:
    spec = resource.spec
    if not isinstance(spec, EmailTemplateSpec):
        return []
    places: list[tuple[str, Any]] = [("defaults", spec.defaults or {})]
    places += [(f"tests[{i}].data", test.data) for i, test in enumerate(spec.tests)]
    found: list[Diagnostic] = []
    for field, data in places:
        for path, text in _strings(data, field):
            what = [
                f"the address {mask_email(m.group(0))}" for m in _ADDRESS.finditer(text) if not _reserved(m.group(1))
            ]
            what += ["a phone number" for _ in _PHONE.finditer(text)]
            if what:
                position = resource.locate(f"spec.{path}")
                found.append(
                    warning(
                        "W5001",
                        f"{path} holds {', '.join(what)}: personal data committed to git",
                        detail="Use example.com addresses or the SES mailbox simulator, and no real phone numbers.",
                        **position.where(),
                        address=resource.address,
                        field=path,
                    )
                )
    return found


__all__ = ["check_personal_data"]
