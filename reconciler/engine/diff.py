"""The plan's field diff: deepdiff finds what differs, this module says it in the plan's terms.

Both sides are in the kinds' normalized form (reconciler/kinds/base.py): JSON values, sets
already as sorted lists. The rules the plan (and its golden files) rely on:

- ``None`` and a missing key both mean "absent", so a tri-state field (absent / ``[]`` /
  ``[...]``) differs exactly when its states differ;
- values compare as the JSON SES sees: ``1`` differs from ``true`` and from ``1.0``; strings
  compare exactly (no Unicode normalization);
- paths read like ``delivery_options.tls_policy``, ``dimensions[0].name``, ``tags["a.b"]``;
- adds and removes of whole mappings are flattened to their leaves, so a create shows every
  field it sets;
- lists of mappings are compared element by element, by position; any other list (a set of
  values such as ``matching_event_types``) is compared, and reported, as one whole value.

deepdiff is run positionally (``zip_ordered_iterables``) and always descends into mappings
(``threshold_to_diff_deeper=0``); its reports are then folded into those rules: a report
inside a list of values becomes one change of the whole list, an added or removed mapping
becomes its leaves.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from reconciler.engine.plan import FieldChange

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_MISSING = object()  # one side of a field that is absent (or None) there


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> tuple[FieldChange, ...]:
    """Field changes turning ``before`` (live) into ``after`` (desired), sorted by path."""
    a, b = dict(before or {}), dict(after or {})
    changes: dict[tuple[str, str], FieldChange] = {}
    for reported in _reported_paths(a, b):
        keys = _whole_value_prefix(a, b, reported)
        for change in _changes_at(a, b, keys):
            changes[(change.path, change.op)] = change
    return tuple(sorted(changes.values(), key=lambda c: c.path))


def _reported_paths(a: dict[str, Any], b: dict[str, Any]) -> list[list[Any]]:
    """Where ``a`` and ``b`` differ, as deepdiff reports it. A create (or a delete) needs no
    deepdiff: against an empty side it reports each top-level key of the other; nor does an
    object that did not change (most of a steady-state plan): deepdiff reports nothing where
    the two compared forms are the same, type for type. Importing deepdiff (numpy, asyncio:
    about 0.1 s) and running it would otherwise cost every plan."""
    if not a or not b:
        return [[key] for key in _for_deepdiff(b or a)]
    if _same(_for_deepdiff(a), _for_deepdiff(b)):
        return []
    return deepdiff_paths(a, b)


def _same(a: Any, b: Any) -> bool:
    """Equal as deepdiff compares (``_for_deepdiff``'s forms): the same type at every level
    (``1``, ``1.0`` and ``True`` differ; so do -0.0 and 0.0, told apart by type there), the
    same keys, lists position by position. NaN is never the same: deepdiff decides it."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(value, b[key]) for key, value in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def deepdiff_paths(a: dict[str, Any], b: dict[str, Any]) -> list[list[Any]]:
    """The paths deepdiff reports between ``a`` and ``b`` (as the rules compare them)."""
    from deepdiff import DeepDiff

    found = DeepDiff(
        _for_deepdiff(a),
        _for_deepdiff(b),
        view="tree",
        zip_ordered_iterables=True,
        threshold_to_diff_deeper=0,
    )
    return [report.path(output_format="list") for reports in found.values() for report in reports]


def join(prefix: str, key: str) -> str:
    part = key if _PLAIN_KEY.match(key) else f'["{key}"]'
    if not prefix:
        return part
    return f"{prefix}{part}" if part.startswith("[") else f"{prefix}.{part}"


class _NegativeZero(float):
    """-0.0 for deepdiff, which finds it equal to 0.0; JSON (and so the plan) writes them apart."""


def _for_deepdiff(value: Any, *, whole: bool = False) -> Any:
    """``value`` as deepdiff should compare it: without the None entries the rules call absent
    (in mappings reached through mappings and lists of mappings; inside a list of values,
    ``whole``, every element counts), and with -0.0 told apart from 0.0. Reported values are
    always taken from the original, never from this copy."""
    if isinstance(value, Mapping):
        return {k: _for_deepdiff(v, whole=whole) for k, v in value.items() if whole or v is not None}
    if isinstance(value, list):
        whole = whole or not _all_mappings(value)
        return [_for_deepdiff(item, whole=whole) for item in value]
    if isinstance(value, float) and value == 0 and math.copysign(1.0, value) < 0:
        return _NegativeZero(value)
    return value


def _whole_value_prefix(a: Any, b: Any, keys: Sequence[Any]) -> list[Any]:
    """``keys`` cut where the rules stop descending: at the first list that is not a list of
    mappings on both sides (deepdiff reports inside it; the plan reports the list)."""
    for depth, key in enumerate(keys):
        if isinstance(a, list) or isinstance(b, list):
            if not (isinstance(a, list) and isinstance(b, list) and _all_mappings(a) and _all_mappings(b)):
                return list(keys[:depth])
        a, b = _step(a, key), _step(b, key)
    return list(keys)


def _step(value: Any, key: Any) -> Any:
    if isinstance(value, Mapping):
        found = value.get(key)
        return _MISSING if found is None else found
    if isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
        return value[key]
    return _MISSING


def _changes_at(a: Any, b: Any, keys: Sequence[Any]) -> Iterator[FieldChange]:
    path = ""
    for key in keys:
        path = f"{path}[{key}]" if isinstance(key, int) else join(path, str(key))
        a, b = _step(a, key), _step(b, key)
    if a is _MISSING:
        yield from _leaves("add", b, path)
    elif b is _MISSING:
        yield from _leaves("remove", a, path)
    else:
        yield FieldChange(path, "change", a, b)


def _leaves(op: str, value: Any, path: str) -> Iterator[FieldChange]:
    if isinstance(value, Mapping) and value:
        for key in sorted(value, key=str):
            if value[key] is not None:
                yield from _leaves(op, value[key], join(path, str(key)))
        return
    if op == "add":
        yield FieldChange(path, "add", None, value)
    else:
        yield FieldChange(path, "remove", value, None)


def _all_mappings(items: list[Any]) -> bool:
    return all(isinstance(item, Mapping) for item in items)
