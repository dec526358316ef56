"""HTTP <-> handler for SES v2, driven by botocore's sesv2 service model (rest-json).

The model says, for each operation, its method and URI template, where each input member
travels (URI, query string, header, JSON body) and what the output may contain. The router:

- matches a request to an operation (``match``), literal path segments winning over
  ``{Param}`` segments so ``/contacts/list`` is not read as a contact named "list";
- turns the request into the handler's ``params`` (``parse_input``): PascalCase member names,
  integers/booleans/timestamps/blobs converted, required members, enums and the model's
  min/max checked, members the model does not define dropped;
- turns the handler's result into the response body (``serialize_output``) with ONLY the
  output shape's members: datetimes become epoch seconds, bytes become base64. In strict mode
  (the test fixtures) anything the model does not allow raises ``ContractViolation`` instead
  of being dropped or passed through, so a handler bug fails loudly.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import unquote

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from reconciler.emulator.errors import BadRequestException, SesApiError

JSON_CONTENT_TYPE = "application/json"


class ContractViolation(Exception):
    """A handler returned something the sesv2 output shape does not allow (strict mode)."""


class UnknownOperationError(SesApiError):
    code = "UnknownOperationException"
    status = 404


class NotImplementedByEmulator(SesApiError):
    # 501 is not in botocore's retryable set, so a client sees it at once, and the code names
    # the situation plainly.
    code = "NotImplemented"
    status = 501


@cache
def service_model() -> ServiceModel:
    # Built once per process: loading the JSON model is the expensive part of start-up.
    model: ServiceModel = botocore.session.get_session().get_service_model("sesv2")
    return model


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    pattern: re.Pattern[str]
    params: tuple[str, ...]
    specificity: tuple[int, ...]  # per segment: 0 literal, 1 {Param}, 2 {Param+}; lower wins


def _compile(uri: str) -> tuple[re.Pattern[str], tuple[str, ...], tuple[int, ...]]:
    path = uri.split("?", 1)[0]
    regex = ""
    names: list[str] = []
    kinds: list[int] = []
    for segment in path.strip("/").split("/"):
        regex += "/"
        m = re.fullmatch(r"\{([A-Za-z0-9_]+)(\+?)\}", segment)
        if m is None:
            regex += re.escape(segment)
            kinds.append(0)
        elif m.group(2):
            regex += f"(?P<{m.group(1)}>.+)"
            names.append(m.group(1))
            kinds.append(2)
        else:
            regex += f"(?P<{m.group(1)}>[^/]+)"
            names.append(m.group(1))
            kinds.append(1)
    return re.compile(regex + "/?$"), tuple(names), tuple(kinds)


@cache
def route_table() -> tuple[Route, ...]:
    routes = []
    model = service_model()
    for name in model.operation_names:
        http = model.operation_model(name).http
        pattern, params, kinds = _compile(http["requestUri"])
        routes.append(Route(name, http["method"].upper(), pattern, params, kinds))
    routes.sort(key=lambda r: r.specificity)
    return tuple(routes)


def match(method: str, raw_path: str) -> tuple[str, dict[str, str]]:
    """The operation for a request and its (URL-decoded) URI parameters.

    ``raw_path`` is the path as sent, still percent-encoded, so an encoded ``/`` inside a
    parameter does not split it.
    """
    method = method.upper()
    path_matched = False
    for route in route_table():
        m = route.pattern.match(raw_path)
        if m is None:
            continue
        path_matched = True
        if route.method == method:
            return route.operation, {k: unquote(v) for k, v in m.groupdict().items()}
    detail = f"method {method} is not allowed on this path" if path_matched else "no SES v2 operation"
    raise UnknownOperationError(f"{method} {raw_path}: {detail} (sesv2 API 2019-09-27)")


# --- input ----------------------------------------------------------------------------------


def _bad(path: str, problem: str) -> BadRequestException:
    return BadRequestException(f"Invalid value for {path}: {problem}")


def _parse_timestamp(value: Any, path: str) -> datetime:
    if isinstance(value, bool):
        raise _bad(path, "expected a timestamp")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _bad(path, f"{value!r} is not a timestamp") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise _bad(path, "expected a timestamp")


def _from_text(shape: Shape, text: str, path: str) -> Any:
    """A scalar that arrived as text (URI, query string, header)."""
    kind = shape.type_name
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise _bad(path, f"{text!r} is not an integer") from None
    if kind in ("double", "float"):
        try:
            return float(text)
        except ValueError:
            raise _bad(path, f"{text!r} is not a number") from None
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise _bad(path, f"{text!r} is not a boolean")
        return text.lower() == "true"
    if kind == "timestamp":
        return _parse_timestamp(text, path)
    if kind == "blob":
        return _decode_blob(text, path)
    return text


def _decode_blob(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise _bad(path, "expected base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _bad(path, "is not valid base64") from None


def _from_json(shape: Shape, value: Any, path: str) -> Any:
    """A JSON body value converted to the model's type and checked against its constraints."""
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            raise _bad(path, "expected an object")
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                out[name] = _from_json(member, value[name], f"{path}.{name}")
        _check_required(shape, out, path)
        return out
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise _bad(path, "expected a list")
        items = [_from_json(shape.member, item, f"{path}[{i}]") for i, item in enumerate(value)]
        _check_range(shape, len(items), path, "items")
        return items
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            raise _bad(path, "expected an object")
        result = {
            _from_json(shape.key, k, f"{path} key"): _from_json(shape.value, v, f"{path}.{k}")
            for k, v in value.items()
        }
        _check_range(shape, len(result), path, "entries")
        return result
    if kind == "string":
        if not isinstance(value, str):
            raise _bad(path, "expected a string")
        _check_string(shape, value, path)
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(path, "expected an integer")
        _check_range(shape, value, path, "")
        return value
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(path, "expected a number")
        return float(value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _bad(path, "expected true or false")
        return value
    if kind == "timestamp":
        return _parse_timestamp(value, path)
    if kind == "blob":
        return _decode_blob(value, path)
    return value


def _check_required(shape: Shape, values: Mapping[str, Any], path: str) -> None:
    for name in shape.required_members:
        if name not in values:
            where = f"{path}.{name}" if path else name
            raise BadRequestException(f"Missing required parameter: {where}")


def _check_string(shape: Shape, value: str, path: str) -> None:
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        raise _bad(path, f"{value!r} is not one of {', '.join(enum)}")
    _check_range(shape, len(value), path, "characters")
    pattern = shape.metadata.get("pattern")
    if pattern and not _pattern_matches(pattern, value):
        raise _bad(path, f"{value!r} does not match the pattern {pattern}")


def _pattern_matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:  # a pattern Python's re cannot read: do not guess
        return True


def _check_range(shape: Shape, n: int, path: str, unit: str) -> None:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    suffix = f" {unit}" if unit else ""
    if low is not None and n < low:
        raise _bad(path, f"{n}{suffix} is below the minimum of {low}{suffix}")
    if high is not None and n > high:
        raise _bad(path, f"{n}{suffix} is above the maximum of {high}{suffix}")


def parse_input(
    operation: str,
    uri_params: Mapping[str, str],
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
) -> dict[str, Any]:
    """The handler's ``params`` for one request (PascalCase, model types)."""
    op = service_model().operation_model(operation)
    shape = op.input_shape
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    json_members: dict[str, Shape] = {}
    lower_headers = {k.lower(): v for k, v in headers.items()}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            if wire in uri_params:
                params[name] = _checked_scalar(member, uri_params[wire], name)
        elif location == "querystring":
            values = query.get(wire)
            if values:
                if isinstance(member, ListShape):
                    params[name] = [_checked_scalar(member.member, v, name) for v in values]
                else:
                    params[name] = _checked_scalar(member, values[0], name)
        elif location == "header":
            if wire.lower() in lower_headers:
                params[name] = _checked_scalar(member, lower_headers[wire.lower()], name)
        else:
            json_members[name] = member
    if json_members:
        document = _load_body(body)
        for name, member in json_members.items():
            if document.get(name) is not None:
                params[name] = _from_json(member, document[name], name)
    _check_required(shape, params, "")
    return params


def _checked_scalar(shape: Shape, text: str, path: str) -> Any:
    value = _from_text(shape, text, path)
    if isinstance(value, str):
        _check_string(shape, value, path)
    elif isinstance(value, int) and not isinstance(value, bool):
        _check_range(shape, value, path, "")
    return value


def _load_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequestException("The request body is not valid JSON") from None
    except RecursionError:
        raise BadRequestException("The request body nests JSON too deeply") from None
    if not isinstance(document, dict):
        raise BadRequestException("The request body must be a JSON object")
    return document


# --- output ---------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def serialize_output(operation: str, result: Mapping[str, Any] | None, *, strict: bool) -> Response:
    """The 200 response for a handler's result, holding only the output shape's members."""
    op: OperationModel = service_model().operation_model(operation)
    shape = op.output_shape
    headers: list[tuple[str, str]] = [("Content-Type", JSON_CONTENT_TYPE)]
    document: dict[str, Any] = {}
    result = result or {}
    if shape is None:
        if strict and result:
            raise ContractViolation(f"{operation}: the model defines no output, got {sorted(result)}")
        return Response(200, headers, b"{}")
    if strict:
        _check_unknown(shape, result, operation)
    for name, member in shape.members.items():
        value = result.get(name)
        if value is None:
            continue
        location = member.serialization.get("location")
        path = f"{operation}.{name}"
        if location == "header":
            headers.append(
                (member.serialization.get("name", name), str(_to_json(member, value, path, strict)))
            )
        elif location == "statusCode":
            continue
        else:
            document[name] = _to_json(member, value, path, strict)
    return Response(200, headers, json.dumps(document).encode())


def _check_unknown(shape: StructureShape, value: Mapping[str, Any], path: str) -> None:
    unknown = sorted(set(value) - set(shape.members))
    if unknown:
        raise ContractViolation(f"{path}: members not in the sesv2 model: {', '.join(map(str, unknown))}")


def _to_json(shape: Shape, value: Any, path: str, strict: bool) -> Any:
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        if not isinstance(value, Mapping):
            return _mismatch(path, "an object", value, strict)
        if strict:
            _check_unknown(shape, value, path)
        return {
            name: _to_json(member, value[name], f"{path}.{name}", strict)
            for name, member in shape.members.items()
            if value.get(name) is not None
        }
    if isinstance(shape, ListShape):
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            return _mismatch(path, "a list", value, strict)
        return [_to_json(shape.member, item, f"{path}[{i}]", strict) for i, item in enumerate(value)]
    if isinstance(shape, MapShape):
        if not isinstance(value, Mapping):
            return _mismatch(path, "an object", value, strict)
        return {
            _to_json(shape.key, k, f"{path} key", strict): _to_json(shape.value, v, f"{path}.{k}", strict)
            for k, v in value.items()
        }
    if kind == "timestamp":
        if isinstance(value, datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            return aware.timestamp()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return _mismatch(path, "a datetime", value, strict)
    if kind == "blob":
        if isinstance(value, bytes | bytearray):
            return base64.b64encode(bytes(value)).decode()
        return _mismatch(path, "bytes", value, strict)
    if kind == "string":
        if not isinstance(value, str):
            return _mismatch(path, "a string", value, strict)
        enum = shape.metadata.get("enum")
        if strict and enum and value not in enum:
            raise ContractViolation(f"{path}: {value!r} is not one of the model's values {enum}")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return _mismatch(path, "an integer", value, strict)
        return value
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _mismatch(path, "a number", value, strict)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            return _mismatch(path, "a boolean", value, strict)
        return value
    return value


def _mismatch(path: str, expected: str, value: Any, strict: bool) -> Any:
    if strict:
        raise ContractViolation(f"{path}: expected {expected}, got {type(value).__name__} {value!r:.80}")
    return value if isinstance(value, str | int | float | bool | list | dict) else str(value)


def error_response(error: SesApiError) -> Response:
    """SES's rest-json error: the status, ``x-amzn-ErrorType: <Code>`` and ``{"message": ...}``."""
    body = json.dumps({"message": error.message}).encode()
    headers = [("Content-Type", JSON_CONTENT_TYPE), ("x-amzn-ErrorType", error.code)]
    return Response(error.status, headers, body)


# Reads that move an import or export job along (a job runs when it is observed:
# jobs_state.py), so the state is saved after them.
ADVANCING_READS = frozenset({"GetImportJob", "ListImportJobs", "GetExportJob", "ListExportJobs"})


def is_read_only(operation: str) -> bool:
    """Operations that never change state (no save after them)."""
    return operation.startswith(("Get", "List", "TestRender", "BatchGet")) and operation not in ADVANCING_READS
