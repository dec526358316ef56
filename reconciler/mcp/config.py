"""The MCP server's configuration: guardrails the model can never change.

Read from a YAML file (``sesctl mcp --config FILE``) and then ``SESCTL_MCP_*`` environment
variables, which win over the file. Nothing here is ever taken from a tool argument.

    production: false                  # true: the allow-list below applies; false: simulator only
    senders: [news@example.com, example.com]       # addresses, or whole domains
    configuration_sets: [marketing]    # the first is the default; empty: sends without one
    recipients:
      simulator_only: true             # default: true unless production
      allow: [example.com, ops@example.org]        # domains or addresses ("*": anyone)
    limits:
      max_recipients_per_call: 10
      max_recipients_per_hour: 100
    read_only: false                   # true: the send tools are not offered at all
    audit_log: "-"                     # "-" is stderr, else a file (appended)
    project: .                         # the sesctl project get_drift plans
    environment: null                  # its --env
    token: null                        # bearer token for --http (prefer SESCTL_MCP_TOKEN)
    drafts:                            # off by default: manifest edits on a new git branch
      enabled: false
      branch_prefix: sesctl/draft-
      author_name: sesctl MCP
      author_email: sesctl-mcp@localhost
      kinds: [EmailTemplate, EventDestination]
      push: false                      # push the branch to `remote` (never forced)
      remote: origin
      pull_request: false              # push, then open a pull request (GITHUB_TOKEN, GITHUB_API_URL)
      repository: null                 # owner/name; default: from the remote's URL
      base_branch: null                # default: the remote's default branch, else main
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reconciler.errors import UsageError
from reconciler.files import read_text
from reconciler.manifest.loader import load_mapping

SIMULATOR_DOMAIN = "simulator.amazonses.com"
ENV_PREFIX = "SESCTL_MCP_"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecipientPolicy(_Strict):
    simulator_only: bool | None = Field(
        default=None, description="Only @simulator.amazonses.com; default: true unless production."
    )
    allow: list[str] = Field(
        default_factory=list, description="Allowed domains or addresses; '*' for anyone."
    )

    @field_validator("allow")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [v.strip().lower().lstrip("@") for v in value if v.strip()]


class Limits(_Strict):
    max_recipients_per_call: int = Field(default=10, ge=1, le=10_000)
    max_recipients_per_hour: int = Field(default=100, ge=1, le=1_000_000)


DraftKind = Literal["EmailTemplate", "EventDestination"]
DRAFT_KINDS: tuple[DraftKind, ...] = ("EmailTemplate", "EventDestination")


class DraftsConfig(_Strict):
    enabled: bool = Field(default=False, description="Offer the draft_* tools (git branches, never SES).")
    branch_prefix: str = Field(default="sesctl/draft-", pattern=r"^[A-Za-z0-9._/-]{1,60}$")
    author_name: str = Field(default="sesctl MCP", min_length=1, max_length=100)
    author_email: str = Field(default="sesctl-mcp@localhost", min_length=3, max_length=200)
    kinds: list[DraftKind] = Field(default_factory=lambda: list(DRAFT_KINDS))
    push: bool = Field(default=False, description="Push the draft's branch to `remote` (never forced).")
    remote: str = Field(default="origin", pattern=r"^[A-Za-z0-9._-]{1,60}$")
    pull_request: bool = Field(
        default=False, description="Push and open a pull request (token: GITHUB_TOKEN of the server's environment)."
    )
    repository: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$",
        description="owner/name; default: read from the remote's URL.",
    )
    base_branch: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9._/-]{1,100}$",
        description="The pull request's base; default: the remote's default branch, else main.",
    )


class McpConfig(_Strict):
    production: bool = False
    senders: list[str] = Field(default_factory=list)
    configuration_sets: list[str] = Field(default_factory=list)
    recipients: RecipientPolicy = Field(default_factory=RecipientPolicy)
    limits: Limits = Field(default_factory=Limits)
    read_only: bool = False
    audit_log: str = "-"
    project: Path = Path(".")
    environment: str | None = None
    token: str | None = Field(default=None, repr=False)
    drafts: DraftsConfig = Field(default_factory=DraftsConfig)

    @field_validator("senders")
    @classmethod
    def _senders(cls, value: list[str]) -> list[str]:
        return [v.strip().lower().lstrip("@") for v in value if v.strip()]

    @property
    def simulator_only(self) -> bool:
        explicit = self.recipients.simulator_only
        return (not self.production) if explicit is None else explicit

    def summary(self) -> dict[str, Any]:
        """What the server enforces, for the startup log and get_send_quota (no token)."""
        return {
            "production": self.production,
            "senders": self.senders,
            "configuration_sets": self.configuration_sets,
            "simulator_only": self.simulator_only,
            "recipient_allow_list": self.recipients.allow,
            "max_recipients_per_call": self.limits.max_recipients_per_call,
            "max_recipients_per_hour": self.limits.max_recipients_per_hour,
            "read_only": self.read_only,
        }


# SESCTL_MCP_<NAME> -> (path in the config document, kind)
_ENV: dict[str, tuple[tuple[str, ...], str]] = {
    "PRODUCTION": (("production",), "bool"),
    "SENDERS": (("senders",), "list"),
    "CONFIGURATION_SETS": (("configuration_sets",), "list"),
    "SIMULATOR_ONLY": (("recipients", "simulator_only"), "bool"),
    "ALLOW_RECIPIENTS": (("recipients", "allow"), "list"),
    "MAX_RECIPIENTS_PER_CALL": (("limits", "max_recipients_per_call"), "str"),
    "MAX_RECIPIENTS_PER_HOUR": (("limits", "max_recipients_per_hour"), "str"),
    "READ_ONLY": (("read_only",), "bool"),
    "DRAFTS": (("drafts", "enabled"), "bool"),
    "DRAFTS_PULL_REQUEST": (("drafts", "pull_request"), "bool"),
    "AUDIT_LOG": (("audit_log",), "str"),
    "PROJECT": (("project",), "str"),
    "ENVIRONMENT": (("environment",), "str"),
    "TOKEN": (("token",), "str"),
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> McpConfig:
    """The file (if any) overlaid with ``SESCTL_MCP_*`` variables; UsageError naming the file,
    variable and field on bad input."""
    environ = os.environ if environ is None else environ
    document: dict[str, Any] = {}
    source = "configuration"
    if path is not None:
        source = str(path)
        text = read_text(path, "the MCP configuration")
        document = load_mapping(text, str(path), "the MCP configuration") if text.strip() else {}
    for name, (where, kind) in _ENV.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is None:
            continue
        value: Any = raw
        if kind == "bool":
            if raw.strip().lower() not in _TRUE | _FALSE:
                raise UsageError(f"{ENV_PREFIX}{name}={raw!r}: expected true or false")
            value = raw.strip().lower() in _TRUE
        elif kind == "list":
            value = [item.strip() for item in raw.split(",") if item.strip()]
        node = document
        for key in where[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[where[-1]] = value
        if path is None:
            source = f"{ENV_PREFIX}* environment"
    try:
        return McpConfig.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise UsageError(
            f"{source}: invalid MCP server setting: {problems}",
            hint="See docs/mcp.md (guardrail configuration reference).",
        ) from None
