"""What the tools work with: the configuration, the guardrails and the AWS side (one per server)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.app.send_watch import PolicyRatesCache
from reconciler.aws.clients import AwsContext
from reconciler.aws.gateway import SesGateway
from reconciler.mcp.audit import AuditLog
from reconciler.mcp.config import McpConfig
from reconciler.mcp.guardrails import Guardrails
from reconciler.mcp.previews import PreviewCache
from reconciler.settings import Settings


@dataclass
class McpApp:
    config: McpConfig
    aws: AwsContext
    gateway: SesGateway
    settings: Settings = field(default_factory=Settings)  # for get_drift (app.drift)
    rates: Any = None  # client-side SES request rates (RateLimits.parse), shared with get_drift
    audit: AuditLog = field(default_factory=AuditLog)
    guardrails: Guardrails = field(init=False)
    previews: PreviewCache[Any] = field(default_factory=PreviewCache, init=False, repr=False)  # mcp/sends.py
    alert_rates: PolicyRatesCache = field(init=False, repr=False)  # the AlertPolicy thresholds sends are judged on
    _cloudwatch: Any = field(default=None, init=False, repr=False)
    _emulator: tuple[str | None] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.guardrails = Guardrails(self.config)
        self.alert_rates = PolicyRatesCache(Path(self.config.project))

    @classmethod
    def create(
        cls,
        config: McpConfig,
        aws: AwsContext,
        *,
        settings: Settings | None = None,
        rates: Any = None,
        audit: AuditLog | None = None,
        gateway: SesGateway | None = None,
    ) -> McpApp:
        return cls(
            config=config,
            aws=aws,
            gateway=gateway or SesGateway.from_aws(aws, rates=rates),
            settings=settings or Settings(),
            rates=rates,
            audit=audit or AuditLog.for_project(config.audit_log, config.project),
        )

    def cloudwatch(self) -> Any:
        with self._lock:
            if self._cloudwatch is None:
                self._cloudwatch = self.aws.client("cloudwatch")
            return self._cloudwatch

    def emulator_url(self) -> str | None:
        """The endpoint when it is a sesctl emulator (its sent messages can then be read)."""
        with self._lock:
            if self._emulator is None:
                from reconciler.sending.resolver import emulator_resolver

                resolver = emulator_resolver(self.aws.endpoint_url)
                self._emulator = (resolver.endpoint_url if resolver else None,)
            return self._emulator[0]
