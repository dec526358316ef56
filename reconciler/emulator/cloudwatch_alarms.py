"""CloudWatch's metric alarm operations, served by the emulator over its own state.

    PutMetricAlarm  DescribeAlarms  DescribeAlarmsForMetric  DeleteAlarms  SetAlarmState
    EnableAlarmActions  DisableAlarmActions  ListTagsForResource  TagResource  UntagResource

Each takes the request's parameters (decoded from any of CloudWatch's protocols by
cloudwatch_protocol.py) and returns the output structure; bad input raises CloudWatchError with
CloudWatch's code: ValidationError (a constraint of the model or of an alarm's shape),
InvalidParameterValue, InvalidParameterCombination, InvalidNextToken, LimitExceeded,
ResourceNotFound (SetAlarmState) and ResourceNotFoundException (the tag operations).

Tag operations serve alarm ARNs (``arn:aws:cloudwatch:<region>:<account>:alarm:<name>``); the
server hands other ARNs (Contributor Insights rules) to moto, as it does the metric operations
(``alarm_arn_of`` decides). Composite alarms and alarm history are not served here.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reconciler.emulator.cloudwatch_state import CloudWatchState, MetricAlarm

MAX_ALARMS = 10_000  # the emulator's cap per region (CloudWatch's quota is an account setting)
MAX_TAGS = 50
MAX_ACTIONS = 5
MAX_METRICS = 10
MAX_DIMENSIONS = 30
MAX_EVALUATION_SECONDS = 7 * 86400  # Period x EvaluationPeriods
DEFAULT_PAGE = 50
COMPARISONS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
BAND_COMPARISONS = COMPARISONS[4:]  # compare with an anomaly detection band: ThresholdMetricId
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
ALARM_TYPES = ("CompositeAlarm", "MetricAlarm")
MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
UNITS = (
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
    "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
    "Count/Second", "None",
)  # fmt: skip
_PERCENTILE = re.compile(r"^(p|tm|wm|tc|ts)(100|\d{1,2}(\.\d{1,10})?)$|^(TM|WM|TC|TS|PR)\(.+\)$|^IQM$")
_METRIC_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
_ALARM_ARN = re.compile(
    r"^arn:aws[a-z-]*:cloudwatch:(?P<region>[^:]*):(?P<account>[^:]*):alarm:(?P<name>.+)$"
)
_TOKEN_PREFIX = "sesctl-alarms:"


class CloudWatchError(Exception):
    """A CloudWatch error: its (query-compatible) code, HTTP status and message."""

    def __init__(self, code: str, message: str, status: int = 400, *, sender: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender


def _validation(message: str) -> CloudWatchError:
    return CloudWatchError("ValidationError", message)


def _constraint(where: str, value: Any, constraint: str) -> CloudWatchError:
    shown = "null" if value is None else f"'{value}'"
    return _validation(
        f"1 validation error detected: Value {shown} at '{where}' failed to satisfy constraint: {constraint}"
    )


def _invalid(message: str) -> CloudWatchError:
    return CloudWatchError("InvalidParameterValue", message)


def _combination(message: str) -> CloudWatchError:
    return CloudWatchError("InvalidParameterCombination", message)


@dataclass
class AlarmContext:
    state: CloudWatchState
    region: str
    account: str
    now: datetime


# --- reading parameters ----------------------------------------------------------------------


def _where(member: str) -> str:
    return member[:1].lower() + member[1:]


def _string(
    params: Mapping[str, Any], member: str, *, low: int = 1, high: int = 255, required: bool = False
) -> str | None:
    value = params.get(member)
    if value is None:
        if required:
            raise _constraint(_where(member), None, "Member must not be null")
        return None
    if not isinstance(value, str):
        raise _constraint(_where(member), value, "Member must be a string")
    if len(value) < low:
        raise _constraint(_where(member), value, f"Member must have length greater than or equal to {low}")
    if len(value) > high:
        raise _constraint(_where(member), value, f"Member must have length less than or equal to {high}")
    return value


def _integer(params: Mapping[str, Any], member: str, *, low: int = 1, high: int | None = None) -> int | None:
    value = params.get(member)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _constraint(_where(member), value, "Member must be an integer")
    if value < low:
        raise _constraint(_where(member), value, f"Member must have value greater than or equal to {low}")
    if high is not None and value > high:
        raise _constraint(_where(member), value, f"Member must have value less than or equal to {high}")
    return value


def _boolean(params: Mapping[str, Any], member: str) -> bool | None:
    value = params.get(member)
    if value is not None and not isinstance(value, bool):
        raise _constraint(_where(member), value, "Member must be a boolean")
    return value


def _enum(params: Mapping[str, Any], member: str, allowed: tuple[str, ...]) -> str | None:
    value = params.get(member)
    if value is not None and value not in allowed:
        raise _constraint(
            _where(member), value, f"Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    return value


def _list(params: Mapping[str, Any], member: str, *, high: int | None = None) -> list[Any] | None:
    value = params.get(member)
    if value is None:
        return None
    if not isinstance(value, list):
        raise _constraint(_where(member), value, "Member must be a list")
    if high is not None and len(value) > high:
        raise _constraint(_where(member), value, f"Member must have length less than or equal to {high}")
    return value


def _strings(
    params: Mapping[str, Any], member: str, *, high: int | None = None, longest: int = 1024
) -> list[str] | None:
    values = _list(params, member, high=high)
    if values is None:
        return None
    for value in values:
        if not isinstance(value, str) or not 1 <= len(value) <= longest:
            raise _constraint(_where(member), value, f"Member must be a string of length 1 to {longest}")
    return list(values)


def _structure(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _constraint(where, value, "Member must be a structure")
    return value


def _period(value: int | None, where: str) -> None:
    if value is not None and value not in (10, 20, 30) and value % 60:
        raise _validation(f"The parameter {where} must be 10, 20, 30 or a multiple of 60.")


def _dimensions(params: Mapping[str, Any], where: str) -> list[dict[str, str]]:
    dimensions = []
    for raw in _list(params, "Dimensions", high=MAX_DIMENSIONS) or []:
        item = _structure(raw, f"{where}dimensions")
        name = _string(item, "Name", required=True)
        value = _string(item, "Value", high=1024, required=True)
        dimensions.append({"Name": str(name), "Value": str(value)})
    return dimensions


def _tags(raw: Any) -> dict[str, str]:
    if not isinstance(raw, list):
        raise _constraint("tags", raw, "Member must be a list")
    tags: dict[str, str] = {}
    for item in raw:
        tag = _structure(item, "tags")
        key = str(_string(tag, "Key", high=128, required=True))
        value = str(_string(tag, "Value", low=0, high=256, required=True))
        if key.lower().startswith("aws:"):
            raise _invalid(f"Tag keys starting with 'aws:' are reserved for AWS use: {key}")
        tags[key] = value
    if len(tags) > MAX_TAGS:
        raise _invalid(f"A resource can have at most {MAX_TAGS} tags ({len(tags)} given).")
    return tags


# --- an alarm's settings ---------------------------------------------------------------------


def _single_metric(params: Mapping[str, Any], settings: dict[str, Any]) -> None:
    name = _string(params, "MetricName")
    namespace = _string(params, "Namespace")
    if name is None or namespace is None:
        raise _validation("A metric alarm needs MetricName and Namespace, or Metrics.")
    if namespace.startswith(":"):
        raise _constraint("namespace", namespace, "Member must satisfy regular expression pattern: [^:].*")
    statistic = _enum(params, "Statistic", STATISTICS)
    extended = _string(params, "ExtendedStatistic")
    if (statistic is None) == (extended is None):
        raise _combination("Exactly one of Statistic and ExtendedStatistic must be specified.")
    if extended is not None and not _PERCENTILE.match(extended):
        raise _invalid(f"The value {extended} for parameter ExtendedStatistic is not supported.")
    period = _integer(params, "Period")
    if period is None:
        raise _validation("Period must be specified for an alarm on a single metric.")
    _period(period, "Period")
    settings.update(MetricName=name, Namespace=namespace, Period=period, Dimensions=_dimensions(params, ""))
    settings.update(
        {k: v for k, v in (("Statistic", statistic), ("ExtendedStatistic", extended)) if v is not None}
    )
    unit = _enum(params, "Unit", UNITS)
    if unit is not None:
        settings["Unit"] = unit
    low_samples = _enum(params, "EvaluateLowSampleCountPercentile", ("evaluate", "ignore"))
    if low_samples is not None:
        if extended is None or not extended.startswith("p"):
            raise _validation(
                "EvaluateLowSampleCountPercentile applies only to percentile statistics (ExtendedStatistic p...)."
            )
        settings["EvaluateLowSampleCountPercentile"] = low_samples


def _metric_queries(params: Mapping[str, Any], settings: dict[str, Any]) -> set[str]:
    """The Metrics of a metric math or anomaly detection alarm; returns their ids."""
    single = [
        m
        for m in ("MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit")
        if params.get(m) is not None
    ]
    if single:
        raise _combination(f"Metrics cannot be combined with {', '.join(single)}.")
    raw = _list(params, "Metrics") or []
    if not 1 <= len(raw) <= MAX_METRICS:
        raise _validation(f"Metrics must hold 1 to {MAX_METRICS} metric data queries ({len(raw)} given).")
    queries: list[dict[str, Any]] = []
    ids: set[str] = set()
    for position, item in enumerate(raw, 1):
        where = f"metrics.{position}.member"
        query = _structure(item, where)
        query_id = str(_string(query, "Id", required=True))
        if not _METRIC_ID.match(query_id):
            raise _validation(
                f"Invalid metric id {query_id!r} in Metrics: an id starts with a lower-case letter and holds letters, digits and _."
            )
        if query_id in ids:
            raise _validation(f"The metric id {query_id} appears more than once in Metrics.")
        ids.add(query_id)
        out: dict[str, Any] = {"Id": query_id}
        expression = _string(query, "Expression", high=2048)
        stat = query.get("MetricStat")
        if (expression is None) == (stat is None):
            raise _validation(
                f"Metrics {query_id}: exactly one of MetricStat and Expression must be specified."
            )
        if expression is not None:
            out["Expression"] = expression
        else:
            stat = _structure(stat, f"{where}.metricStat")
            metric = _structure(stat.get("Metric"), f"{where}.metricStat.metric")
            name = _string(metric, "MetricName", required=True)
            namespace = _string(metric, "Namespace", required=True)
            period = _integer(stat, "Period")
            if period is None:
                raise _constraint(f"{where}.metricStat.period", None, "Member must not be null")
            _period(period, "Period")
            stat_name = _string(stat, "Stat", required=True)
            out["MetricStat"] = {
                "Metric": {
                    "Namespace": namespace,
                    "MetricName": name,
                    "Dimensions": _dimensions(metric, f"{where}.metricStat.metric."),
                },
                "Period": period,
                "Stat": stat_name,
                **({"Unit": unit} if (unit := _enum(stat, "Unit", UNITS)) is not None else {}),
            }
        for member in ("Label", "AccountId"):
            text = _string(query, member, low=0 if member == "Label" else 1, high=1024)
            if text is not None:
                out[member] = text
        returns = _boolean(query, "ReturnData")
        out["ReturnData"] = True if returns is None else returns
        query_period = _integer(query, "Period")
        if query_period is not None:
            _period(query_period, "Period")
            out["Period"] = query_period
        queries.append(out)
    if sum(1 for q in queries if q["ReturnData"]) != 1:
        raise _validation("Exactly one element of the metrics list should return data.")
    settings["Metrics"] = queries
    return ids


def alarm_settings(params: Mapping[str, Any]) -> dict[str, Any]:
    """PutMetricAlarm's parameters, checked as CloudWatch checks them, without Tags."""
    for member in ("EvaluationCriteria", "EvaluationInterval"):
        if params.get(member) is not None:
            raise _invalid(f"{member} (PromQL alarms) is not supported by the sesctl emulator.")
    settings: dict[str, Any] = {"AlarmName": _string(params, "AlarmName", required=True)}
    description = _string(params, "AlarmDescription", low=0, high=1024)
    if description is not None:
        settings["AlarmDescription"] = description
    enabled = _boolean(params, "ActionsEnabled")
    settings["ActionsEnabled"] = True if enabled is None else enabled
    for member in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        settings[member] = _strings(params, member, high=MAX_ACTIONS) or []
    ids: set[str] = set()
    if params.get("Metrics") is not None:
        ids = _metric_queries(params, settings)
    else:
        _single_metric(params, settings)
    evaluation_periods = _integer(params, "EvaluationPeriods")
    if evaluation_periods is None:
        raise _constraint("evaluationPeriods", None, "Member must not be null")
    settings["EvaluationPeriods"] = evaluation_periods
    period = settings.get("Period") or max(
        (q["MetricStat"]["Period"] for q in settings.get("Metrics") or [] if "MetricStat" in q), default=60
    )
    if period * evaluation_periods > MAX_EVALUATION_SECONDS:
        raise _validation(
            f"The evaluation period (Period x EvaluationPeriods) can be at most {MAX_EVALUATION_SECONDS} seconds (7 days)."
        )
    datapoints = _integer(params, "DatapointsToAlarm")
    if datapoints is not None:
        if datapoints > evaluation_periods:
            raise _validation("DatapointsToAlarm must be less than or equal to EvaluationPeriods.")
        settings["DatapointsToAlarm"] = datapoints
    comparison = _enum(params, "ComparisonOperator", COMPARISONS)
    if comparison is None:
        raise _constraint("comparisonOperator", None, "Member must not be null")
    settings["ComparisonOperator"] = comparison
    _threshold(params, settings, comparison, ids)
    missing = _string(params, "TreatMissingData")
    if missing is not None:
        if missing not in MISSING_DATA:
            raise _validation(f"TreatMissingData must be one of {', '.join(MISSING_DATA)} (not {missing}).")
        settings["TreatMissingData"] = missing
    return settings


def _threshold(params: Mapping[str, Any], settings: dict[str, Any], comparison: str, ids: set[str]) -> None:
    threshold = params.get("Threshold")
    band = _string(params, "ThresholdMetricId")
    if band is not None:
        if threshold is not None:
            raise _combination("Threshold and ThresholdMetricId cannot both be specified.")
        if band not in ids:
            raise _validation(f"ThresholdMetricId {band} must be the id of one of the alarm's Metrics.")
        if comparison not in BAND_COMPARISONS:
            raise _validation(
                f"An alarm with ThresholdMetricId must use one of {', '.join(BAND_COMPARISONS)}."
            )
        settings["ThresholdMetricId"] = band
        return
    if comparison in BAND_COMPARISONS:
        raise _validation(
            f"ComparisonOperator {comparison} needs ThresholdMetricId (an anomaly detection band)."
        )
    if threshold is None:
        raise _validation(
            "Threshold must be specified (or ThresholdMetricId, for an anomaly detection alarm)."
        )
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not math.isfinite(threshold):
        raise _constraint("threshold", threshold, "Member must be a finite number")
    settings["Threshold"] = float(threshold)


# --- operations ------------------------------------------------------------------------------


def alarm_arn(ctx: AlarmContext, name: str) -> str:
    return f"arn:aws:cloudwatch:{ctx.region}:{ctx.account}:alarm:{name}"


def put_metric_alarm(ctx: AlarmContext, params: Mapping[str, Any]) -> dict[str, Any]:
    settings = alarm_settings(params)
    tags = _tags(params.get("Tags") or [])
    name = str(settings["AlarmName"])
    existing = ctx.state.alarms.get(name)
    if existing is not None:  # a whole new configuration; state and tags stay
        existing.settings = settings
        existing.configuration_updated = ctx.now
        return {}
    if len(ctx.state.alarms) >= MAX_ALARMS:
        raise CloudWatchError(
            "LimitExceeded", f"The maximum number of alarms ({MAX_ALARMS}) in {ctx.region} is reached."
        )
    ctx.state.alarms[name] = MetricAlarm(
        settings=settings,
        arn=alarm_arn(ctx, name),
        tags=tags,
        configuration_updated=ctx.now,
        state_updated=ctx.now,
        state_transitioned=ctx.now,
    )
    return {}


def describe(alarm: MetricAlarm) -> dict[str, Any]:
    """The alarm as DescribeAlarms answers it."""
    settings = alarm.settings
    out: dict[str, Any] = {
        "AlarmName": settings["AlarmName"],
        "AlarmArn": alarm.arn,
        **({"AlarmDescription": settings["AlarmDescription"]} if "AlarmDescription" in settings else {}),
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated,
        "ActionsEnabled": settings["ActionsEnabled"],
        "OKActions": list(settings["OKActions"]),
        "AlarmActions": list(settings["AlarmActions"]),
        "InsufficientDataActions": list(settings["InsufficientDataActions"]),
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        **({"StateReasonData": alarm.state_reason_data} if alarm.state_reason_data is not None else {}),
        "StateUpdatedTimestamp": alarm.state_updated,
        "Dimensions": list(settings.get("Dimensions") or []),  # [] for an alarm on Metrics
        "StateTransitionedTimestamp": alarm.state_transitioned,
    }
    out.update({k: v for k, v in settings.items() if k not in out})
    return out


def _page(params: Mapping[str, Any], names: list[str]) -> tuple[list[str], str | None]:
    """One page of ``names`` (sorted) after NextToken, and the token of the next page."""
    limit = _integer(params, "MaxRecords", high=100) or DEFAULT_PAGE
    token = _string(params, "NextToken", high=4096)
    after = ""
    if token is not None:
        try:
            decoded = base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
        except (ValueError, UnicodeError):
            decoded = ""
        if not decoded.startswith(_TOKEN_PREFIX):
            raise CloudWatchError("InvalidNextToken", "The NextToken is not one this operation gave.")
        after = decoded.removeprefix(_TOKEN_PREFIX)
    rest = [n for n in names if n > after]
    page = rest[:limit]
    more = len(rest) > limit
    next_token = (
        base64.urlsafe_b64encode((_TOKEN_PREFIX + page[-1]).encode()).decode("ascii") if more else None
    )
    return page, next_token


def describe_alarms(ctx: AlarmContext, params: Mapping[str, Any]) -> dict[str, Any]:
    names = _strings(params, "AlarmNames", high=100, longest=255)
    prefix = _string(params, "AlarmNamePrefix")
    types = _strings(params, "AlarmTypes") or ["MetricAlarm"]
    for alarm_type in types:
        _enum({"AlarmTypes": alarm_type}, "AlarmTypes", ALARM_TYPES)
    state = _enum(params, "StateValue", STATES)
    action = _string(params, "ActionPrefix", high=1024)
    family = [m for m in ("ChildrenOfAlarmName", "ParentsOfAlarmName") if _string(params, m) is not None]
    if family:
        others = [
            m
            for m in ("AlarmNames", "AlarmNamePrefix", "AlarmTypes", "StateValue", "ActionPrefix")
            if params.get(m) is not None
        ]
        if len(family) > 1 or others:
            raise _combination(f"{family[0]} can be combined only with MaxRecords and NextToken.")
        _page(params, [])
        return {"MetricAlarms": [], "CompositeAlarms": []}  # the family of composite alarms: none here
    if names is not None and prefix is not None:
        raise _combination("AlarmNames and AlarmNamePrefix cannot both be specified.")
    selected = sorted(
        name
        for name, alarm in ctx.state.alarms.items()
        if "MetricAlarm" in types
        and (names is None or name in names)
        and (prefix is None or name.startswith(prefix))
        and (state is None or alarm.state_value == state)
        and (
            action is None
            or any(
                a.startswith(action)
                for m in ("AlarmActions", "OKActions", "InsufficientDataActions")
                for a in alarm.settings[m]
            )
        )
    )
    page, token = _page(params, selected)
    out: dict[str, Any] = {
        "MetricAlarms": [describe(ctx.state.alarms[n]) for n in page],
        "CompositeAlarms": [],
    }
    if token is not None:
        out["NextToken"] = token
    return out


def describe_alarms_for_metric(ctx: AlarmContext, params: Mapping[str, Any]) -> dict[str, Any]:
    name = _string(params, "MetricName", required=True)
    namespace = _string(params, "Namespace", required=True)
    wanted = {
        "Statistic": _enum(params, "Statistic", STATISTICS),
        "ExtendedStatistic": _string(params, "ExtendedStatistic"),
        "Period": _integer(params, "Period"),
        "Unit": _enum(params, "Unit", UNITS),
    }
    dimensions = sorted((d["Name"], d["Value"]) for d in _dimensions(params, ""))
    found = [
        describe(alarm)
        for _, alarm in sorted(ctx.state.alarms.items())
        if alarm.settings.get("MetricName") == name
        and alarm.settings.get("Namespace") == namespace
        and all(value is None or alarm.settings.get(member) == value for member, value in wanted.items())
        and (
            not dimensions
            or sorted((d["Name"], d["Value"]) for d in alarm.settings.get("Dimensions") or []) == dimensions
        )
    ]
    return {"MetricAlarms": found}


def _names(params: Mapping[str, Any]) -> list[str]:
    names = _strings(params, "AlarmNames", high=100, longest=255)
    if names is None:
        raise _constraint("alarmNames", None, "Member must not be null")
    return names


def delete_alarms(ctx: AlarmContext, params: Mapping[str, Any]) -> dict[str, Any]:
    for name in _names(params):  # names of no alarm are passed over, as CloudWatch does
        ctx.state.alarms.pop(name, None)
    return {}


def _set_actions(enabled: bool) -> Callable[[AlarmContext, Mapping[str, Any]], dict[str, Any]]:
    def operation(ctx: AlarmContext, params: Mapping[str, Any]) -> dict[str, Any]:
        for name in _names(params):
            alarm = ctx.state.alarms.get(name)
            if alarm is not None:
                alarm.settings["ActionsEnabled"] = enabled
        return {}

    return operation


def set_alarm_state(ctx: AlarmContext, params: Mapping[str, Any]) -> dict[str, Any]:
    name = str(_string(params, "AlarmName", required=True))
    value = _enum(params, "StateValue", STATES)
    if value is None:
        raise _constraint("stateValue", None, "Member must not be null")
    reason = str(_string(params, "StateReason", low=0, high=1023, required=True))
    data = _string(params, "StateReasonData", low=0, high=4000)
    if data is not None:
        try:
            json.loads(data)
        except ValueError:
            raise CloudWatchError("InvalidFormat", "StateReasonData is not valid JSON.") from None
    alarm = ctx.state.alarms.get(name)
    if alarm is None:
        raise CloudWatchError("ResourceNotFound", f"Alarm {name} not found", 404)
    if alarm.state_value != value:
        alarm.state_transitioned = ctx.now
    alarm.state_value, alarm.state_reason, alarm.state_reason_data = value, reason, data
    alarm.state_updated = ctx.now
    return {}


def alarm_arn_of(params: Mapping[str, Any]) -> str | None:
    """The alarm an ARN names (its name), when ``ResourceARN`` is a CloudWatch alarm's ARN."""
    arn = params.get("ResourceARN")
    match = _ALARM_ARN.match(arn) if isinstance(arn, str) else None
    return match["name"] if match else None


def _tagged(ctx: AlarmContext, params: Mapping[str, Any]) -> MetricAlarm:
    arn = str(_string(params, "ResourceARN", high=1024, required=True))
    match = _ALARM_ARN.match(arn)
    alarm = ctx.state.alarms.get(match["name"]) if match else None
    if match is None or alarm is None or (match["region"], match["account"]) != (ctx.region, ctx.account):
        raise CloudWatchError("ResourceNotFoundException", f"The alarm {arn} does not exist.", 404)
    return alarm


def list_tags_for_resource(ctx: AlarmContext, params: Mapping[str, Any]) -> dict[str, Any]:
    alarm = _tagged(ctx, params)
    return {"Tags": [{"Key": k, "Value": v} for k, v in alarm.tags.items()]}


def tag_resource(ctx: AlarmContext, params: Mapping[str, Any]) -> dict[str, Any]:
    alarm = _tagged(ctx, params)
    if params.get("Tags") is None:
        raise _constraint("tags", None, "Member must not be null")
    merged = {**alarm.tags, **_tags(params["Tags"])}
    if len(merged) > MAX_TAGS:
        raise _invalid(f"A resource can have at most {MAX_TAGS} tags ({len(merged)} with these).")
    alarm.tags = merged
    return {}


def untag_resource(ctx: AlarmContext, params: Mapping[str, Any]) -> dict[str, Any]:
    alarm = _tagged(ctx, params)
    keys = _strings(params, "TagKeys", longest=128)
    if keys is None:
        raise _constraint("tagKeys", None, "Member must not be null")
    alarm.tags = {k: v for k, v in alarm.tags.items() if k not in keys}
    return {}


Operation = Callable[[AlarmContext, Mapping[str, Any]], dict[str, Any]]
OPERATIONS: dict[str, Operation] = {
    "PutMetricAlarm": put_metric_alarm,
    "DescribeAlarms": describe_alarms,
    "DescribeAlarmsForMetric": describe_alarms_for_metric,
    "DeleteAlarms": delete_alarms,
    "SetAlarmState": set_alarm_state,
    "EnableAlarmActions": _set_actions(True),
    "DisableAlarmActions": _set_actions(False),
    "ListTagsForResource": list_tags_for_resource,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
}
READS = frozenset({"DescribeAlarms", "DescribeAlarmsForMetric", "ListTagsForResource"})
TAG_OPERATIONS = frozenset({"ListTagsForResource", "TagResource", "UntagResource"})


def served_here(operation: str, params: Mapping[str, Any]) -> bool:
    """Whether the emulator answers this CloudWatch request itself (else moto does): the alarm
    operations, and the tag operations on alarm ARNs."""
    if operation not in OPERATIONS:
        return False
    if operation not in TAG_OPERATIONS:
        return True
    # An alarm's ARN, or none at all (answered here with CloudWatch's ValidationError); the ARN
    # of another resource (a Contributor Insights rule) is moto's.
    return alarm_arn_of(params) is not None or not isinstance(params.get("ResourceARN"), str)
