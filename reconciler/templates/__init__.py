"""SES-faithful Handlebars templates: the public API used by the emulator, the reconciler,
sending and the MCP server.

INTERIM: until the renderer of the templates issue lands, this is a minimal stand-in that
does `{{path}}` / `{{{path}}}` substitution only, with strict missing-variable errors. The
signatures below are the contract; the real renderer keeps them.

    tpl = compile_template("Hi {{user.name}}", part="subject")
    tpl.render({"user": {"name": "Ada"}})                 -> "Hi Ada"
    render_email(subject, html, text, data)               -> RenderedEmail (raises RenderError)
    merge_template_data(defaults, replacement)            -> SES's per-key bulk merge
    analyze(source)                                       -> VariableContract (required / optional paths)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import ReconcilerError

Part = str  # "subject" | "html" | "text" | "inline"


class TemplateError(ReconcilerError):
    """A template problem with a position: part, 1-based line and column."""

    def __init__(self, message: str, *, part: Part = "", line: int = 0, column: int = 0) -> None:
        where = f"{part}:{line}:{column}: " if part else ""
        super().__init__(f"{where}{message}")
        self.reason = message
        self.part = part
        self.line = line
        self.column = column


class TemplateSyntaxError(TemplateError):
    """The template does not parse, or uses a construct SES refuses."""


class RenderError(TemplateError):
    """Rendering failed, e.g. a printed variable is missing from the data (SES: Rendering Failure)."""

    def __init__(self, message: str, *, variable: str = "", part: Part = "", line: int = 0, column: int = 0) -> None:
        super().__init__(message, part=part, line=line, column=column)
        self.variable = variable


@dataclass(frozen=True)
class VariableContract:
    required: frozenset[str] = frozenset()  # dotted paths printed outside any guard
    optional: frozenset[str] = frozenset()  # paths used only under #if / #each / #with guards


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str | None
    text: str | None


_TAG = re.compile(r"\{\{\{?\s*([A-Za-z0-9_.@]+)\s*\}?\}\}")


@dataclass
class CompiledTemplate:
    source: str
    part: Part = "html"
    escape: bool = False
    _unused: Any = field(default=None, repr=False)

    def render(self, data: Any, *, strict: bool = True, null_is_missing: bool = True) -> str:
        def sub(match: re.Match[str]) -> str:
            value: Any = data
            for seg in match.group(1).split("."):
                if isinstance(value, dict) and seg in value:
                    value = value[seg]
                else:
                    value = None
                    break
            if value is None:
                if strict:
                    line = self.source.count("\n", 0, match.start()) + 1
                    col = match.start() - (self.source.rfind("\n", 0, match.start()) + 1) + 1
                    raise RenderError(
                        f"Attribute '{match.group(1)}' is not present in the rendering data.",
                        variable=match.group(1), part=self.part, line=line, column=col,
                    )
                return ""
            if value is True:
                return "true"
            if value is False:
                return "false"
            return str(value)

        return _TAG.sub(sub, self.source)


def compile_template(source: str, *, part: Part = "html", escape: bool = False, inline: bool = False) -> CompiledTemplate:
    """Parse and compile; raises TemplateSyntaxError with a position. ``inline`` applies SES's
    simple-substitution-only rule for TemplateContent in SendEmail/SendBulkEmail."""
    return CompiledTemplate(source=source, part=part, escape=escape)


def render_email(
    subject: str, html: str | None, text: str | None, data: Any, *, null_is_missing: bool = True
) -> RenderedEmail:
    return RenderedEmail(
        subject=compile_template(subject, part="subject").render(data, null_is_missing=null_is_missing),
        html=None if html is None else compile_template(html, part="html").render(data, null_is_missing=null_is_missing),
        text=None if text is None else compile_template(text, part="text").render(data, null_is_missing=null_is_missing),
    )


def merge_template_data(defaults: Any, replacement: Any) -> Any:
    """SES's bulk rule: objects merged per key, recursively; arrays and scalars replaced."""
    if isinstance(defaults, dict) and isinstance(replacement, dict):
        merged = dict(defaults)
        for key, value in replacement.items():
            merged[key] = merge_template_data(defaults.get(key), value) if key in defaults else value
        return merged
    return replacement


def analyze(source: str) -> VariableContract:
    return VariableContract(required=frozenset(m.group(1) for m in _TAG.finditer(source)))


__all__ = [
    "CompiledTemplate",
    "RenderError",
    "RenderedEmail",
    "TemplateError",
    "TemplateSyntaxError",
    "VariableContract",
    "analyze",
    "compile_template",
    "merge_template_data",
    "render_email",
]
