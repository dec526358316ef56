"""CloudWatch's three wire protocols, for the alarm operations the emulator serves itself.

    rpc-v2-cbor   POST /service/GraniteServiceVersion20100801/operation/<Op>, CBOR in and out
                  (header smithy-protocol: rpc-v2-cbor); what Smithy-based SDKs choose
    json          POST /, X-Amz-Target: GraniteServiceVersion20100801.<Op>, awsJson1.0: what
                  botocore (boto3, the AWS CLI) chooses among the model's protocols
    query         POST /, form-encoded Action=<Op>&Version=2010-08-01, XML answers: older
                  clients and SDKs

``protocol_of`` tells from the request line and headers alone whether a request is CloudWatch's
and in which protocol; ``decode`` gives the operation and its parameters; ``encode_result`` and
``encode_error`` answer in the same protocol. Errors carry CloudWatch's query-compatible code:
the JSON and CBOR bodies name the error shape in ``__type`` and the ``x-amzn-query-error``
header says ``<Code>;Sender`` (what botocore reads as the error's Code).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from reconciler.emulator import cbor
from reconciler.emulator.cloudwatch_alarms import CloudWatchError
from reconciler.emulator.router import Response

CBOR, JSON, QUERY = "rpc-v2-cbor", "json", "query"
TARGET_PREFIX = "GraniteServiceVersion20100801."
CBOR_PATH = "/service/GraniteServiceVersion20100801/operation/"
SIGNING_NAME = "monitoring"
XML_NAMESPACE = "http://monitoring.amazonaws.com/doc/2010-08-01/"
JSON_TYPE = "application/x-amz-json-1.0"
CBOR_TYPE = "application/cbor"
# Query-compatible code -> the model's error shape, as the JSON and CBOR __type names it.
SHAPES = {
    "InvalidParameterValue": "InvalidParameterValueException",
    "InvalidParameterCombination": "InvalidParameterCombinationException",
    "MissingParameter": "MissingRequiredParameterException",
    "LimitExceeded": "LimitExceededFault",
    "InternalServiceError": "InternalServiceFault",
}
# Operations whose query answer has no <Operation>Result element (their output has no shape).
NO_OUTPUT = frozenset(
    {"PutMetricAlarm", "DeleteAlarms", "SetAlarmState", "EnableAlarmActions", "DisableAlarmActions"}
)
# Query requests are strings all through: the members that are not (of the operations served).
LISTS = frozenset(
    {
        "AlarmNames",
        "AlarmTypes",
        "OKActions",
        "AlarmActions",
        "InsufficientDataActions",
        "Dimensions",
        "Metrics",
        "Tags",
        "TagKeys",
    }
)
INTEGERS = frozenset({"Period", "EvaluationPeriods", "DatapointsToAlarm", "MaxRecords", "EvaluationInterval"})
DOUBLES = frozenset({"Threshold"})
BOOLEANS = frozenset({"ActionsEnabled", "ReturnData"})


def protocol_of(method: str, path: str, target: str | None, signing_service: str | None) -> str | None:
    """The protocol of a CloudWatch request, or None for another service's."""
    if signing_service == SIGNING_NAME and path in ("", "/") and method in ("GET", "POST") and not target:
        return QUERY  # the parameters in a form, or in the query string
    if method != "POST":
        return None
    if path.startswith(CBOR_PATH):
        return CBOR
    if target is not None and target.startswith(TARGET_PREFIX):
        return JSON
    return None


def decode(
    protocol: str, path: str, target: str | None, body: bytes, query: str = ""
) -> tuple[str, dict[str, Any]]:
    """(operation, parameters) of a request in ``protocol`` (``query``: the URL's query string,
    where the query protocol's parameters may be instead of the body)."""
    if protocol == CBOR:
        operation = path.removeprefix(CBOR_PATH).strip("/")
        try:
            params = cbor.decode(body) if body else {}
        except cbor.CborError as exc:
            raise CloudWatchError("SerializationException", str(exc)) from None
    elif protocol == JSON:
        operation = (target or "").removeprefix(TARGET_PREFIX)
        try:
            params = json.loads(body) if body.strip() else {}
        except (ValueError, RecursionError) as exc:
            raise CloudWatchError("SerializationException", f"The request body is not JSON: {exc}") from None
    else:
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        if "Action" not in form:
            form = parse_qs(query, keep_blank_values=True)
        operation = (form.pop("Action", None) or [""])[-1]
        form.pop("Version", None)
        params = _from_form({k: v[-1] for k, v in form.items()})
    if not isinstance(params, dict):
        raise CloudWatchError("SerializationException", "The request body must be a structure (a map).")
    return operation, params


def encode_result(protocol: str, operation: str, result: Mapping[str, Any], request_id: str) -> Response:
    if protocol == CBOR:
        return Response(200, _cbor_headers(), cbor.encode(dict(result)))
    if protocol == JSON:
        return Response(200, [("Content-Type", JSON_TYPE)], json.dumps(result, default=json_default).encode())
    inner = "" if operation in NO_OUTPUT else f"<{operation}Result>{_xml(result)}</{operation}Result>"
    body = (
        f'<{operation}Response xmlns="{XML_NAMESPACE}">{inner}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{operation}Response>"
    )
    return Response(200, [("Content-Type", "text/xml")], body.encode())


def encode_error(protocol: str, error: CloudWatchError, request_id: str) -> Response:
    fault = "Sender" if error.sender else "Receiver"
    if protocol in (CBOR, JSON):
        document = {
            "__type": f"com.amazonaws.cloudwatch#{SHAPES.get(error.code, error.code)}",
            "message": error.message,
        }
        headers = [("x-amzn-query-error", f"{error.code};{fault}")]
        if protocol == CBOR:
            return Response(error.status, [*_cbor_headers(), *headers], cbor.encode(document))
        return Response(error.status, [("Content-Type", JSON_TYPE), *headers], json.dumps(document).encode())
    body = (
        f'<ErrorResponse xmlns="{XML_NAMESPACE}"><Error><Type>{fault}</Type><Code>{escape(error.code)}</Code>'
        f"<Message>{escape(error.message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return Response(error.status, [("Content-Type", "text/xml")], body.encode())


@cache
def service_model() -> Any:
    """botocore's CloudWatch model: loaded only for the requests moto answers."""
    from botocore.session import get_session

    return get_session().get_service_model("cloudwatch")


def operations() -> frozenset[str]:
    return frozenset(service_model().operation_names)


def typed_output(operation: str, document: Any) -> Any:
    """A JSON answer's members as the operation's output shape types them: timestamps (epoch
    seconds or ISO 8601 in JSON) as datetimes and blobs (base64) as bytes, so that CBOR sends
    them as tag 1 and as byte strings."""
    return _typed(service_model().operation_model(operation).output_shape, document)


def _typed(shape: Any, value: Any) -> Any:
    kind = getattr(shape, "type_name", None)
    if kind == "structure" and isinstance(value, dict):
        return {k: _typed(shape.members.get(k), v) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_typed(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _typed(shape.value, v) for k, v in value.items()}
    if kind == "timestamp" and isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if kind == "timestamp" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if kind == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            return value
    return value


def _cbor_headers() -> list[tuple[str, str]]:
    return [("Content-Type", CBOR_TYPE), ("smithy-protocol", "rpc-v2-cbor")]


def json_default(value: Any) -> Any:
    """awsJson's forms: timestamps as epoch seconds, blobs in base64."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# --- the query protocol ----------------------------------------------------------------------


def _from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """``Dimensions.member.1.Name=x`` and the like as nested structures and lists."""
    tree: dict[str, Any] = {}
    for key, value in form.items():
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise CloudWatchError("ValidationError", f"The query parameter {key} conflicts with another.")
            node = child
        if isinstance(node.get(parts[-1]), dict):
            raise CloudWatchError("ValidationError", f"The query parameter {key} conflicts with another.")
        node[parts[-1]] = value
    converted = _convert(tree, "")
    return converted if isinstance(converted, dict) else {}


def _convert(node: Any, member: str) -> Any:
    if isinstance(node, dict):
        if set(node) == {"member"} and isinstance(node["member"], dict):
            items = node["member"]
            try:
                order = sorted(items, key=int)
            except ValueError:
                raise CloudWatchError(
                    "ValidationError", f"{member}: list members are numbered from 1."
                ) from None
            return [_convert(items[i], "member") for i in order]
        return {key: _convert(value, key) for key, value in node.items()}
    text = str(node)
    if member in LISTS:
        if text == "":  # an empty list is sent as the bare member
            return []
        raise CloudWatchError("ValidationError", f"{member} is a list: send {member}.member.N.")
    try:
        if member in INTEGERS:
            return int(text)
        if member in DOUBLES:
            number = float(text)
            if not math.isfinite(number):
                raise ValueError(text)
            return number
    except ValueError:
        raise CloudWatchError("ValidationError", f"The value {text!r} of {member} is not a number.") from None
    if member in BOOLEANS:
        if text not in ("true", "false"):
            raise CloudWatchError("ValidationError", f"The value {text!r} of {member} is not true or false.")
        return text == "true"
    return text


def _xml(value: Any) -> str:
    if isinstance(value, Mapping):
        return "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in value.items() if v is not None)
    if isinstance(value, list | tuple):
        return "".join(f"<member>{_xml(v)}</member>" for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if isinstance(value, float):
        return repr(value)
    return escape(str(value))
