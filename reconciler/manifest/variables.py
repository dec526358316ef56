"""``${var}`` substitution in manifests (and ``${env:NAME}`` from the process environment).

Rules (documented in docs/manifests.md):
  - only string scalars are substituted, never keys;
  - a scalar that is exactly ``${var}`` takes the variable's value with its YAML type (so
    ``maxDeliverySeconds: ${maxDelivery}`` stays an integer); inside a longer string the value
    is inserted as text;
  - ``${env:NAME}`` reads the environment variable NAME (always a string) only when NAME starts
    with ``SESCTL_VAR_`` (E1204 otherwise), and never when its name says it holds a credential
    (…SECRET…, …TOKEN…, …PASSWORD…, …_KEY, AWS_ACCESS_KEY_ID): E1203;
  - ``$${`` writes a literal ``${``;
  - an undefined variable is an error at the scalar's position; nothing is left unreplaced.
Template body files (``{file: ...}``) are not substituted: they belong to the template language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.diagnostics import Diagnostic, error
from reconciler.manifest.loader import FieldPath, SourceMap, dotted, line_col

_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}")
# A "${" with no "}" after it (substitution would leave it as text without a word).
_UNCLOSED = re.compile(r"\$\{[^}]*$")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENV_NAME = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")
# Environment variables that hold credentials are never substituted: the value would appear in
# plans and in the pull-request comment (a PR could write subject: "${env:AWS_SECRET_ACCESS_KEY}").
# The one safe rule: only variables exported on purpose for manifests, under this prefix (as
# Terraform reads TF_VAR_*). A deny-list of credential-looking names cannot be complete
# (DATABASE_URL, SENTRY_DSN and SLACK_WEBHOOK_URL hold secrets too), and an allow-list kept in
# the repository could be widened by the very pull request whose plan would print the value;
# the prefix is chosen by whoever sets up the job's environment, not by the manifests.
ENV_PREFIX = "SESCTL_VAR_"
_CREDENTIAL_NAME = re.compile(
    r"SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|_KEY$|^AWS_ACCESS_KEY_ID$", re.IGNORECASE
)


class Substitution:
    def __init__(
        self,
        variables: Mapping[str, Any],
        environ: Mapping[str, str],
        *,
        allow_variables: bool = True,
        where: str = "",
    ) -> None:
        self.variables = variables
        self.environ = environ
        self.allow_variables = allow_variables
        self.where = where  # e.g. "environment 'production'", for messages
        self.problems: list[Diagnostic] = []

    def apply(self, data: Any, source: SourceMap, path: FieldPath = (), address: str = "") -> Any:
        if isinstance(data, dict):
            for key in data:
                if isinstance(key, str) and _REFERENCE.search(key.replace("$${", "")):
                    self._problem("E1201", f"{key[:80]!r}: ${{...}} is not substituted in keys, only in values", source, (*path, key), address)
            return {key: self.apply(value, source, (*path, key), address) for key, value in data.items()}
        if isinstance(data, list):
            return [self.apply(item, source, (*path, index), address) for index, item in enumerate(data)]
        if isinstance(data, str) and "${" in data:
            return self._string(data, source, path, address)
        return data

    def _problem(self, code: str, summary: str, source: SourceMap, path: FieldPath, address: str) -> None:
        position = source.locate_key(path) if source.has(path) else source.locate(path[:-1])
        self.problems.append(error(code, summary, **position.where(), address=address, field=dotted(path)))

    def _string(self, text: str, source: SourceMap, path: FieldPath, address: str) -> Any:
        unclosed = _UNCLOSED.search(text.replace("$${", ""))
        if unclosed:
            self._problem(
                "E1201",
                f"unclosed ${{ in {text[:80]!r}: write ${{name}}, or $${{ for a literal ${{",
                source,
                path,
                address,
            )
        whole = _REFERENCE.fullmatch(text)
        if whole and whole.group(0) != "$${":
            found, value = self._lookup(whole.group(1), source, path, address, line_col(text, 0))
            if found and isinstance(value, str):
                source.rewrites[path] = (text, [(0, len(value), 0, len(text))])
            return value if found else text

        pieces: list[str] = []
        spans: list[tuple[int, int, int, int]] = []  # (new start, new end, old start, old end)
        done = length = 0
        for match in _REFERENCE.finditer(text):
            if match.group(0) == "$${":
                replacement = "${"
            else:
                where = line_col(text, match.start())
                found, value = self._lookup(match.group(1), source, path, address, where)
                replacement = _as_text(value) if found else match.group(0)
            before = text[done : match.start()]
            pieces += [before, replacement]
            start = length + len(before)
            length = start + len(replacement)
            spans.append((start, length, match.start(), match.end()))
            done = match.end()
        pieces.append(text[done:])
        source.rewrites[path] = (text, spans)  # so positions in the result map back to the file
        return "".join(pieces)

    def _lookup(
        self, name: str, source: SourceMap, path: FieldPath, address: str, at: tuple[int, int]
    ) -> tuple[bool, Any]:
        position = source.locate_in_string(path, *at)
        where: dict[str, Any] = {**position.where(), "address": address}
        where["field"] = dotted(path)
        env = _ENV_NAME.match(name.strip())
        if env:
            key = env.group(1)
            if _CREDENTIAL_NAME.search(key):
                self.problems.append(
                    error(
                        "E1203",
                        f"${{env:{key}}}: a credential cannot be substituted into a manifest "
                        "(it would be shown in plans and pull-request comments)",
                        **where,
                    )
                )
                return False, None
            if not key.startswith(ENV_PREFIX):
                self.problems.append(
                    error(
                        "E1204",
                        f"${{env:{key}}}: only environment variables named {ENV_PREFIX}* can be substituted",
                        detail=f"Export the value as {ENV_PREFIX}{key} for sesctl (a plan shows it; never use a secret).",
                        **where,
                    )
                )
                return False, None
            if key in self.environ:
                return True, self.environ[key]
            self.problems.append(
                error("E1202", f"environment variable {key} is not set (used as ${{env:{key}}})", **where)
            )
            return False, None
        name = name.strip()
        if not _VAR_NAME.match(name):
            self.problems.append(
                error(
                    "E1201",
                    f"invalid reference ${{{name}}}: use ${{name}} or ${{env:NAME}} (write $${{ for a literal ${{)",
                    **where,
                )
            )
            return False, None
        if not self.allow_variables:
            self.problems.append(
                error("E1201", f"${{{name}}}: only ${{env:NAME}} can be used in the project file", **where)
            )
            return False, None
        if name in self.variables:
            return True, self.variables[name]
        known = ", ".join(sorted(self.variables)) or "none"
        context = f" in {self.where}" if self.where else ""
        self.problems.append(
            error(
                "E1201",
                f"undefined variable ${{{name}}}",
                detail=f"variables defined{context}: {known}. Define it under `variables:` in sesctl.yaml.",
                **where,
            )
        )
        return False, None


def _as_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    return str(value)


__all__ = ["Substitution"]
