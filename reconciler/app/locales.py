"""Which locales each template declares, for `sesctl send --locale-column` (read from the
manifests: SES itself knows only the per-locale templates, not that they belong together)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from reconciler.errors import UsageError
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.manifest import collect


def declared_locales(path: Path | None, env: str | None, templates: Iterable[str]) -> dict[str, tuple[str, ...]]:
    state, _problems = collect(path, env)
    if state is None:
        raise UsageError("--locale-column needs the manifests that declare the templates' locales (no project here)")
    declared = {
        r.ses_name: tuple((r.spec.locales or {}).keys())
        for r in state.resources
        if isinstance(r.spec, EmailTemplateSpec) and r.spec.locales
    }
    wanted = list(dict.fromkeys(templates))
    missing = [t for t in wanted if t not in declared]
    if len(missing) == len(wanted):
        raise UsageError(
            f"no locales declared for {', '.join(wanted)} in the manifests",
            hint="Declare spec.locales on the EmailTemplate (docs/template-lifecycle.md), or drop --locale-column.",
        )
    return {t: declared[t] for t in wanted if t in declared}


__all__ = ["declared_locales"]
