"""Render templates from the manifests and run their ``tests:`` (``sesctl render``, ``sesctl test``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.kinds.specs.email_template import EmailTemplateSpec, Expectations, TemplateTest
from reconciler.manifest.model import DesiredState, Resource
from reconciler.manifest.template_checks import PARTS, compile_parts, part_position, template_data
from reconciler.templates import RenderedEmail, TemplateError


class TemplateRenderFailed(TemplateError):
    """A template part failed to render; ``location`` is file:line:col of the failing spot."""

    def __init__(self, address: str, location: str, reason: str, *, part: str = "") -> None:
        super().__init__(reason, part=part)
        self.location = location
        self.args = (f"{location}: {address} {part + ': ' if part else ''}{reason}",)


def render_resource(resource: Resource, data: Mapping[str, Any] | None = None) -> RenderedEmail:
    """Render a template resource with ``data`` merged onto its defaults; raises TemplateRenderFailed."""
    spec = resource.spec_as(EmailTemplateSpec)
    compiled, problems = compile_parts(resource, spec)
    if problems:
        first = problems[0]
        raise TemplateRenderFailed(resource.address, first.location, first.summary)
    merged = template_data(spec.defaults, data)
    out: dict[str, str | None] = {part: None for part in PARTS}
    for part, template in compiled.items():
        try:
            out[part] = template.render(merged)
        except TemplateError as exc:
            position = part_position(resource, part, exc.line, exc.column)
            raise TemplateRenderFailed(resource.address, str(position), exc.reason, part=part) from None
    return RenderedEmail(subject=out["subject"] or "", html=out["html"], text=out["text"])


@dataclass
class TestOutcome:
    template: str  # the template's name
    name: str  # the test's name, or "#1"
    location: str  # file:line of the test
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def test_id(self) -> str:
        return f"{self.template}::{self.name}"


def _short(text: str, limit: int = 120) -> str:
    one_line = text.replace("\n", "\\n")
    return one_line if len(one_line) <= limit else one_line[: limit - 3] + "..."


def check_expectations(expect: Expectations, email: RenderedEmail) -> list[str]:
    parts = {"subject": email.subject, "html": email.html, "text": email.text}
    failures: list[str] = []
    for part in PARTS:
        value = parts[part]
        contains: list[str] = getattr(expect, f"{part}_contains")
        not_contains: list[str] = getattr(expect, f"{part}_not_contains")
        equals: str | None = getattr(expect, f"{part}_equals")
        if value is None:
            if contains or not_contains or equals is not None:
                failures.append(f"{part}: the template has no {part} part")
            continue
        failures += [
            f"{part} does not contain {s!r} ({part}: {_short(value)!r})" for s in contains if s not in value
        ]
        failures += [f"{part} contains {s!r}" for s in not_contains if s in value]
        if equals is not None and value != equals:
            failures.append(f"{part} is {_short(value)!r}, expected {_short(equals)!r}")
    for text in expect.not_contains:
        failures += [
            f"{part} contains {text!r}"
            for part in PARTS
            if parts[part] is not None and text in (parts[part] or "")
        ]
    for part, limit in (("html", expect.max_html_bytes), ("text", expect.max_text_bytes)):
        size = len((parts[part] or "").encode("utf-8"))
        if limit is not None and size > limit:
            failures.append(f"{part} is {size} bytes, over maxBytes {limit}")
    return failures


def run_test(resource: Resource, index: int, test: TemplateTest) -> TestOutcome:
    outcome = TestOutcome(
        template=resource.ses_name,
        name=test.name or f"#{index + 1}",
        location=str(resource.locate(("spec", "tests", index))),
    )
    try:
        email = render_resource(resource, test.data)
    except TemplateRenderFailed as exc:
        if test.expect.renders_without_error:
            outcome.failures.append(f"does not render: {exc}")
        elif test.expect.error_contains and test.expect.error_contains not in str(exc):
            outcome.failures.append(
                f"render error {str(exc)!r} does not contain {test.expect.error_contains!r}"
            )
        return outcome
    if not test.expect.renders_without_error:
        outcome.failures.append("rendered without error, but rendersWithoutError: false")
        return outcome
    outcome.failures = check_expectations(test.expect, email)
    return outcome


def run_template_tests(
    resources: Sequence[Resource] | DesiredState, keyword: str | None = None
) -> list[TestOutcome]:
    """Run every EmailTemplate's tests (those whose ``template::name`` contains ``keyword``)."""
    items = resources.resources if isinstance(resources, DesiredState) else resources
    outcomes: list[TestOutcome] = []
    for resource in items:
        spec = resource.spec
        if not isinstance(spec, EmailTemplateSpec):
            continue
        for index, test in enumerate(spec.tests):
            test_id = f"{resource.ses_name}::{test.name or f'#{index + 1}'}"
            if keyword and keyword.lower() not in test_id.lower():
                continue
            outcomes.append(run_test(resource, index, test))
    return outcomes


__all__ = [
    "TemplateRenderFailed",
    "TestOutcome",
    "check_expectations",
    "render_resource",
    "run_template_tests",
]
