"""Turn pydantic's validation errors into diagnostics located at the offending YAML field."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from reconciler.diagnostics import Diagnostic, error
from reconciler.kinds.specs.base import PATTERN_HINTS
from reconciler.manifest.loader import FieldPath, SourceMap, dotted
from reconciler.redact import mask_url

_TYPE_NAMES = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "frozen_set_type": "a list",
    "set_type": "a list",
    "float_type": "a number",
    "int_from_float": "an integer",
}

_RANGE = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def _yaml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return type(value).__name__


def _short(value: Any) -> str:
    text = mask_url(repr(value))  # an endpointUrl: with a password in it is echoed masked
    return text if len(text) <= 60 else text[:57] + "..."


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """BaseModel classes reachable through Optional/Union/list/dict/Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    found: list[type[BaseModel]] = []
    if origin in (typing.Union, types.UnionType, list, dict, frozenset, set, tuple):
        for arg in typing.get_args(annotation):
            found.extend(_models_in(arg))
    return found


def _walk(model: type[BaseModel], loc: FieldPath) -> tuple[FieldInfo | None, type[BaseModel] | None]:
    """The field info of the last named element of ``loc`` and the model of the value there."""
    current: type[BaseModel] | None = model
    info: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        by_alias = {(f.alias or n): f for n, f in current.model_fields.items()}
        found = by_alias.get(part)
        if found is None:
            continue  # a dict key (labels, tags, environments...): the value model stays
        info = found
        models = _models_in(found.annotation)
        current = models[0] if models else None
    return info, current


def _aliases(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _bounds(info: FieldInfo | None) -> tuple[Any, Any]:
    low: Any = None
    high: Any = None
    for item in info.metadata if info else []:
        low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else low
        high = getattr(item, "le", None) if getattr(item, "le", None) is not None else high
    return low, high


def describe(err: Any, model: type[BaseModel], loc: FieldPath) -> tuple[str, str, str]:
    """(code, summary, detail) for one pydantic error dict."""
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        _, parent = _walk(model, loc[:-1])
        known = _aliases(parent)
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if not close:
            close = [k for k in known if k.lower() == name.replace("_", "").lower()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        detail = f"allowed here: {', '.join(known)}" if known else ""
        return "E2002", f"unknown field {name!r}{hint}", detail
    if kind == "missing":
        return "E2003", f"missing required field {str(loc[-1])!r}" if loc else "missing required field", ""
    if kind in ("literal_error", "enum"):
        expected = ctx.get("expected", "")
        summary = f"must be one of {expected} (got {_short(value)})"
        if isinstance(value, str) and f"'{value.upper()}'" in expected and value.upper() != value:
            summary += f"; did you mean {value.upper()!r}?"
        return "E2005", summary, ""
    if kind in _RANGE:
        info, _ = _walk(model, loc)
        low, high = _bounds(info)
        if low is not None and high is not None:
            return "E2006", f"must be between {low} and {high} (got {_short(value)})", ""
        return "E2006", f"{err['msg'].replace('Input should be', 'must be')} (got {_short(value)})", ""
    if kind in _TYPE_NAMES:
        expected = _TYPE_NAMES[kind]
        hint = ""
        if expected == "a string" and isinstance(value, bool | int | float):
            hint = f'; quote it: "{str(value).lower() if isinstance(value, bool) else value}"'
        return "E2004", f"must be {expected}, not {_yaml_type(value)} ({_short(value)}){hint}", ""
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        is_name = len(loc) >= 1 and loc[-1] == "name" and (len(loc) == 1 or loc[-2] == "metadata")
        want = PATTERN_HINTS.get(pattern, f"the pattern {pattern}")
        return ("E2009" if is_name else "E2001"), f"invalid value {_short(value)}: must be {want}", ""
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        message = str(err["msg"])
        for prefix in ("Input should", "List should", "Value should", "String should", "Dictionary should"):
            message = message.replace(prefix, "must")
        return "E2001", message.replace(" after validation", ""), ""
    if kind in ("value_error", "assertion_error"):
        message = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return "E2001", message, ""
    return "E2001", str(err["msg"]), ""


def _clean_loc(loc: tuple[Any, ...]) -> FieldPath:
    # Drop pydantic's internal markers (e.g. "function-after[...]", "[key]") kept for unions.
    return tuple(p for p in loc if isinstance(p, int) or not ("[" in p and p.endswith("]")))


def diagnostics_from_validation_error(
    exc: ValidationError,
    source: SourceMap,
    model: type[BaseModel],
    *,
    prefix: FieldPath = (),
    address: str = "",
    code: str | None = None,
) -> list[Diagnostic]:
    """One diagnostic per pydantic error, at the YAML position of the field (``prefix`` + loc)."""
    found: list[Diagnostic] = []
    seen: set[tuple[FieldPath, str]] = set()
    for err in exc.errors():
        raw_loc = tuple(err["loc"])
        loc = _clean_loc(raw_loc)
        path = (*prefix, *loc)
        the_code, summary, detail = describe(err, model, loc)
        if (path, summary) in seen:
            continue
        seen.add((path, summary))
        if err["type"] == "extra_forbidden" or "[key]" in raw_loc:  # the key itself is wrong
            position = source.locate_key(path)
        elif err["type"] == "missing":
            position = source.locate_key(path[:-1])  # the mapping that lacks the field
        else:
            position = source.locate(path)
        found.append(
            error(
                code or the_code,
                summary,
                detail=detail,
                **position.where(),
                address=address,
                field=dotted(path),
            )
        )
    return found


__all__ = ["describe", "diagnostics_from_validation_error"]
