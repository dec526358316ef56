"""AlertPolicy: a set of CloudWatch alarms on SES's metrics, one per threshold that is on.

Alarms are named ``sesctl/<policy>/<alarm>`` (the policy's name holds no ``/``), so a plan
reads only sesctl's alarms (DescribeAlarms with the prefix ``sesctl/``), and carry the owner
tag ``sesctl:stack`` like every resource sesctl manages. The alarms of one policy:

    bounce-rate                 AWS/SES Reputation.BounceRate, Average over 1 h > bounceRate
    complaint-rate              AWS/SES Reputation.ComplaintRate, Average over 1 h > complaintRate
    rendering-failures          AWS/SES RenderingFailure (account), Sum over 5 min > renderingFailures
    rendering-failures/<set>    the same with dimension ses:configuration-set=<set>, as a CloudWatch
                                event destination publishes it
    quota-use                   metric math: sent / Max24HourSend, sent = Send Sum over 24 h;
                                > quotaUse (Max24HourSend is not a CloudWatch metric: its value is
                                written into the expression, the account's read at plan time)
    daily-volume                Send Sum over 24 h > dailyVolume
    daily-cost                  metric math: sent * 0.0001 (USD 0.10 per 1,000) > dailyCost

All with TreatMissingData notBreaching (SES publishes the rates only once there is volume), the
SNS topics as alarm actions and, with notifyOnOk, as OK actions.

Normalized (the spec's members, so that import writes them back):

    sns_topics (sorted), notify_on_ok (False without topics), bounce_rate, complaint_rate,
    rendering_failures, quota_use (None when disabled), disabled (sorted names of the
    thresholds switched off), rendering_failure_configuration_sets (sorted), max_24_hour_send (the quota
    the quota-use alarm divides by; None when it is off), daily_volume, daily_cost, tags
    read-only: account_max_24_hour_send (GetAccount's, 0 when unlimited), drifted_alarms
    (alarms whose other settings were changed outside sesctl, or that no threshold explains;
    always None on the desired side, so apply puts them back)

PutMetricAlarm replaces an alarm whole, so an update puts every alarm that differs, deletes
those no threshold needs any more, and syncs tags with TagResource/UntagResource (PutMetricAlarm
ignores tags on an existing alarm).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from reconciler.kinds.base import OWNER_TAG, JsonDict, LiveObject, Risk, live_object
from reconciler.kinds.common import (
    InPlaceKind,
    create_tags,
    iam,
    owner_of,
    spec_dict,
    tag_dict,
    tag_list,
    user_tags,
)
from reconciler.kinds.event_destination import KIND as EVENT_DESTINATIONS
from reconciler.kinds.plugin import KindPlugin
from reconciler.kinds.specs.alert_policy import PRICE_PER_MESSAGE_USD, AlertPolicySpec

if TYPE_CHECKING:
    from reconciler.aws.gateway import SesGateway


PREFIX = "sesctl/"
NAMESPACE = "AWS/SES"
CONFIGURATION_SET_DIMENSION = "ses:configuration-set"
CLOUDWATCH = "cloudwatch"
# The thresholds a policy can switch off (spec name -> normalized key), in alarm order.
SWITCHES = {
    "bounceRate": "bounce_rate",
    "complaintRate": "complaint_rate",
    "renderingFailures": "rendering_failures",
    "quotaUse": "quota_use",
}
READ_ONLY = ("account_max_24_hour_send", "drifted_alarms")
HOUR, DAY = 3600, 86400


def alarm_name(policy: str, alarm: str) -> str:
    return f"{PREFIX}{policy}/{alarm}"


def split_alarm_name(name: str) -> tuple[str, str] | None:
    """``"sesctl/reputation/bounce-rate"`` -> ``("reputation", "bounce-rate")``; None for others."""
    if not name.startswith(PREFIX):
        return None
    policy, sep, alarm = name[len(PREFIX) :].partition("/")
    return (policy, alarm) if sep and policy and alarm else None


def _percent(value: float) -> str:
    return f"{value * 100:g} %"


def _metric(metric: str, statistic: str, period: int, dimensions: Mapping[str, str] | None = None) -> JsonDict:
    return {
        "Namespace": NAMESPACE,
        "MetricName": metric,
        "Statistic": statistic,
        "Period": period,
        "Dimensions": [{"Name": k, "Value": v} for k, v in sorted((dimensions or {}).items())],
    }


def _math(expression: str, label: str) -> JsonDict:
    """24 hours of Send (id ``sent``) and ``expression`` over it: what the alarm compares."""
    sent = {"Namespace": NAMESPACE, "MetricName": "Send", "Dimensions": []}
    return {
        "Metrics": [
            {"Id": "sent", "MetricStat": {"Metric": sent, "Period": DAY, "Stat": "Sum"}, "ReturnData": False},
            {"Id": "value", "Expression": expression, "Label": label, "ReturnData": True},
        ]
    }


def _quota_expression(quota: int) -> str:
    return f"sent / {quota}"


def _cost_expression() -> str:
    return f"sent * {PRICE_PER_MESSAGE_USD:g}"


def alarms_for(policy: str, normalized: Mapping[str, Any]) -> dict[str, JsonDict]:
    """alarm (``bounce-rate``, ...) -> its PutMetricAlarm parameters (without Tags)."""
    specs: dict[str, tuple[JsonDict, float, str]] = {}
    if normalized.get("bounce_rate") is not None:
        rate = float(normalized["bounce_rate"])
        specs["bounce-rate"] = (
            _metric("Reputation.BounceRate", "Average", HOUR),
            rate,
            f"SES reputation bounce rate above {_percent(rate)} (SES reviews an account from 5 %)",
        )
    if normalized.get("complaint_rate") is not None:
        rate = float(normalized["complaint_rate"])
        specs["complaint-rate"] = (
            _metric("Reputation.ComplaintRate", "Average", HOUR),
            rate,
            f"SES reputation complaint rate above {_percent(rate)} (SES reviews an account from 0.1 %)",
        )
    if normalized.get("rendering_failures") is not None:
        count = int(normalized["rendering_failures"])
        what = f"more than {count} rendering failures in 5 minutes (a template variable missing from the data)"
        specs["rendering-failures"] = (_metric("RenderingFailure", "Sum", 300), float(count), what)
        for name in normalized.get("rendering_failure_configuration_sets") or []:
            specs[f"rendering-failures/{name}"] = (
                _metric("RenderingFailure", "Sum", 300, {CONFIGURATION_SET_DIMENSION: name}),
                float(count),
                f"configuration set {name}: {what}",
            )
    quota = normalized.get("max_24_hour_send")
    if normalized.get("quota_use") is not None and quota:
        share = float(normalized["quota_use"])
        specs["quota-use"] = (
            _math(_quota_expression(int(quota)), "share of the 24-hour sending quota used"),
            share,
            f"more than {_percent(share)} of the 24-hour sending quota ({int(quota):,}) used",
        )
    if normalized.get("daily_volume") is not None:
        volume = int(normalized["daily_volume"])
        specs["daily-volume"] = (_metric("Send", "Sum", DAY), float(volume), f"more than {volume:,} sends in 24 hours")
    if normalized.get("daily_cost") is not None:
        cost = float(normalized["daily_cost"])
        specs["daily-cost"] = (
            _math(_cost_expression(), "USD of sends in 24 hours at USD 0.10 per 1,000"),
            cost,
            f"24 hours of sends cost more than USD {cost:g} (at USD 0.10 per 1,000 messages)",
        )
    topics = list(normalized.get("sns_topics") or [])
    alarms: dict[str, JsonDict] = {}
    for key, (metric, threshold, description) in specs.items():
        alarms[key] = {
            "AlarmName": alarm_name(policy, key),
            "AlarmDescription": f"sesctl AlertPolicy {policy}: {description}",
            "ActionsEnabled": True,
            "AlarmActions": topics,
            "OKActions": topics if normalized.get("notify_on_ok") else [],
            **metric,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        }
    return alarms


def _stat(value: Mapping[str, Any] | None) -> JsonDict | None:
    if not value:
        return None
    metric = value.get("Metric") or {}
    return {
        "namespace": metric.get("Namespace"),
        "metric": metric.get("MetricName"),
        "dimensions": sorted((str(d["Name"]), str(d["Value"])) for d in metric.get("Dimensions") or []),
        "period": value.get("Period"),
        "stat": value.get("Stat"),
    }


def signature(alarm: Mapping[str, Any]) -> JsonDict:
    """What sesctl sets on an alarm, from PutMetricAlarm parameters or a DescribeAlarms answer
    alike (members CloudWatch leaves out read as their defaults)."""
    metrics = [
        {
            "id": m.get("Id"),
            "expression": m.get("Expression"),
            "label": m.get("Label") if m.get("Expression") else None,
            "return_data": m.get("ReturnData", True) is not False,
            "stat": _stat(m.get("MetricStat")),
        }
        for m in alarm.get("Metrics") or []
    ]
    return {
        "description": alarm.get("AlarmDescription"),
        "actions_enabled": alarm.get("ActionsEnabled", True) is not False,
        "alarm_actions": sorted(alarm.get("AlarmActions") or []),
        "ok_actions": sorted(alarm.get("OKActions") or []),
        "insufficient_data_actions": sorted(alarm.get("InsufficientDataActions") or []),
        "namespace": alarm.get("Namespace") if not metrics else None,
        "metric": alarm.get("MetricName") if not metrics else None,
        "statistic": alarm.get("Statistic") if not metrics else None,
        "period": alarm.get("Period") if not metrics else None,
        "dimensions": sorted((str(d["Name"]), str(d["Value"])) for d in alarm.get("Dimensions") or []),
        "metrics": metrics,
        "evaluation_periods": alarm.get("EvaluationPeriods"),
        "datapoints_to_alarm": alarm.get("DatapointsToAlarm") or alarm.get("EvaluationPeriods"),
        "threshold": float(alarm.get("Threshold") or 0.0),
        "comparison": alarm.get("ComparisonOperator"),
        "missing_data": alarm.get("TreatMissingData") or "missing",
    }


def _normalize(data: Mapping[str, Any]) -> JsonDict:
    disabled = sorted(set(data.get("disabled") or []))
    topics = sorted(set(data.get("sns_topics") or []))
    values = {key: None if switch in disabled else data.get(key) for switch, key in SWITCHES.items()}
    return {
        "sns_topics": topics,
        "notify_on_ok": bool(data.get("notify_on_ok", True)) and bool(topics),
        **values,
        "disabled": disabled,
        "rendering_failure_configuration_sets": (
            [] if values["rendering_failures"] is None else sorted(set(data.get("rendering_failure_configuration_sets") or []))
        ),
        "max_24_hour_send": None if values["quota_use"] is None else data.get("max_24_hour_send"),
        "daily_volume": data.get("daily_volume"),
        "daily_cost": data.get("daily_cost"),
        "tags": user_tags(data.get("tags") or {}),
    }


def _from_alarms(alarms: Mapping[str, Mapping[str, Any]]) -> JsonDict:
    """The policy's members as its alarms say them (a missing alarm: that threshold is off)."""

    def threshold(key: str) -> float | None:
        alarm = alarms.get(key)
        return None if alarm is None else float(alarm.get("Threshold") or 0.0)

    any_alarm = next(iter(alarms.values()), {})
    rendering = threshold("rendering-failures")
    volume = threshold("daily-volume")
    quota: int | None = None
    expression = next(
        (m.get("Expression") for m in (alarms.get("quota-use") or {}).get("Metrics") or [] if m.get("Expression")),
        None,
    )
    if isinstance(expression, str) and expression.startswith("sent / "):
        digits = expression.removeprefix("sent / ").strip()
        quota = int(digits) if digits.isdigit() else None
    present = {
        "bounce_rate": threshold("bounce-rate"),
        "complaint_rate": threshold("complaint-rate"),
        "rendering_failures": None if rendering is None else int(rendering),
        "quota_use": threshold("quota-use"),
    }
    return {
        "sns_topics": list(any_alarm.get("AlarmActions") or []),
        "notify_on_ok": bool(any_alarm.get("OKActions")),
        **present,
        "disabled": [switch for switch, key in SWITCHES.items() if present[key] is None],
        "rendering_failure_configuration_sets": [
            key.split("/", 1)[1] for key in alarms if key.startswith("rendering-failures/")
        ],
        "max_24_hour_send": quota,
        "daily_volume": None if volume is None else int(volume),
        "daily_cost": threshold("daily-cost"),
    }


class AlertPolicyKind(InPlaceKind):
    kind: ClassVar[str] = "AlertPolicy"
    wave: ClassVar[int] = 35  # after configuration sets and their event destinations
    taggable: ClassVar[bool] = True
    iam_actions: ClassVar[frozenset[str]] = iam("GetAccount") | frozenset(
        f"cloudwatch:{op}"
        for op in ("DescribeAlarms", "ListTagsForResource", "PutMetricAlarm", "DeleteAlarms", "TagResource", "UntagResource")
    )

    def normalize_desired(self, name: str, spec: Any, stack: str) -> JsonDict:
        return _normalize(spec_dict(spec))

    def normalize_live(self, raw: JsonDict) -> JsonDict:
        alarms: dict[str, JsonDict] = raw.get("Alarms") or {}
        normalized = _normalize({**_from_alarms(alarms), "tags": raw.get("Tags") or {}})
        expected = alarms_for(str(raw.get("Name") or ""), normalized)
        tags = [user_tags(t) for t in (raw.get("AlarmTags") or {}).values()]
        drifted = sorted(
            key
            for key, alarm in alarms.items()
            if key not in expected
            or signature(alarm) != signature(expected[key])
            or user_tags((raw.get("AlarmTags") or {}).get(key) or {}) != (tags[0] if tags else {})
        )
        account = raw.get("AccountMax24HourSend")
        return {**normalized, "account_max_24_hour_send": account, "drifted_alarms": drifted or None}

    def fill_unmanaged(self, desired: JsonDict, live: JsonDict | None) -> JsonDict:
        account = (live or {}).get("account_max_24_hour_send")
        filled = {**desired, "account_max_24_hour_send": account, "drifted_alarms": None}
        if filled.get("quota_use") is not None and filled.get("max_24_hour_send") is None and account is not None:
            if account > 0:
                filled["max_24_hour_send"] = account
            else:  # an unlimited quota: there is no share to alarm on
                filled["quota_use"] = None
                filled["disabled"] = sorted({*(filled.get("disabled") or []), "quotaUse"})
        return filled

    def read_live(self, gateway: SesGateway, names: Sequence[str] | None) -> Mapping[str, LiveObject]:
        prefixes = [PREFIX] if names is None else [f"{PREFIX}{n}/" for n in sorted(set(names))]
        grouped: dict[str, dict[str, JsonDict]] = {}
        for page in gateway.read_many(lambda prefix: _describe(gateway, prefix), prefixes):
            for alarm in page:
                parts = split_alarm_name(str(alarm.get("AlarmName") or ""))
                if parts is not None:
                    grouped.setdefault(parts[0], {})[parts[1]] = alarm
        if not grouped:
            return {}
        every = [(p, k, a) for p, alarms in grouped.items() for k, a in alarms.items()]
        tags = gateway.read_many(lambda item: _tags(gateway, str(item[2]["AlarmArn"])), every)
        tags_of: dict[str, dict[str, dict[str, str]]] = {}
        for (policy, key, _), found in zip(every, tags, strict=True):
            tags_of.setdefault(policy, {})[key] = found
        from reconciler.aws.account import AccountStatus  # plan time only: validate skips botocore

        quota = AccountStatus.parse(gateway.call_cached("GetAccount")).quota.max_24_hour_send
        account = 0 if quota is None else int(quota)
        objects: dict[str, LiveObject] = {}
        for policy, alarms in sorted(grouped.items()):
            alarm_tags = tags_of[policy]
            first = alarm_tags[sorted(alarm_tags)[0]]
            raw = {
                "Name": policy,
                "Alarms": alarms,
                "AlarmTags": alarm_tags,
                "Tags": first,
                "AccountMax24HourSend": account,
            }
            objects[policy] = live_object(policy, self.normalize_live(raw), owner_of(first), raw)
        return objects

    def create(self, gateway: SesGateway, name: str, desired: JsonDict, stack: str) -> None:
        tags = create_tags(desired, stack)
        for params in alarms_for(name, _with_quota(gateway, desired)).values():
            _cloudwatch(gateway, "PutMetricAlarm", **params, Tags=tags)

    def update(
        self, gateway: SesGateway, name: str, desired: JsonDict, live: LiveObject, changed: Sequence[str]
    ) -> None:
        wanted = alarms_for(name, _with_quota(gateway, desired))
        have: Mapping[str, JsonDict] = live.raw.get("Alarms") or {}
        have_tags: Mapping[str, Mapping[str, str]] = live.raw.get("AlarmTags") or {}
        tags = dict(desired.get("tags") or {})
        if live.owner is not None:
            tags[OWNER_TAG] = live.owner
        for key, params in wanted.items():
            if key not in have:
                _cloudwatch(gateway, "PutMetricAlarm", **params, Tags=tag_list(tags))
                continue
            if signature(have[key]) != signature(params):
                _cloudwatch(gateway, "PutMetricAlarm", **params)
            _sync_tags(gateway, str(have[key]["AlarmArn"]), have_tags.get(key) or {}, tags)
        _delete(gateway, [str(have[key]["AlarmName"]) for key in sorted(set(have) - set(wanted))])

    def delete(self, gateway: SesGateway, name: str, live: LiveObject) -> None:
        alarms: Mapping[str, JsonDict] = live.raw.get("Alarms") or {}
        _delete(gateway, sorted(str(a["AlarmName"]) for a in alarms.values()))

    def risks(self, name: str, before: JsonDict | None, after: JsonDict | None) -> list[Risk]:
        return []


def _cloudwatch(gateway: SesGateway, operation: str, **params: Any) -> JsonDict:
    return gateway.call_service(CLOUDWATCH, operation, **params)


def _describe(gateway: SesGateway, prefix: str) -> list[JsonDict]:
    alarms: list[JsonDict] = []
    token: str | None = None
    while True:
        page = _cloudwatch(
            gateway,
            "DescribeAlarms",
            AlarmNamePrefix=prefix,
            AlarmTypes=["MetricAlarm"],
            MaxRecords=100,
            **({"NextToken": token} if token else {}),
        )
        alarms.extend(page.get("MetricAlarms") or [])
        token = page.get("NextToken")
        if not token:
            return alarms


def _tags(gateway: SesGateway, arn: str) -> dict[str, str]:
    return tag_dict(_cloudwatch(gateway, "ListTagsForResource", ResourceARN=arn).get("Tags"))


def _sync_tags(gateway: SesGateway, arn: str, before: Mapping[str, str], after: Mapping[str, str]) -> None:
    # sesctl's own tags other than the owner tag are left alone.
    removed = sorted(k for k in user_tags(before) if k not in after)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if removed:
        _cloudwatch(gateway, "UntagResource", ResourceARN=arn, TagKeys=removed)
    if changed:
        _cloudwatch(gateway, "TagResource", ResourceARN=arn, Tags=tag_list(changed))


def _delete(gateway: SesGateway, names: Sequence[str]) -> None:
    for start in range(0, len(names), 100):  # DeleteAlarms takes up to 100 names
        _cloudwatch(gateway, "DeleteAlarms", AlarmNames=list(names[start : start + 100]))


def _with_quota(gateway: SesGateway, desired: JsonDict) -> JsonDict:
    """``desired`` with the quota the quota-use alarm divides by: the account's when the
    manifest gives none and the plan could not read it (a policy created by this apply)."""
    if desired.get("quota_use") is None or desired.get("max_24_hour_send"):
        return desired
    from reconciler.aws.account import AccountStatus  # plan time only: validate skips botocore

    quota = AccountStatus.parse(gateway.call("GetAccount")).quota.max_24_hour_send
    return {**desired, "max_24_hour_send": None if quota is None else int(quota)}


KIND = AlertPolicyKind()


def _publishes_rendering_failures(world: Mapping[str, JsonDict], configuration_set: str) -> bool:
    """Whether an enabled CloudWatch destination of the set publishes RenderingFailure with the
    single dimension the per-set alarm names (CloudWatch matches a series' exact dimensions)."""
    prefix = f"{EVENT_DESTINATIONS.kind}/{configuration_set}/"
    for address, destination in world.items():
        dimensions = ((destination.get("cloud_watch_destination") or {}).get("dimension_configurations")) or []
        if (
            address.startswith(prefix)
            and destination.get("enabled")
            and "RENDERING_FAILURE" in (destination.get("matching_event_types") or [])
            and [d.get("dimension_name") for d in dimensions] == [CONFIGURATION_SET_DIMENSION]
        ):
            return True
    return False


def alarms_without_data(
    before: Mapping[str, JsonDict], after: Mapping[str, JsonDict]
) -> list[tuple[str, Risk]]:
    """``alarm_without_data`` (low): a per-configuration-set rendering alarm whose set has no
    event destination publishing the metric it watches (it would never fire)."""
    risks: list[tuple[str, Risk]] = []
    for address, policy in sorted(after.items()):
        if not address.startswith(f"{AlertPolicyKind.kind}/"):
            continue
        missing = [
            name
            for name in policy.get("rendering_failure_configuration_sets") or []
            if not _publishes_rendering_failures(after, name)
        ]
        if missing:
            risks.append(
                (
                    address,
                    Risk(
                        "alarm_without_data",
                        "low",
                        f"The rendering-failure alarm of configuration set(s) {', '.join(missing)} watches "
                        f"RenderingFailure with the dimension {CONFIGURATION_SET_DIMENSION} only, which no enabled "
                        "CloudWatch event destination of the set publishes: it will never fire.",
                    ),
                )
            )
    return risks

PLUGIN = KindPlugin(
    kind=KIND,
    spec=AlertPolicySpec,
    import_file="alert-policies.yaml",
    summary="CloudWatch alarms on SES's bounce and complaint rates, rendering failures, quota use, daily volume and cost",
    read_only=READ_ONLY,
    world_risks=alarms_without_data,
)
