"""The account: GetAccount, PutAccountDetails, PutAccountSendingAttributes,
PutAccountVdmAttributes, and the admin action ``configure_account`` for tests.

A fresh emulated account is a production account (state.Account documents the quotas).
"""

from __future__ import annotations

import uuid
from typing import Any

from reconciler.emulator.errors import ConflictException
from reconciler.emulator.lookups import refresh_sent_last_24_hours
from reconciler.emulator.operations.common import check_email, parse
from reconciler.emulator.registry import OperationContext, Params, Result, admin_action, operation
from reconciler.emulator.state import SANDBOX_QUOTA, Account, AccountDetails, Review, VdmAttributes


@operation("GetAccount")
def get_account(ctx: OperationContext, params: Params) -> Result:
    account = ctx.state.account
    suppression: dict[str, Any] = {"SuppressedReasons": list(account.suppressed_reasons)}
    if account.suppression_validation is not None:
        suppression["ValidationAttributes"] = account.suppression_validation.out()
    result: Result = {
        "DedicatedIpAutoWarmupEnabled": account.dedicated_ip_auto_warmup_enabled,
        "EnforcementStatus": account.enforcement_status,
        "ProductionAccessEnabled": account.production_access_enabled,
        "SendQuota": {
            "Max24HourSend": account.max_24_hour_send,
            "MaxSendRate": account.max_send_rate,
            "SentLast24Hours": refresh_sent_last_24_hours(ctx.state, ctx.now()),
        },
        "SendingEnabled": account.sending_enabled,
        "SuppressionAttributes": suppression,
        "VdmAttributes": account.vdm.out(),
    }
    if account.details is not None:
        result["Details"] = account.details.out()
    return result


@operation("PutAccountDetails")
def put_account_details(ctx: OperationContext, params: Params) -> Result:
    account = ctx.state.account
    review = account.details.ReviewDetails if account.details is not None else None
    if review is not None and review.Status == "PENDING":
        # SES: "If there is already an ongoing account details update under review."
        raise ConflictException(
            f"The account details are under review (case {review.CaseId}); they cannot be updated until AWS answers."
        )
    members = (
        "MailType",
        "WebsiteURL",
        "ContactLanguage",
        "UseCaseDescription",
        "AdditionalContactEmailAddresses",
    )
    details = parse(AccountDetails, {m: params[m] for m in members if m in params}, "AccountDetails")
    for address in details.AdditionalContactEmailAddresses or []:
        check_email(address, "AdditionalContactEmailAddresses")
    if params.get("ProductionAccessEnabled"):
        # A sandbox account asks for production access: the request waits for review (the
        # admin action configure_account(review_status="GRANTED") plays the reviewer).
        details.ReviewDetails = Review(
            Status="GRANTED" if account.production_access_enabled else "PENDING", CaseId=uuid.uuid4().hex[:10]
        )
    elif account.details is not None:
        details.ReviewDetails = account.details.ReviewDetails
    account.details = details
    return {}


@operation("PutAccountSendingAttributes")
def put_account_sending_attributes(ctx: OperationContext, params: Params) -> Result:
    # A left-out SendingEnabled reads as false, as SES reads a boolean left out of a request.
    ctx.state.account.sending_enabled = bool(params.get("SendingEnabled", False))
    return {}


@operation("PutAccountVdmAttributes")
def put_account_vdm_attributes(ctx: OperationContext, params: Params) -> Result:
    ctx.state.account.vdm = parse(VdmAttributes, params["VdmAttributes"], "VdmAttributes")
    return {}


@admin_action("configure_account")
def configure_account(
    ctx: OperationContext,
    *,
    production_access_enabled: bool | None = None,
    max_24_hour_send: float | None = None,
    max_send_rate: float | None = None,
    sent_last_24_hours: float | None = None,
    sending_enabled: bool | None = None,
    enforcement_status: str | None = None,
    review_status: str | None = None,
) -> dict[str, Any]:
    """Set the account's quotas and status as a test needs them. Moving the account into the
    sandbox (production_access_enabled=False) also sets the sandbox quota unless given;
    review_status answers a pending production-access request (GRANTED also lifts the sandbox)."""
    account = ctx.state.account
    if (
        review_status == "GRANTED"
        and production_access_enabled is None
        and not account.production_access_enabled
    ):
        production_access_enabled = True
    if production_access_enabled is not None:
        account.production_access_enabled = production_access_enabled
        quota = (
            SANDBOX_QUOTA
            if not production_access_enabled
            else (Account().max_24_hour_send, Account().max_send_rate)
        )
        account.max_24_hour_send, account.max_send_rate = quota
    if review_status is not None:
        details = account.details or AccountDetails()
        review = details.ReviewDetails or Review(CaseId=uuid.uuid4().hex[:10])
        details.ReviewDetails = parse(Review, {**review.out(), "Status": review_status}, "ReviewDetails")
        account.details = details
    for field, value in (
        ("max_24_hour_send", max_24_hour_send),
        ("max_send_rate", max_send_rate),
        ("sent_last_24_hours", sent_last_24_hours),
        ("sending_enabled", sending_enabled),
        ("enforcement_status", enforcement_status),
    ):
        if value is not None:
            setattr(account, field, value)
    summary: dict[str, Any] = account.model_dump(mode="json", exclude={"details"})
    return summary
