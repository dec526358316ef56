"""The shared conformance cases (handlebars.js v4.7.9 spec cases with default options, and the
mustache spec), read from ``<repo>/../shared/conformance`` (or ``<repo>/shared/conformance``)
and skipped where that folder is missing.

Expected outputs are handlebars.js's with its defaults, so cases run with escaping on and
strict off. Cases given ``partials`` use the test-only ``partials=`` of compile_template (SES
itself has only inline partials). Cases outside the SES profile, or that handlebars.js itself
fails, are listed with a reason in conformance_exclusions.json; each must really fail here, so
the list cannot go stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from render_both import compile_template

from reconciler.templates import TemplateError, TemplateSyntaxError

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FILES = ("hbs-default-cases.json", "mustache-cases.json")


def _conformance_dir() -> Path | None:
    for candidate in (REPO.parent / "shared" / "conformance", REPO / "shared" / "conformance"):
        if all((candidate / f).is_file() for f in FILES):
            return candidate
    return None


DIR = _conformance_dir()
EXCLUDED = {
    (e["file"], e["id"]): e["reason"] for e in json.loads((HERE / "conformance_exclusions.json").read_text())
}


def _cases() -> list[Any]:
    if DIR is None:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason="../shared/conformance not found"))]
    params = []
    for name in FILES:
        for case in json.loads((DIR / name).read_text()):
            params.append(pytest.param(name, case, id=f"{name.split('-')[0]}:{case['id']}"))
    return params


def _run(case: dict[str, Any]) -> str:
    template = compile_template(case["template"], escape=True, partials=case["partials"])
    return template.render(case["data"], strict=False)


@pytest.mark.parametrize(("file", "case"), _cases())
def test_conformance_case(file: str, case: dict[str, Any]) -> None:
    reason = EXCLUDED.get((file, case["id"]))
    if reason is not None:
        # An excluded case must still fail (or be refused): otherwise drop it from the list.
        try:
            output = _run(case)
        except TemplateSyntaxError:
            return
        except TemplateError:
            assert "partial" in reason or "handlebars.js" in reason
            return
        assert case["kind"] == "ok" and output != case["expected"], f"excluded case now passes: {reason}"
        return
    if case["kind"] == "throws":
        with pytest.raises(TemplateError):
            _run(case)
    else:
        assert _run(case) == case["expected"]


def test_exclusions_are_documented_and_known() -> None:
    if DIR is None:
        pytest.skip("../shared/conformance not found")
    known = {(name, c["id"]) for name in FILES for c in json.loads((DIR / name).read_text())}
    assert set(EXCLUDED) <= known
    assert all(len(reason) > 20 for reason in EXCLUDED.values())


def test_pass_counts() -> None:
    """The figures quoted in docs/templates.md."""
    if DIR is None:
        pytest.skip("../shared/conformance not found")
    counts = {}
    for name in FILES:
        cases = json.loads((DIR / name).read_text())
        counts[name] = (len(cases), sum((name, c["id"]) in EXCLUDED for c in cases))
    assert counts == {"hbs-default-cases.json": (270, 28), "mustache-cases.json": (136, 20)}
