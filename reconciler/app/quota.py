"""The quota use case: the account's sending quota and status (GetAccount), for `sesctl quota`
and the MCP server's get_send_quota."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.app.connect import connect
from reconciler.aws.account import UNLIMITED, AccountStatus, account_status
from reconciler.aws.gateway import SesGateway
from reconciler.settings import Settings


def quota_summary(status: AccountStatus) -> dict[str, Any]:
    """The figures `sesctl quota --json` prints and MCP get_send_quota returns
    (``max_24_hour_send`` -1: unlimited, as SES says it)."""
    quota = status.quota
    return {
        "sending_enabled": status.sending_enabled,
        "production_access": status.production_access,
        "enforcement_status": status.enforcement_status,
        "max_send_rate": quota.max_send_rate,
        "max_24_hour_send": UNLIMITED if quota.max_24_hour_send is None else quota.max_24_hour_send,
        "sent_last_24_hours": quota.sent_last_24_hours,
        "used_percent": quota.used_percent,
        "suppressed_reasons": list(status.suppressed_reasons),
    }


def read_quota(gateway: SesGateway) -> dict[str, Any]:
    return quota_summary(account_status(gateway))


def quota(settings: Settings, project: Path = Path(".")) -> dict[str, Any]:
    """The quota of the account the settings (and sesctl.yaml's environment) point at."""
    with connect(settings, project=project) as conn:
        return read_quota(conn.gateway)
