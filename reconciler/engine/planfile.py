"""The one reader (and writer) of saved plan files: ``plan --out FILE``, ``apply --plan FILE`` and
every ``sesctl github`` command go through here.

Reading a plan file checks, in this order, and refuses with a located message (never a
traceback):

1. it is a regular file of UTF-8 text (a FIFO or /dev/zero would block or never end);
2. its JSON nests no deeper than :data:`MAX_DEPTH` (Python's parser would raise RecursionError);
3. it is JSON, and a JSON object;
4. ``format_version`` is one this sesctl reads;
5. every field has the shape docs/plan-format.md gives it (``changes[2].actions: ...``);
6. ``checksum`` equals the checksum *recomputed* from its changes (an edited or truncated plan);
7. when ``SESCTL_PLAN_KEY`` is set: ``signature`` is the HMAC-SHA256, under that key, of the
   whole plan (all fields but ``signature``).

What the checksum is for: it catches accidental edits, a plan cut short, a merge conflict
resolved by hand. It is an unkeyed sha256, so anyone who can write the file can recompute it:
it is no protection against a hostile edit. The signature is (for as long as the key stays
secret); and ``apply`` checks ownership, protection and staleness against live SES whatever
the file says (reconciler/engine/applier.py, docs/reconciler.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from reconciler.engine.plan import FORMAT_VERSION, REPLACE, Action, Plan, canonical_json, dump_json
from reconciler.engine.staleness import STATES
from reconciler.errors import PlanError
from reconciler.files import read_text

MAX_DEPTH = 256  # manifests nest at most 200 levels (manifest/loader.py); a plan adds a few
KEY_ENV = "SESCTL_PLAN_KEY"  # the HMAC key; read from the environment, never printed
SIGNATURE_PREFIX = "hmac-sha256:"
SUPPORTED_FORMATS = (FORMAT_VERSION,)
_HINT = "Pass a file written by `sesctl plan --out FILE` (or `sesctl plan --json > FILE`)."
_EDITED_HINT = "Re-run `sesctl plan --out FILE`; never edit a saved plan."


def read_plan_file(path: Path) -> Plan:
    """The verified Plan in ``path``; PlanError naming the file (and line, field) otherwise."""
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None  # read_text names the reason (missing, no permission)
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise PlanError(f"cannot read the plan file {path}: not a regular file", hint=_HINT)
    text = read_text(path, "the plan file", hint=_HINT, error=PlanError)
    return parse_plan(text, source=str(path))


def parse_plan(text: str, *, source: str = "the plan") -> Plan:
    """The verified Plan in ``text`` (the JSON form); ``source`` names it in messages."""
    _check_depth(text, source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"{source}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})", hint=_HINT) from None
    except ValueError as exc:  # an integer of over 4,300 digits: not a plan sesctl writes
        raise PlanError(f"{source}: not a plan sesctl writes ({str(exc).split(';')[0]})", hint=_HINT) from None
    except RecursionError:  # a nesting _check_depth let through (it should not happen)
        raise PlanError(f"{source}: nested too deeply to read", hint=_HINT) from None
    if not isinstance(data, dict):
        raise PlanError(f"{source}: not a sesctl plan (the JSON is not an object)", hint=_HINT)
    return plan_from_data(data, source=source)


def plan_from_data(data: Mapping[str, Any], *, source: str = "the plan") -> Plan:
    """A decoded plan file (a dict) checked and verified as :func:`parse_plan` does."""
    version = data.get("format_version")
    if version not in SUPPORTED_FORMATS:
        raise PlanError(
            f"{source}: plan format_version {version!r} is not supported (this sesctl reads "
            f"{', '.join(repr(v) for v in SUPPORTED_FORMATS)})",
            hint="Make the plan and apply it with the same version of sesctl.",
        )
    problem = _shape_problem(data)
    if problem is not None:
        raise PlanError(f"{source}: not a valid sesctl plan: {problem}", hint=_HINT)
    plan = Plan.from_dict(data)
    written = data.get("checksum")
    if written is None:
        raise PlanError(
            f"{source}: the plan has no checksum, so an edit could not be detected", hint=_EDITED_HINT
        )
    if written != plan.checksum:
        raise PlanError(
            f"{source}: plan checksum {written} does not match its changes ({plan.checksum}): "
            "the plan file was edited or cut short",
            hint=_EDITED_HINT,
        )
    _check_signature(data, source)
    return plan


def dumps(plan: Plan) -> str:
    """The plan file's text: the JSON form, signed when ``SESCTL_PLAN_KEY`` is set."""
    key = _key()
    if key is None:
        return plan.to_json()
    data = plan.to_dict()
    data["signature"] = _sign(data, key)
    return dump_json(data)


# -- the signature --------------------------------------------------------------------------------


def _key() -> bytes | None:
    value = os.environ.get(KEY_ENV, "")
    return value.encode("utf-8") if value else None


def _sign(data: Mapping[str, Any], key: bytes) -> str:
    unsigned = {k: v for k, v in data.items() if k != "signature"}
    digest = hmac.new(key, canonical_json(unsigned).encode("utf-8"), hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def _check_signature(data: Mapping[str, Any], source: str) -> None:
    key = _key()
    if key is None:
        return  # without the key a signature cannot be checked; the checksum was
    signature = data.get("signature")
    if not isinstance(signature, str) or not signature:
        raise PlanError(
            f"{source}: the plan is not signed, and {KEY_ENV} is set: only signed plans are accepted",
            hint=f"Make the plan with the same {KEY_ENV} in the environment (`sesctl plan --out FILE`).",
        )
    if not hmac.compare_digest(signature, _sign(data, key)):
        raise PlanError(
            f"{source}: the plan's signature does not match (the file was changed after `sesctl plan` "
            f"signed it, or it was signed with another {KEY_ENV})",
            hint=_EDITED_HINT,
        )


# -- nesting --------------------------------------------------------------------------------------


def _check_depth(text: str, source: str) -> None:
    """Refuse JSON nested deeper than MAX_DEPTH, naming the line and column where it goes over."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return  # cannot nest that deep: skip the scan
    depth = 0
    in_string = escaped = False
    line, line_start = 1, 0
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise PlanError(
                    f"{source}:{line}:{index - line_start + 1}: values nested more than {MAX_DEPTH} levels "
                    "deep: not a plan sesctl writes",
                    hint=_HINT,
                )
        elif char in "]}":
            depth -= 1
        if char == "\n":
            line, line_start = line + 1, index + 1


# -- shape ----------------------------------------------------------------------------------------

# A check returns None when the value fits, else what was expected ("a list of strings").
_Check = Callable[[Any], str | None]

_ACTION_LISTS = [[str(Action.CREATE)], [str(Action.UPDATE)], [str(Action.DELETE)], [str(a) for a in REPLACE]]


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "a string"


def _integer(value: Any) -> str | None:
    return None if isinstance(value, int) and not isinstance(value, bool) else "a whole number"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _object_or_null(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict) else "an object or null"


def _string_or_null(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else "a string or null"


def _anything(value: Any) -> str | None:
    return None


def _fields(
    data: Mapping[str, Any], where: str, required: Mapping[str, _Check], optional: Mapping[str, _Check]
) -> str | None:
    for key, check in (*required.items(), *optional.items()):
        if key not in data:
            if key in required:
                return f"{where}{key}: missing"
            continue
        expected = check(data[key])
        if expected is not None:
            return f"{where}{key}: must be {expected}, not {_describe(data[key])}"
    return None


def _list_of(
    data: Mapping[str, Any], key: str, where: str, item: Callable[[Any, str], str | None]
) -> str | None:
    """Check ``data[key]`` (absent is fine) is a list whose items pass ``item``."""
    if key not in data:
        return None
    items = data[key]
    if not isinstance(items, list):
        return f"{where}{key}: must be a list, not {_describe(items)}"
    for index, value in enumerate(items):
        problem = item(value, f"{where}{key}[{index}]")
        if problem is not None:
            return problem
    return None


def _string_item(value: Any, where: str) -> str | None:
    return None if isinstance(value, str) else f"{where}: must be a string, not {_describe(value)}"


def _object_item(
    required: Mapping[str, _Check], optional: Mapping[str, _Check]
) -> Callable[[Any, str], str | None]:
    def check(value: Any, where: str) -> str | None:
        if not isinstance(value, dict):
            return f"{where}: must be an object, not {_describe(value)}"
        return _fields(value, where + ".", required, optional)

    return check


_FIELD_CHANGE = _object_item(
    {
        "path": _string,
        "op": lambda v: None if v in ("add", "remove", "change") else '"add", "remove" or "change"',
    },
    {"before": _anything, "after": _anything, "forces_replacement": _boolean},
)
_TEXT_DIFF = _object_item({"part": _string, "diff": _string}, {})
_RISK = _object_item({"code": _string, "severity": _string, "message": _string}, {})
_DIAGNOSTIC = _object_item(
    {"code": _string, "severity": _string, "summary": _string}, {"location": _string, "address": _string}
)


def _actions(value: Any) -> str | None:
    if value in _ACTION_LISTS:
        return None
    return '["create"], ["update"], ["delete"] or ["delete", "create"]'


def _source(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("file"), str):
        return 'null or {"file": ..., "line": ...}'
    line = value.get("line", 0)
    return (
        None if isinstance(line, int) and not isinstance(line, bool) else 'null or {"file": ..., "line": ...}'
    )


def _change(value: Any, where: str) -> str | None:
    if not isinstance(value, dict):
        return f"{where}: must be an object, not {_describe(value)}"
    problem = _fields(
        value,
        where + ".",
        {"kind": _string, "name": _string, "actions": _actions, "wave": _integer},
        {
            "address": _string,
            "reason": _string_or_null,
            "source": _source,
            "before": _object_or_null,
            "after": _object_or_null,
        },
    )
    for key, item in (
        ("fields", _FIELD_CHANGE),
        ("text_diffs", _TEXT_DIFF),
        ("risks", _RISK),
        ("depends_on", _string_item),
    ):
        problem = problem or _list_of(value, key, where + ".", item)
    return problem


def _live_objects(value: Any) -> str | None:
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return None
    return "an object of address -> fingerprint strings"


def _summary(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "an object"
    no_op = value.get("no_op", 0)
    return (
        None
        if isinstance(no_op, int) and not isinstance(no_op, bool)
        else "an object whose no_op is a whole number"
    )


def _refresh(value: Any) -> str | None:
    shape = (
        "an object with a finite budget_seconds, whole refreshed and not_refreshed a list of "
        f"{{address, state ({', '.join(STATES)}), read_at}} objects"
    )
    if not isinstance(value, dict):
        return shape
    budget, refreshed = value.get("budget_seconds", 0), value.get("refreshed", 0)
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not 0 <= budget < float("inf"):
        return shape
    if isinstance(refreshed, bool) or not isinstance(refreshed, int):
        return shape
    items = value.get("not_refreshed", [])
    if not isinstance(items, list):
        return shape
    for item in items:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("address"), str)
            and item.get("state") in STATES
            and (item.get("read_at") is None or isinstance(item.get("read_at"), str))
        ):
            return shape
    return None


def _shape_problem(data: Mapping[str, Any]) -> str | None:
    """The first field that does not have the documented shape, as "path: must be ...", or None."""
    problem = _fields(
        data,
        "",
        {"changes": lambda v: None if isinstance(v, list) else "a list"},
        {
            "checksum": _string,
            "stack": _string,
            "environment": _string,
            "region": _string,
            "tool_version": _string,
            "live_objects": _live_objects,
            "summary": _summary,
            "prune": _boolean,
            "signature": _string,
            "refresh": _refresh,
        },
    )
    for key, item in (
        ("changes", _change),
        ("unmanaged", _string_item),
        ("pending_prune", _string_item),
        ("targets", _string_item),
        ("diagnostics", _DIAGNOSTIC),
    ):
        problem = problem or _list_of(data, key, "", item)
    return problem


__all__ = ["KEY_ENV", "MAX_DEPTH", "dumps", "parse_plan", "plan_from_data", "read_plan_file"]
