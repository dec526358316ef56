"""AccountSettings: the account's sending switch, production-access details, VDM and dedicated
IP auto warm-up in one region: an account singleton named ``account``.

The account always has these settings, so the plan for it is an update or nothing; ``create``
puts every declared setting like an update, and removing the document leaves the account as it
is (``delete`` does nothing: nothing is ever reset, as Terraform's account singletons do).

Normalized:

    sending_enabled                   bool (SES's default: True)
    details                           None (not managed) | {mail_type, website_url,
                                      contact_language, use_case_description,
                                      additional_contact_email_addresses: [sorted] | None}
    vdm_attributes                    {vdm_enabled, dashboard_attributes: {engagement_metrics},
                                      guardian_attributes: {optimized_shared_delivery}}: every
                                      member filled in, DISABLED when SES states none
    dedicated_ip_auto_warmup_enabled  bool (SES's default: False)

``details`` is PutAccountDetails, which asks AWS for production access and cannot be taken
back: it is managed only when the manifest declares it (left out, the live details are kept,
and a declared member left out keeps its live value), and sent only when it differs from
GetAccount's ``Details``. Its contact addresses are personal data, masked in plans
(``KindPlugin.personal_data``). The suppression list settings are SuppressionPolicy's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.kinds.base import JsonDict, LiveObject, Risk, live_object
from reconciler.kinds.common import InPlaceKind, iam, pascal, snake, sorted_set, spec_dict
from reconciler.kinds.plugin import KindPlugin
from reconciler.kinds.specs.account_settings import SINGLETON_NAME, AccountSettingsSpec

if TYPE_CHECKING:  # validate loads the kinds; only plan and apply need the AWS side
    from reconciler.aws.gateway import SesGateway

DISABLED = "DISABLED"
_DETAIL_MEMBERS = (
    "mail_type",
    "website_url",
    "contact_language",
    "use_case_description",
    "additional_contact_email_addresses",
)
# PutAccountDetails spells one member unlike pascal() does (WebsiteURL, not WebsiteUrl).
_SES_SPELLING = {"WebsiteUrl": "WebsiteURL"}


class AccountSettingsKind(InPlaceKind):
    kind: ClassVar[str] = "AccountSettings"
    # Account-wide switches first: they refer to nothing, and a paused account or a VDM change
    # is what every later wave's sends depend on (SuppressionPolicy is 5).
    wave: ClassVar[int] = 1
    taggable: ClassVar[bool] = False
    singleton: ClassVar[bool] = True
    iam_actions: ClassVar[frozenset[str]] = iam(
        "GetAccount",
        "PutAccountSendingAttributes",
        "PutAccountDetails",
        "PutAccountVdmAttributes",
        "PutAccountDedicatedIpWarmupAttributes",
    )

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        data = spec_dict(spec)
        return {
            "sending_enabled": bool(data.get("sending_enabled", True)),
            "details": _details(data.get("details")),
            "vdm_attributes": _vdm(data.get("vdm_attributes")),
            "dedicated_ip_auto_warmup_enabled": bool(data.get("dedicated_ip_auto_warmup_enabled", False)),
        }

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        details = raw.get("Details")
        return {
            # GetAccount leaves out nothing it knows; a missing member is SES's default
            # (reconciler/aws/account.py reads GetAccount the same way).
            "sending_enabled": raw.get("SendingEnabled") is not False,
            "details": _details(_from_ses(details)) if details else None,
            "vdm_attributes": _vdm(snake(raw.get("VdmAttributes") or {})),
            "dedicated_ip_auto_warmup_enabled": raw.get("DedicatedIpAutoWarmupEnabled") is True,
        }

    def fill_unmanaged(self, desired: JsonDict, live: JsonDict | None) -> JsonDict:
        held = (live or {}).get("details")
        wanted = desired.get("details")
        if wanted is None:
            return {**desired, "details": held}  # not managed: the live details stay
        if held:
            wanted = {k: held.get(k) if wanted.get(k) is None else wanted[k] for k in _DETAIL_MEMBERS}
        return {**desired, "details": wanted}

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        if names is not None and SINGLETON_NAME not in names:
            return {}
        account = gateway.call_cached("GetAccount")
        raw = {
            key: account.get(key)
            for key in ("SendingEnabled", "Details", "VdmAttributes", "DedicatedIpAutoWarmupEnabled")
        }
        return {SINGLETON_NAME: live_object(SINGLETON_NAME, self.normalize_live(raw), None, raw)}

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        self._put(gateway, desired, [k for k in desired if k != "details" or desired[k] is not None])

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        self._put(gateway, desired, changed)

    def _put(self, gateway: SesGateway, desired: JsonDict, changed: Sequence[str]) -> None:
        if "details" in changed and desired.get("details"):
            details = {_SES_SPELLING.get(k, k): v for k, v in pascal(desired["details"]).items()}
            # SES asks for production access with these details (a no-op for an account that has it).
            gateway.call("PutAccountDetails", ProductionAccessEnabled=True, **details)
        if "vdm_attributes" in changed:
            gateway.call("PutAccountVdmAttributes", VdmAttributes=pascal(desired["vdm_attributes"]))
        if "dedicated_ip_auto_warmup_enabled" in changed:
            gateway.call(
                "PutAccountDedicatedIpWarmupAttributes",
                AutoWarmupEnabled=desired["dedicated_ip_auto_warmup_enabled"],
            )
        if "sending_enabled" in changed:
            gateway.call("PutAccountSendingAttributes", SendingEnabled=desired["sending_enabled"])

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        """Nothing: leaving the manifests leaves the account's settings as they are."""

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        if after is None:
            return []
        old = before or {}
        found: list[Risk] = []
        was_sending = old.get("sending_enabled", True)
        if was_sending and not after["sending_enabled"]:
            found.append(
                Risk(
                    "account_sending_paused",
                    "high",
                    "apply pauses sending for the whole account in this region: SES refuses every send "
                    "(every template, identity and configuration set) until sendingEnabled is true again.",
                )
            )
        elif not was_sending and after["sending_enabled"]:
            found.append(
                Risk(
                    "account_sending_resumed",
                    "medium",
                    "apply resumes sending for the whole account in this region (if AWS paused it for "
                    "its reputation, PutAccountSendingAttributes cannot resume it: AWS support must).",
                )
            )
        if after.get("details") and after["details"] != old.get("details"):
            found.append(
                Risk(
                    "production_access_request",
                    "medium",
                    "apply submits the account details (PutAccountDetails): AWS reviews them as a "
                    "request for production access in this region; a submission cannot be withdrawn or "
                    "undone, and taking the details out of the manifest later leaves them as they are.",
                )
            )
        return found


def _from_ses(details: Mapping[str, Any]) -> JsonDict:
    """GetAccount's Details in snake_case (WebsiteURL -> website_url), without ReviewDetails."""
    data: JsonDict = snake({k: v for k, v in details.items() if k != "ReviewDetails"})
    return data


def _details(data: Mapping[str, Any] | None) -> JsonDict | None:
    if not data:
        return None
    details = {member: data.get(member) for member in _DETAIL_MEMBERS}
    details["additional_contact_email_addresses"] = sorted_set(details["additional_contact_email_addresses"])
    return details


def _vdm(data: Mapping[str, Any] | None) -> JsonDict:
    data = data or {}
    dashboard = data.get("dashboard_attributes") or {}
    guardian = data.get("guardian_attributes") or {}
    return {
        "vdm_enabled": data.get("vdm_enabled") or DISABLED,
        "dashboard_attributes": {"engagement_metrics": dashboard.get("engagement_metrics") or DISABLED},
        "guardian_attributes": {"optimized_shared_delivery": guardian.get("optimized_shared_delivery") or DISABLED},
    }


KIND = AccountSettingsKind()
# A new SES account: sending on, no details submitted, VDM off, auto warm-up off (``sesctl
# import`` leaves an account in this state out of the manifests: there is nothing to manage).
DEFAULT_NORMALIZED: JsonDict = KIND.normalize_desired(SINGLETON_NAME, {}, "")

PLUGIN = KindPlugin(
    kind=KIND,
    spec=AccountSettingsSpec,
    import_file="account.yaml",
    summary="the account's sending switch, production-access details, VDM and dedicated IP auto "
    "warm-up, named `account`",
    default=DEFAULT_NORMALIZED,
    personal_data=("details",),
)
