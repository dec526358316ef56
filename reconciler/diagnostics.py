"""Diagnostics: every problem sesctl finds in a user's files, as data.

Problems are collected, never thrown one at a time, so a user sees all of them in one run
(Terraform's tfdiags, octodns's ValidationError). Each has a stable code in cfn-lint style:
the letter is the severity (E error, W warning, I info), the first digit the area.

    E1xxx  loading: YAML syntax, documents, files, the project file, ``${var}`` substitution
    E2xxx  schema: unknown fields, wrong types, bad enum values, out-of-range numbers, names
    E3xxx  references: dangling configuration sets / pools, duplicate names, body files
    E4xxx  templates: syntax, required variables missing from defaults or test data, size
    W4xxx  template lints: Gmail clipping, missing text part, marketing without unsubscribe
    W5xxx  personal data committed to git (reconciler/manifest/personal_data.py)

The table of codes lives in ``CODES`` (and in docs/manifests.md); a test keeps them in step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

# code -> one-line meaning. Codes are stable: never renumber, only add.
CODES: dict[str, str] = {
    "E1001": "YAML syntax error",
    "E1002": "a document is not a mapping",
    "E1003": "duplicate key in a mapping",
    "E1004": "path not found or not readable",
    "E1005": "no manifests found",
    "E1101": "invalid project file (sesctl.yaml)",
    "E1102": "unknown environment",
    "E1201": "undefined variable in ${...}",
    "E1202": "undefined environment variable in ${env:...}",
    "E1203": "credential environment variable in ${env:...}",
    "E1204": "${env:NAME} whose name does not start with SESCTL_VAR_",
    "E2001": "invalid value",
    "E2002": "unknown field",
    "E2003": "missing required field",
    "E2004": "wrong type",
    "E2005": "value not allowed (enum)",
    "E2006": "number out of range",
    "E2007": "unknown kind",
    "E2008": "unsupported apiVersion",
    "E2009": "invalid name",
    "E3001": "event destination names a configuration set that is not in the manifests",
    "E3002": "configuration set names a dedicated IP pool that is not in the manifests",
    "E3003": "duplicate resource name",
    "E3004": "template body file not found, unreadable or outside the project",
    "E3005": "singleton kind declared more than once",
    "E4001": "template syntax error",
    "E4002": "required template variable missing from defaults",
    "E4003": "required template variable missing from a test's data",
    "E4004": "template larger than the SES limit (500 KB)",
    "E4005": "template does not render with its defaults",
    "E4007": "a template part contains a NUL byte",
    "E4008": "a template subject contains a line break",
    "W4001": "rendered HTML over 102 KB: Gmail clips the rest",
    "W4002": "template has no text part",
    "W4003": "marketing template without an unsubscribe link",
    "W4004": "template has neither defaults nor tests: its variables are not checked",
    "W5001": "personal data (a real-looking address or a phone number) in template defaults or test data",
}


@dataclass(frozen=True)
class Diagnostic:
    """One problem, located as precisely as the input allows (line/column are 1-based, 0 = unknown)."""

    code: str
    severity: Severity
    summary: str
    detail: str = ""
    file: str = ""
    line: int = 0
    column: int = 0
    address: str = ""  # "Kind/name"
    field: str = ""  # "spec.deliveryOptions.maxDeliverySeconds" (YAML spelling)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def location(self) -> str:
        if not self.file:
            return ""
        if self.line <= 0:
            return self.file
        if self.column <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"

    def format(self) -> str:
        """``path:line:col: E2001 ConfigurationSet/marketing spec.x: message``"""
        parts = []
        if self.location:
            parts.append(f"{self.location}:")
        parts.append(self.code)
        if self.address:
            parts.append(self.address)
        if self.field:
            parts.append(f"{self.field}:")
        elif self.address:
            parts[-1] += ":"
        head = " ".join(parts)
        text = f"{head} {self.summary}"
        if self.detail:
            text += "\n    " + self.detail.replace("\n", "\n    ")
        return text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["location"] = self.location
        return data


def error(code: str, summary: str, **where: Any) -> Diagnostic:
    return Diagnostic(code=code, severity="error", summary=summary, **where)


def warning(code: str, summary: str, **where: Any) -> Diagnostic:
    return Diagnostic(code=code, severity="warning", summary=summary, **where)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.file, d.line, d.column, d.code)


def format_text(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n".join(d.format() for d in diagnostics)


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    items = [d.to_dict() for d in diagnostics]
    summary = {
        "errors": sum(1 for d in items if d["severity"] == "error"),
        "warnings": sum(1 for d in items if d["severity"] == "warning"),
    }
    return json.dumps({"valid": summary["errors"] == 0, "summary": summary, "diagnostics": items}, indent=2)


__all__ = [
    "CODES",
    "Diagnostic",
    "Severity",
    "error",
    "format_json",
    "format_text",
    "has_errors",
    "sort_key",
    "warning",
]
