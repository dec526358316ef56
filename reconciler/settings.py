"""Settings shared by every command: how to reach AWS, taken from the root command's options.

A core module (below aws/), so the connection code, the use cases and every adapter (the CLI,
the MCP server) read the same object without importing the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Settings:
    local: bool = False
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    role_arn: str | None = None
    color: bool = True
    env: str | None = None  # sesctl.yaml environment (root --env / $SESCTL_ENV); a command's --env wins
