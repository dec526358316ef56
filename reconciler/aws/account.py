"""The account's sending status, parsed once from GetAccount.

    status = account_status(gateway)        # one GetAccount
    status.sending_enabled; status.quota.remaining; status.quota.pacing_rate

Every reader of GetAccount (quota, send preflight, MCP diagnose and sends) takes an
AccountStatus, so a member SES leaves out means the same thing everywhere. The defaults, from
SES's API reference (GetAccount, SendQuota) and the sending quotas page:

- ``SendingEnabled`` missing: enabled. Sending is on for every account unless SES (enforcement)
  or the owner (PutAccountSendingAttributes) paused it, and a paused account says false; SES
  still refuses a send to a paused account, so assuming enabled invents no send.
- ``ProductionAccessEnabled`` missing: the sandbox (false). New accounts start there, and the
  sandbox is the state with more limits: warning about it costs less than not warning.
- ``Max24HourSend`` -1 is SES's "unlimited"; missing is treated the same (no limit stated, so
  none enforced client-side; SES still answers ACCOUNT_DAILY_QUOTA_EXCEEDED per entry).
- ``MaxSendRate`` missing or not positive: 1 per second, the sandbox rate and the lowest SES
  grants, so pacing never goes faster than the account may.
- ``SentLast24Hours`` missing: 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.aws.gateway import SesGateway

UNLIMITED = -1.0  # SES's Max24HourSend for an account without a 24-hour quota
SANDBOX_SEND_RATE = 1.0  # messages/s: the sandbox's MaxSendRate, the lowest SES grants


@dataclass(frozen=True)
class SendQuota:
    max_24_hour_send: float | None  # None: unlimited (SES's -1, or no quota stated)
    max_send_rate: float  # recipients per second; SANDBOX_SEND_RATE when SES states none
    sent_last_24_hours: float

    @property
    def remaining(self) -> float | None:
        """What is left of the 24-hour quota (never below 0); None when it is unlimited."""
        if self.max_24_hour_send is None:
            return None
        return max(0.0, self.max_24_hour_send - self.sent_last_24_hours)

    @property
    def used_percent(self) -> float | None:
        if not self.max_24_hour_send:  # unlimited, or a quota of 0
            return None
        return round(100.0 * self.sent_last_24_hours / self.max_24_hour_send, 2)


@dataclass(frozen=True)
class AccountStatus:
    sending_enabled: bool
    production_access: bool  # False: the sandbox (verified recipients and the simulator only)
    enforcement_status: str | None  # HEALTHY, PROBATION, SHUTDOWN
    quota: SendQuota
    suppressed_reasons: tuple[str, ...]  # account-level suppression: BOUNCE, COMPLAINT
    vdm_enabled: bool | None  # Virtual Deliverability Manager; None: not stated
    dedicated_ip_auto_warmup: bool

    @classmethod
    def parse(cls, response: Mapping[str, Any]) -> AccountStatus:
        """A GetAccount response; the defaults for missing members are the module's."""
        quota = response.get("SendQuota") or {}
        maximum = _number(quota.get("Max24HourSend"))
        rate = _number(quota.get("MaxSendRate"))
        vdm = (response.get("VdmAttributes") or {}).get("VdmEnabled")
        return cls(
            sending_enabled=response.get("SendingEnabled") is not False,
            production_access=response.get("ProductionAccessEnabled") is True,
            enforcement_status=_text(response.get("EnforcementStatus")),
            quota=SendQuota(
                max_24_hour_send=None if maximum is None or maximum < 0 else maximum,
                max_send_rate=rate if rate is not None and rate > 0 else SANDBOX_SEND_RATE,
                sent_last_24_hours=_number(quota.get("SentLast24Hours")) or 0.0,
            ),
            suppressed_reasons=tuple(
                str(r) for r in (response.get("SuppressionAttributes") or {}).get("SuppressedReasons") or ()
            ),
            vdm_enabled=None if vdm is None else vdm == "ENABLED",
            dedicated_ip_auto_warmup=response.get("DedicatedIpAutoWarmupEnabled") is True,
        )


def account_status(gateway: SesGateway) -> AccountStatus:
    """One GetAccount, parsed."""
    return AccountStatus.parse(gateway.call("GetAccount"))


def _number(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
