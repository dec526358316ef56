"""Settings shared by every command, taken from the root command's options."""

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
