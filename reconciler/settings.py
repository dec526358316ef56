"""Settings shared by every command: how to reach AWS, taken from the root command's options.

A core module (below aws/), so the connection code, the use cases and every adapter (the CLI,
the MCP server) read the same object without importing the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass

# IAM's rule: a path of printable ASCII (at most 512 characters with its slashes) and a role
# name of 1-64 characters; sesctl.yaml's roleArn and --role-arn are both held to it.
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/([!-~]{0,510}/)?[A-Za-z0-9+=,.@_-]{1,64}$"
ROLE_ARN_HINT = "an IAM role ARN (arn:aws:iam::123456789012:role/name)"


@dataclass
class Settings:
    local: bool = False
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    role_arn: str | None = None
    color: bool = True
    env: str | None = None  # sesctl.yaml environment (root --env / $SESCTL_ENV); a command's --env wins
