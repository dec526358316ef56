"""The account-level suppression list: Put/Get/Delete/ListSuppressedDestinations and
PutAccountSuppressionAttributes."""

from __future__ import annotations

from reconciler.emulator.errors import InvalidNextTokenException
from reconciler.emulator.lookups import find_in, record_suppression
from reconciler.emulator.operations.common import check_email, listing, paginate, parse
from reconciler.emulator.registry import OperationContext, Params, Result, operation
from reconciler.emulator.state import SesState, SuppressedDestination, SuppressionValidation


def _entry(state: SesState, address: str) -> SuppressedDestination:
    return find_in(
        state.suppressed,
        address.strip().lower(),
        f"Email address {address} does not exist on your suppression list.",
    )


@operation("PutSuppressedDestination")
def put_suppressed_destination(ctx: OperationContext, params: Params) -> Result:
    address = check_email(params["EmailAddress"])
    record_suppression(ctx.state, address, params["Reason"], ctx.now())
    return {}


@operation("GetSuppressedDestination")
def get_suppressed_destination(ctx: OperationContext, params: Params) -> Result:
    entry = _entry(ctx.state, params["EmailAddress"])
    destination: Result = {
        "EmailAddress": entry.email,
        "Reason": entry.reason,
        "LastUpdateTime": entry.last_update,
    }
    attributes = {
        k: v for k, v in (("MessageId", entry.message_id), ("FeedbackId", entry.feedback_id)) if v is not None
    }
    if attributes:
        destination["Attributes"] = attributes
    return {"SuppressedDestination": destination}


@operation("DeleteSuppressedDestination")
def delete_suppressed_destination(ctx: OperationContext, params: Params) -> Result:
    _entry(ctx.state, params["EmailAddress"])
    del ctx.state.suppressed[params["EmailAddress"].strip().lower()]
    return {}


@operation("ListSuppressedDestinations")
def list_suppressed_destinations(ctx: OperationContext, params: Params) -> Result:
    reasons = set(params.get("Reasons") or ("BOUNCE", "COMPLAINT"))
    start, end = params.get("StartDate"), params.get("EndDate")
    keys = [
        key
        for key, entry in ctx.state.suppressed.items()
        if entry.reason in reasons
        and (start is None or entry.last_update >= start)
        and (end is None or entry.last_update <= end)
    ]
    page, token = paginate(keys, params, token_error=InvalidNextTokenException)
    summaries = [
        {"EmailAddress": e.email, "Reason": e.reason, "LastUpdateTime": e.last_update}
        for e in (ctx.state.suppressed[key] for key in page)
    ]
    return listing("SuppressedDestinationSummaries", summaries, token)


@operation("PutAccountSuppressionAttributes")
def put_account_suppression_attributes(ctx: OperationContext, params: Params) -> Result:
    account = ctx.state.account
    # Left out or empty: suppress nothing (the account-level list is then not applied).
    account.suppressed_reasons = list(dict.fromkeys(params.get("SuppressedReasons") or []))
    validation = params.get("ValidationAttributes")
    account.suppression_validation = (
        None if validation is None else parse(SuppressionValidation, validation, "ValidationAttributes")
    )
    return {}
