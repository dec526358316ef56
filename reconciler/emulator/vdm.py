"""Virtual Deliverability Manager's metrics (BatchGetMetricData, operations/metrics.py), computed from the messages the
emulator accepts and the events it publishes.

Every published event is shown to ``observe`` first (events.publish calls it, whether or not a
configuration set routes the event anywhere), and becomes data points as the API reference
defines the metrics (botocore's model, ``Metric``):

- only while the account's VDM is ENABLED (PutAccountVdmAttributes), as SES collects nothing
  before; and never for mail to the mailbox simulator or to more than one recipient;
- SEND per accepted message; DELIVERY per delivery, and with it DELIVERY_OPEN / DELIVERY_CLICK
  when the message carries open / click trackers (an HTML part, and engagement tracking on:
  VDM's EngagementMetrics for the account or the configuration set, or an event destination
  matching OPEN / CLICK), and DELIVERY_COMPLAINT when the ISP has a feedback loop (not Gmail);
- PERMANENT_BOUNCE for a Permanent bounce not caused by the account's suppression list,
  TRANSIENT_BOUNCE for a Transient one; COMPLAINT per complaint;
- OPEN and CLICK once per message (VDM counts unique opens and clicks).

Each point carries the dimensions EMAIL_IDENTITY (the identity the message was sent through),
CONFIGURATION_SET and ISP (the recipient's mailbox provider by domain, ses_types.VDM_ISPS). A
query sums the points of its metric whose time is in [StartDate, EndDate) and whose dimensions
match, per UTC day: one timestamp (the day's midnight) and value for every day the range touches.
The newest 200,000 points are kept in memory, like the sent-message ring.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from reconciler.emulator.errors import BadRequestException, TooManyRequestsException
from reconciler.emulator.registry import OperationContext
from reconciler.emulator.sending_state import VdmRecord
from reconciler.emulator.simulator import bare_address, simulator_mailbox

if TYPE_CHECKING:
    from reconciler.emulator.events import EventContext
    from reconciler.emulator.state import SesState

# domain -> ISP (a provider's main consumer domains; everything else is "Other")
ISP_DOMAINS: dict[str, str] = {
    **dict.fromkeys(("gmail.com", "googlemail.com"), "Gmail"),
    **dict.fromkeys(("yahoo.com", "ymail.com", "rocketmail.com", "aol.com", "yahoo.co.uk", "yahoo.fr"), "Yahoo"),
    **dict.fromkeys(("outlook.com", "hotmail.com", "live.com", "msn.com", "hotmail.co.uk"), "Microsoft"),
    **dict.fromkeys(("icloud.com", "me.com", "mac.com"), "Apple"),
    **dict.fromkeys(("comcast.net",), "Comcast"),
}
# ISPs that send SES complaints through a feedback loop (Gmail does not: it reports spam rates
# in Postmaster Tools instead). DELIVERY_COMPLAINT counts deliveries to these.
FEEDBACK_LOOP_ISPS = frozenset({"Yahoo", "Microsoft", "Comcast", "Other"})
MAX_DAYS = 366  # one data point a day: a longer range is refused rather than answered slowly


def isp_of(address: str) -> str:
    return ISP_DOMAINS.get(bare_address(address).rsplit("@", 1)[-1].lower(), "Other")


def _tracked(event: EventContext, kind: str) -> bool:
    """Whether the message carries ``kind`` (OPEN or CLICK) trackers."""
    if not event.message.html:
        return False
    config_set = event.config_set
    engagement = None
    if config_set is not None and config_set.vdm is not None and config_set.vdm.DashboardOptions is not None:
        engagement = config_set.vdm.DashboardOptions.EngagementMetrics
    if engagement is None:
        dashboard = event.ctx.state.account.vdm.DashboardAttributes
        engagement = dashboard.EngagementMetrics if dashboard is not None else None
    if engagement == "ENABLED":
        return True
    if config_set is None:
        return False
    return any(
        d.Enabled is not False and kind in (d.MatchingEventTypes or []) for d in config_set.event_destinations.values()
    )


def _metrics(event: EventContext, event_type: str, detail: Mapping[str, Any], isp: str) -> list[str]:
    if event_type == "Send":
        return ["SEND"]
    if event_type == "Delivery":
        found = ["DELIVERY"]
        if _tracked(event, "OPEN"):
            found.append("DELIVERY_OPEN")
        if _tracked(event, "CLICK"):
            found.append("DELIVERY_CLICK")
        if isp in FEEDBACK_LOOP_ISPS:
            found.append("DELIVERY_COMPLAINT")
        return found
    if event_type == "Bounce":
        if detail.get("bounceType") == "Permanent" and detail.get("bounceSubType") != "OnAccountSuppressionList":
            return ["PERMANENT_BOUNCE"]
        return ["TRANSIENT_BOUNCE"] if detail.get("bounceType") == "Transient" else []
    if event_type == "Complaint":
        return ["COMPLAINT"]
    if event_type in ("Open", "Click"):
        metric = event_type.upper()
        sending = event.ctx.state.sending
        message_id = event.message.message_id
        seen = any(r.metric == metric and r.message_id == message_id for r in sending.vdm_records())
        return [] if seen else [metric]
    return []


def _moment(detail: Mapping[str, Any], fallback: datetime) -> datetime:
    stamp = detail.get("timestamp")
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            pass
    return fallback


def observe(event: EventContext, event_type: str, detail: Mapping[str, Any]) -> None:
    """Count what one published event adds to VDM's metrics (see the module's docstring)."""
    state = event.ctx.state
    if state.account.vdm.VdmEnabled != "ENABLED":
        return
    message = event.message
    if len(message.recipients) != 1 or simulator_mailbox(message.recipients[0]) is not None:
        return
    isp = isp_of(message.recipients[0])
    at = message.timestamp if event_type == "Send" else _moment(detail, event.ctx.now())
    identity = message.source_arn.rsplit("/", 1)[-1] if "/" in message.source_arn else ""
    for metric in _metrics(event, event_type, detail, isp):
        state.sending.count_vdm(
            VdmRecord(
                at=at,
                metric=metric,
                message_id=message.message_id,
                identity=identity,
                configuration_set=message.configuration_set or "",
                isp=isp,
            )
        )


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _matches(record: VdmRecord, dimensions: Mapping[str, str]) -> bool:
    values = {"EMAIL_IDENTITY": record.identity, "CONFIGURATION_SET": record.configuration_set, "ISP": record.isp}
    # Identities and ISPs compare as SES compares names elsewhere: without regard to case.
    return all(values[name].lower() == str(value).lower() for name, value in dimensions.items())


def _check(queries: list[Mapping[str, Any]]) -> None:
    seen: set[str] = set()
    for index, query in enumerate(queries):
        where = f"Queries[{index}]"
        if query["Id"] in seen:
            raise BadRequestException(f"{where}.Id: the query identifier {query['Id']!r} is used twice.")
        seen.add(query["Id"])
        start, end = query["StartDate"], query["EndDate"]
        if end <= start:
            raise BadRequestException(f"{where}: EndDate must be after StartDate.")
        if (end - start) > timedelta(days=MAX_DAYS):
            raise BadRequestException(f"{where}: the interval may not exceed {MAX_DAYS} days.")
        for name, value in (query.get("Dimensions") or {}).items():
            if not str(value):
                raise BadRequestException(f"{where}.Dimensions.{name}: the value must not be empty.")


def answer(ctx: OperationContext, queries: list[Mapping[str, Any]]) -> dict[str, Any]:
    """BatchGetMetricData's answer to ``queries`` (already checked against the model)."""
    _check(queries)
    if not ctx.state.sending.take_vdm_call(len(queries)):
        raise TooManyRequestsException("Too many requests have been made to the operation.")
    results = []
    for query in queries:
        start, end = query["StartDate"], query["EndDate"]
        by_day = daily(ctx.state, query["Metric"], start, end, query.get("Dimensions") or {})
        days = []
        day = _day(start)
        while day < end:
            days.append(day)
            day += timedelta(days=1)
        results.append({"Id": query["Id"], "Timestamps": days, "Values": [by_day.get(d, 0) for d in days]})
    return {"Results": results, "Errors": []}


def daily(
    state: SesState, metric: str, start: datetime, end: datetime, dimensions: Mapping[str, str]
) -> dict[datetime, int]:
    """``metric``'s data points in [start, end) whose dimensions match, per UTC day (midnight)."""
    by_day: dict[datetime, int] = defaultdict(int)
    for record in state.sending.vdm_records():
        if record.metric == metric and start <= record.at < end and _matches(record, dimensions):
            by_day[_day(record.at)] += 1
    return by_day


def total(state: SesState, metric: str, start: datetime, end: datetime, dimensions: Mapping[str, str]) -> int:
    return sum(daily(state, metric, start, end, dimensions).values())


# A rate's denominator (export jobs' RATE aggregation): opens, clicks and complaints are counted
# against the deliveries that could have produced them, everything else against sends.
RATE_BASE = {"OPEN": "DELIVERY_OPEN", "CLICK": "DELIVERY_CLICK", "COMPLAINT": "DELIVERY_COMPLAINT"}
