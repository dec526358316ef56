"""Template errors. Every one carries the part (subject, html, text, inline or a partial name) and a
1-based line and column, so a user can find the spot in their file."""

from __future__ import annotations

from reconciler.errors import ReconcilerError

Part = str  # "subject" | "html" | "text" | "inline" | "" (unknown)


class TemplateError(ReconcilerError):
    """A template problem with a position: part, 1-based line and column."""

    def __init__(self, message: str, *, part: Part = "", line: int = 0, column: int = 0) -> None:
        position = f"{line}:{column}" if line else ""
        where = ":".join(x for x in (part, position) if x)
        where = f"{where}: " if where else ""
        super().__init__(f"{where}{message}")
        self.reason = message
        self.part = part
        self.line = line
        self.column = column


class TemplateSyntaxError(TemplateError):
    """The template does not parse, or uses a construct SES refuses."""


class RenderError(TemplateError):
    """Rendering failed, e.g. a printed variable is missing from the data (SES: Rendering Failure).

    ``variable`` is the path as written (``name``, ``../site``); ``path`` is where it points
    in the data, in the notation of the variable contracts (``items[].name``, ``site``), or ""
    when that is not known statically."""

    def __init__(
        self,
        message: str,
        *,
        variable: str = "",
        part: Part = "",
        line: int = 0,
        column: int = 0,
        path: str = "",
    ) -> None:
        super().__init__(message, part=part, line=line, column=column)
        self.variable = variable
        self.path = path
