"""Manifest use cases with no AWS call: validate, preview a template, run the templates' tests.

Each returns data (the diagnostics that stopped it, or the result); the adapter prints it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.diagnostics import Diagnostic
from reconciler.errors import UsageError
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.manifest import collect
from reconciler.manifest.model import DesiredState
from reconciler.manifest.template_tests import TestOutcome, render_resource, run_template_tests
from reconciler.templates import RenderedEmail

# Problems that make a template unusable: the project, schema and references (E1-E3), a template
# that does not parse (E4001) or a missing body file (E4004). Variable problems (E4002/E4003/E4005)
# do not stop a preview or the tests, which show them.
BLOCKING = ("E1", "E2", "E3", "E4001", "E4004")


def validate(path: str | None, env: str | None) -> tuple[DesiredState | None, list[Diagnostic]]:
    """(the desired state, or None when the project itself failed; every diagnostic)."""
    return collect(path, env)


@dataclass
class Preview:
    email: RenderedEmail | None  # None: ``problems`` say why it could not be rendered
    problems: list[Diagnostic] = field(default_factory=list)


def preview(
    path: str | None, env: str | None, name: str, data: Mapping[str, Any], revision: str | None = None
) -> Preview:
    """Render the EmailTemplate whose SES name is ``name`` with ``data`` merged onto its defaults
    (as it was at ``revision`` when given: a version, -1, or a git revision).

    Raises UsageError when there is no such template, TemplateRenderFailed (file:line:col) when
    rendering fails."""
    if revision is not None:
        from reconciler.versions.history import template_history

        version = template_history(Path(path) if path else None, name, env).find(revision)
        return Preview(render_resource(version.resource, data))
    state, diagnostics = collect(path, env)
    templates = [r for r in (state.resources if state else []) if isinstance(r.spec, EmailTemplateSpec)]
    resource = next((r for r in templates if r.ses_name == name), None)
    if resource is None:
        if state is None:
            return Preview(None, [d for d in diagnostics if d.is_error])
        known = ", ".join(r.ses_name for r in templates) or "none"
        raise UsageError(f"no EmailTemplate named {name!r} in the manifests (templates: {known})")
    blocking = [
        d for d in diagnostics if d.is_error and d.address == resource.address and d.code.startswith(BLOCKING)
    ]
    if blocking:
        return Preview(None, blocking)
    return Preview(render_resource(resource, data))


@dataclass
class TestRun:
    outcomes: list[TestOutcome]
    problems: list[Diagnostic] = field(default_factory=list)  # non-empty: no test ran


def run_tests(path: str | None, env: str | None, keyword: str | None) -> TestRun:
    """Run every EmailTemplate's tests (those whose TEMPLATE::TEST contains ``keyword``)."""
    state, diagnostics = collect(path, env)
    blocking = [d for d in diagnostics if d.is_error and d.code.startswith(BLOCKING)]
    if state is None or blocking:
        return TestRun([], blocking or [d for d in diagnostics if d.is_error])
    return TestRun(run_template_tests(state, keyword))
