"""Render the three parts of an SES email template with one data set."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .template import Template, parse_template

# Every character a mail header or a terminal treats as the end of a line: CR and LF, and also
# VT, FF, NEL and the Unicode line and paragraph separators (some clients and parsers break
# lines there, so data holding them could still start a header line of its own).
LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def has_line_break(text: str) -> bool:
    """A line break in a header value (subject, address) would let data write headers of its own."""
    return any(char in LINE_BREAKS for char in text)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str | None
    text: str | None


def render_email(
    subject: str, html: str | None, text: str | None, data: Any, *, null_is_missing: bool = True
) -> RenderedEmail:
    """Render subject, HTML and text as SES does (no escaping, strict); raises
    TemplateSyntaxError or RenderError naming the part, line and column."""

    def one(source: str | None, part: str) -> str | None:
        if source is None:
            return None
        return _parsed(source, part).render(data, null_is_missing=null_is_missing)

    return RenderedEmail(
        subject=one(subject, "subject") or "", html=one(html, "html"), text=one(text, "text")
    )


@lru_cache(maxsize=512)
def _parsed(source: str, part: str) -> Template:
    """Parsed templates are immutable: a one-shot render interprets the tree, and a template
    rendered again and again compiles itself (Template.render)."""
    return parse_template(source, part=part)
