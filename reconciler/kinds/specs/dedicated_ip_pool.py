"""DedicatedIpPool: a pool of dedicated sending IPs.

``scalingMode: MANAGED`` pools are run by SES (no IPs listed). ``STANDARD`` pools may list the
account's leased IPs that belong in the pool, each with an optional warm-up percentage. SES
refuses to turn a MANAGED pool into a STANDARD one; the engine plans that as a replacement.
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator, model_validator

from reconciler.kinds.specs.base import SpecModel, Tags, no_items

ScalingMode = Literal["STANDARD", "MANAGED"]


class DedicatedIp(SpecModel):
    ip: str
    warmup_percentage: int | None = Field(default=None, ge=0, le=100)

    @field_validator("ip")
    @classmethod
    def _ipv4(cls, value: str) -> str:
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4 address") from None
        return value


class DedicatedIpPoolSpec(SpecModel):
    """``kind: DedicatedIpPool``; the pool's name is ``metadata.name``."""

    scaling_mode: ScalingMode = "STANDARD"
    dedicated_ips: list[DedicatedIp] = Field(default_factory=no_items)
    tags: Tags = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ips_only_for_standard(self) -> DedicatedIpPoolSpec:
        if self.scaling_mode == "MANAGED" and self.dedicated_ips:
            raise ValueError(
                "a MANAGED pool's IPs are chosen by SES: remove dedicatedIps or use scalingMode: STANDARD"
            )
        seen: set[str] = set()
        for entry in self.dedicated_ips:
            if entry.ip in seen:
                raise ValueError(f"IP {entry.ip} is listed more than once")
            seen.add(entry.ip)
        return self


__all__ = ["DedicatedIp", "DedicatedIpPoolSpec", "ScalingMode"]
