"""The ``audit:`` and ``retention:`` sections of sesctl.yaml (see docs/compliance.md).

    audit:
      path: .sesctl/audit.jsonl     # relative to sesctl.yaml; SESCTL_AUDIT_LOG overrides
      keyEnv: SESCTL_AUDIT_KEY      # the environment variable holding the HMAC key (a secret)
      keyFile: /run/secrets/audit   # or a file holding it; never the key itself in this file
      s3: {bucket: acme-audit, prefix: sesctl/}          # optional copies off the machine
      cloudwatch: {logGroup: /sesctl/audit, logStream: production}
    retention:                      # days; absent: kept for ever
      events: 90
      audit: 400
      journals: 30
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from reconciler.kinds.specs.base import PATTERN_HINTS, SpecModel, pattern

# A log stream name: 1-512 characters, none of them ':' or '*'. Compiled by pydantic-core's
# regex engine, that pattern (a Unicode class repeated up to 512 times) cost every command
# that reads sesctl.yaml 2.5 ms; it is matched with Python's re instead, failing with the
# error the pattern constraint gives (so the same message) and shown as it in the JSON Schema.
LOG_STREAM_PATTERN = r"^[^:*]{1,512}$"
PATTERN_HINTS[LOG_STREAM_PATTERN] = "a log stream name (no ':' or '*')"
_LOG_STREAM = re.compile(LOG_STREAM_PATTERN.removeprefix("^").removesuffix("$"))


def _log_stream(value: str) -> str:
    if _LOG_STREAM.fullmatch(value) is None:
        raise PydanticCustomError(
            "string_pattern_mismatch", "String should match pattern '{pattern}'", {"pattern": LOG_STREAM_PATTERN}
        )
    return value


LogStream = Annotated[str, AfterValidator(_log_stream), WithJsonSchema({"pattern": LOG_STREAM_PATTERN, "type": "string"})]

EnvVarName = Annotated[str, pattern(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$", "an environment variable name")]
Days = Annotated[int, Field(ge=1, le=36500)]


class S3SinkConfig(SpecModel):
    bucket: Annotated[str, pattern(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "an S3 bucket name")]
    prefix: str = "sesctl-audit/"
    region: str | None = None
    endpoint_url: str | None = None
    object_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    """Used when the bucket has Object Lock but no default retention of its own."""
    retain_days: Days = 400


class CloudWatchSinkConfig(SpecModel):
    log_group: Annotated[str, pattern(r"^[.\-_/#A-Za-z0-9]{1,512}$", "a CloudWatch Logs group name")]
    log_stream: LogStream = "sesctl"
    region: str | None = None
    endpoint_url: str | None = None


class AuditConfig(SpecModel):
    path: str = ".sesctl/audit.jsonl"
    key_env: EnvVarName | None = None
    """The environment variable holding the HMAC key (default SESCTL_AUDIT_KEY)."""
    key_file: str | None = None
    """A file holding the HMAC key (e.g. a mounted secret); SESCTL_AUDIT_KEY_FILE overrides."""
    s3: S3SinkConfig | None = None
    cloudwatch: CloudWatchSinkConfig | None = None


class RetentionConfig(SpecModel):
    events: Days | None = None
    """Days to keep events in the store."""
    audit: Days | None = None
    """Days to keep audit entries (older ones are cut into a signed checkpoint)."""
    journals: Days | None = None
    """Days to keep send checkpoints and journals."""


__all__ = ["AuditConfig", "CloudWatchSinkConfig", "RetentionConfig", "S3SinkConfig"]
