"""The quota use case: the account's sending quota and status (GetAccount), for `sesctl quota`
and the MCP server's get_send_quota."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.app.connect import connect
from reconciler.aws.gateway import SesGateway
from reconciler.settings import Settings


def quota_summary(account: dict[str, Any]) -> dict[str, Any]:
    quota = account.get("SendQuota") or {}
    maximum = float(quota.get("Max24HourSend", 0.0))
    sent = float(quota.get("SentLast24Hours", 0.0))
    return {
        "sending_enabled": bool(account.get("SendingEnabled", False)),
        "production_access": bool(account.get("ProductionAccessEnabled", False)),
        "enforcement_status": account.get("EnforcementStatus"),
        "max_send_rate": float(quota.get("MaxSendRate", 0.0)),
        "max_24_hour_send": maximum,
        "sent_last_24_hours": sent,
        "used_percent": round(100.0 * sent / maximum, 2) if maximum > 0 else None,
        "suppressed_reasons": (account.get("SuppressionAttributes") or {}).get("SuppressedReasons", []),
    }


def read_quota(gateway: SesGateway) -> dict[str, Any]:
    return quota_summary(gateway.call("GetAccount"))


def quota(settings: Settings, project: Path = Path(".")) -> dict[str, Any]:
    """The quota of the account the settings (and sesctl.yaml's environment) point at."""
    with connect(settings, project=project) as conn:
        return read_quota(conn.gateway)
