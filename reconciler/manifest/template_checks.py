"""Checks and lints on EmailTemplate resources, using the renderer (reconciler.templates).

  E4001  a part does not parse (position inside the body file, or inside the YAML string)
  E4002  a variable the template needs is missing from ``defaults``
  E4003  a variable the template needs is missing from a test's data (merged onto defaults)
  E4004  subject + html + text over SES's 500 KB limit
  E4005  the template does not render with its defaults (other than a missing variable)
  E4007  a part contains a NUL byte (SES refuses it)
  E4008  the subject's text (outside {{...}}) contains a line break: a header is one line
  W4001  HTML rendered with the defaults over 102 KB: Gmail clips the rest (footer included)
  W4002  no text part (spam filters and text-only clients)
  W4003  ``marketing: true`` and no part mentions "unsubscribe" (an unsubscribe link,
         ``{{amazonSESUnsubscribeUrl}}``, a ``{{unsubscribe...}}`` variable or List-Unsubscribe)
  W4004  neither defaults nor tests: nothing checks the variable contract

Missing variables are found by rendering strictly (the renderer names each missing variable
with its part, line and column) and by the renderer's static ``analyze()``.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.diagnostics import Diagnostic, error, warning
from reconciler.kinds.specs.email_template import EmailTemplateSpec
from reconciler.manifest.loader import Position, display_path
from reconciler.manifest.model import Resource
from reconciler.templates import (
    RenderError,
    Template,
    TemplateError,
    merge_template_data,
    parse_template,
)
from reconciler.templates.email import has_line_break

SES_TEMPLATE_LIMIT = 500 * 1024  # bytes, subject + html + text
GMAIL_CLIP_BYTES = 102 * 1024
PARTS = ("subject", "html", "text")

# Placeholders SES fills in itself at send time: never "missing" from anyone's data.
SES_PLACEHOLDERS: dict[str, str] = {"amazonSESUnsubscribeUrl": "https://unsubscribe.example.invalid/ses"}

_UNSUBSCRIBE = re.compile(r"unsubscribe", re.IGNORECASE)
_SIMPLE_PATH = re.compile(r"^[A-Za-z_][\w-]*(\.[\w-]+)*$")


def template_data(
    defaults: Mapping[str, Any] | None, data: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The data a template renders with: ``data`` merged per key onto ``defaults`` (SES's bulk
    rule), plus SES's own placeholders."""
    merged = merge_template_data(dict(defaults or {}), dict(data or {}))
    result: dict[str, Any] = dict(SES_PLACEHOLDERS)
    result.update(merged if isinstance(merged, dict) else {})
    return result


def part_position(resource: Resource, part: str, line: int, column: int) -> Position:
    """Where ``line``/``column`` of a template part is: in its body file, or inside the YAML."""
    body = resource.body_files.get(part)
    if body is not None:
        return Position(display_path(body), line, column)
    spec = resource.spec
    current = spec.part(part) if isinstance(spec, EmailTemplateSpec) else None
    return resource.source.locate_in_string(("spec", part), line, column, current)


@dataclass(frozen=True)
class Missing:
    variable: str
    part: str
    line: int
    column: int
    message: str = ""


def _has_path(data: Any, path: str) -> bool:
    value = data
    for segment in path.split("."):
        if not isinstance(value, dict) or segment not in value or value[segment] is None:
            return False
        value = value[segment]
    return True


def _fill(data: dict[str, Any], path: str) -> bool:
    """Put a placeholder at ``path`` so rendering can go on to the next missing variable.

    Paths relative to a block's context (``../x``, ``this.x``) are filled at the root: right for
    the common case of a parent reference, harmless otherwise (the loop stops on a repeat)."""
    while path.startswith(("../", "@root.", "this.", "./")):
        path = path.split("/", 1)[1] if path.startswith(("../", "./")) else path.split(".", 1)[1]
    if not path:
        return False
    segments = path.split(".")
    node: Any = data
    for segment in segments[:-1]:
        if not isinstance(node, dict):
            return False
        if not isinstance(node.get(segment), dict):
            node[segment] = {}
        node = node[segment]
    if not isinstance(node, dict):
        return False
    node[segments[-1]] = f"<{path}>"
    return True


_TAGS = re.compile(r"\{\{.*?\}\}", re.DOTALL)  # a line break inside a tag is layout, not text
# A path right after the opening braces; a _SIMPLE_PATH is made of these characters only.
_TAG_PATH = re.compile(r"\{\{\{?[~&#\s]*([\w.-]+)")


def _first_positions(source: str) -> dict[str, tuple[int, int]]:
    """(line, column) where each path first follows ``{{``, in one pass over the source: a
    template using 20,000 variables was searched once per variable (minutes)."""
    positions: dict[str, tuple[int, int]] = {}
    line, line_start, scanned = 1, 0, 0
    for match in _TAG_PATH.finditer(source):
        start = match.start(1)
        newlines = source.count("\n", scanned, start)
        if newlines:
            line += newlines
            line_start = source.rfind("\n", scanned, start) + 1
        scanned = start
        positions.setdefault(match.group(1), (line, start - line_start + 1))
    return positions


@functools.lru_cache(maxsize=2048)
def parse_cached(source: str, part: str) -> Template:
    """parse_template, memoized: a template is parsed once however many tests render it (its
    renders interpret the tree; one rendered many times compiles itself)."""
    return parse_template(source, part=part)


def find_missing(
    compiled: Mapping[str, Template], data: Mapping[str, Any]
) -> tuple[list[Missing], list[Missing]]:
    """(missing variables, other render errors) for ``data``, every one of them, with positions."""
    missing: list[Missing] = []
    failures: list[Missing] = []
    for part, template in compiled.items():
        trial: dict[str, Any] = dict(data)  # rendering reads it; copied deep before the first fill
        copied = False
        seen: set[tuple[str, int, int]] = set()
        names: set[str] = set()
        for _ in range(200):  # one render per missing variable, bounded
            try:
                template.render(trial)
                break
            except RenderError as exc:
                if not copied:
                    trial, copied = copy.deepcopy(trial), True
                key = (exc.variable, exc.line, exc.column)
                if key in seen:  # a placeholder could not reach it (e.g. inside #each): stop here
                    break
                if not exc.variable:
                    failures.append(Missing(exc.variable, part, exc.line, exc.column, exc.reason))
                    break
                seen.add(key)
                if exc.variable not in names:
                    names.add(exc.variable)
                    missing.append(Missing(exc.variable, part, exc.line, exc.column, exc.reason))
                if not _fill(trial, exc.variable):
                    break
            except TemplateError as exc:
                failures.append(Missing("", part, exc.line, exc.column, exc.reason))
                break
        positions: dict[str, tuple[int, int]] | None = None
        for path in sorted(template.contract().required):
            if path in names or not _SIMPLE_PATH.match(path) or _has_path(data, path):
                continue
            names.add(path)
            positions = _first_positions(template.source) if positions is None else positions
            line, column = positions.get(path, (1, 1))
            missing.append(Missing(path, part, line, column))
    return missing, failures


def compile_parts(
    resource: Resource, spec: EmailTemplateSpec
) -> tuple[dict[str, Template], list[Diagnostic]]:
    """Each part parsed and checked (E4001 with its position where it does not)."""
    compiled: dict[str, Template] = {}
    problems: list[Diagnostic] = []
    for part in PARTS:
        source = spec.part(part)
        if source is None:
            continue
        try:
            compiled[part] = parse_cached(source, part)
        except TemplateError as exc:
            position = part_position(resource, part, exc.line, exc.column)
            problems.append(
                error(
                    "E4001",
                    f"{part}: {exc.reason}",
                    **position.where(),
                    address=resource.address,
                    field=f"spec.{part}",
                )
            )
    return compiled, problems


def _report(resource: Resource, item: Missing, code: str, field: str, context: str) -> Diagnostic:
    position = part_position(resource, item.part, item.line, item.column)
    data_at = resource.locate(field)
    if item.variable:
        summary = f"{item.part} uses {{{{{item.variable}}}}}, missing from {context}"
    else:
        summary = f"{item.part} does not render with {context}: {item.message}"
    return error(
        code,
        summary,
        detail=f"{context}: {data_at}",
        **position.where(),
        address=resource.address,
        field=field,
    )


def _lint(resource: Resource, code: str, summary: str, field: str) -> Diagnostic:
    position = resource.locate(field)
    return warning(
        code,
        summary,
        **position.where(),
        address=resource.address,
        field=field,
    )


def _content_problems(resource: Resource, sources: Mapping[str, str]) -> list[Diagnostic]:
    """What SES refuses in a template whatever its data: over 500 KB, a NUL byte, a line
    break in the subject."""
    problems: list[Diagnostic] = []
    size = sum(len(text.encode("utf-8")) for text in sources.values())
    if size > SES_TEMPLATE_LIMIT:
        problems.append(
            error(
                "E4004",
                f"template is {size / 1024:.0f} KB; SES accepts at most 500 KB (subject + html + text)",
                address=resource.address,
                field="spec",
                **resource.locate("spec").where(),
            )
        )
    if has_line_break(_TAGS.sub("", sources.get("subject", ""))):
        # A header value: a literal CR/LF (or U+2028...) would start a header of its own.
        problems.append(
            error(
                "E4008",
                "subject contains a line break (a mail header is one line)",
                address=resource.address,
                field="spec.subject",
                **resource.locate("spec.subject").where(),
            )
        )
    for part, text in sources.items():
        if "\x00" in text:
            # SES refuses NUL in a template (and mail could not carry it): refused before any call.
            problems.append(
                error(
                    "E4007",
                    f"{part} contains a NUL byte",
                    address=resource.address,
                    field=f"spec.{part}",
                    **resource.locate(f"spec.{part}").where(),
                )
            )
    return problems


def check_template(resource: Resource) -> list[Diagnostic]:
    spec = resource.spec
    if not isinstance(spec, EmailTemplateSpec):
        return []
    compiled, problems = compile_parts(resource, spec)
    sources = {part: spec.part(part) or "" for part in PARTS}
    problems += _content_problems(resource, sources)
    if problems:  # a part that does not parse cannot be checked any further
        return problems

    rendered_html: str | None = None
    if spec.defaults is not None:
        data = template_data(spec.defaults)
        missing, failures = find_missing(compiled, data)
        for item in missing:
            problems.append(_report(resource, item, "E4002", "spec.defaults", "defaults"))
        for item in failures:
            problems.append(_report(resource, item, "E4005", "spec.defaults", "defaults"))
        if not missing and not failures and "html" in compiled:
            rendered_html = compiled["html"].render(data)
    for index, test in enumerate(spec.tests):
        if not test.expect.renders_without_error:
            continue
        label = f"test {test.name!r}" if test.name else f"test #{index + 1}"
        missing, failures = find_missing(compiled, template_data(spec.defaults, test.data))
        for item in missing + failures:
            problems.append(
                _report(resource, item, "E4003", f"spec.tests[{index}].data", f"the data of {label}")
            )

    html_size = len((rendered_html if rendered_html is not None else sources["html"]).encode("utf-8"))
    if html_size > GMAIL_CLIP_BYTES:
        problems.append(
            _lint(
                resource,
                "W4001",
                f"HTML is {html_size / 1024:.0f} KB rendered with the defaults; Gmail clips messages over 102 KB"
                " (the unsubscribe footer included)",
                "spec.html",
            )
        )
    if spec.text is None:
        problems.append(
            _lint(resource, "W4002", "no text part: some clients and spam filters want one", "spec")
        )
    if spec.marketing and not any(_UNSUBSCRIBE.search(text) for text in sources.values()):
        problems.append(
            _lint(
                resource,
                "W4003",
                "marketing template without an unsubscribe link (Gmail/Yahoo bulk-sender rules);"
                " add one, e.g. {{amazonSESUnsubscribeUrl}}",
                "spec.marketing",
            )
        )
    if spec.defaults is None and not spec.tests:
        problems.append(
            _lint(
                resource,
                "W4004",
                "neither defaults nor tests: the variables this template needs are not checked",
                "spec",
            )
        )
    return problems


__all__ = [
    "GMAIL_CLIP_BYTES",
    "PARTS",
    "SES_PLACEHOLDERS",
    "SES_TEMPLATE_LIMIT",
    "Missing",
    "check_template",
    "compile_parts",
    "find_missing",
    "part_position",
    "template_data",
]
