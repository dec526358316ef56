"""A small, deterministic differ for normalized dicts (kopf's DiffItem idea).

Both sides are in the kinds' normalized form (reconciler/kinds/base.py): JSON values, sets
already as sorted lists. ``None`` and a missing key both mean "absent", so a tri-state field
(absent / ``[]`` / ``[...]``) differs exactly when its states differ.

Paths read like ``delivery_options.tls_policy``, ``dimensions[0].name``, ``tags["a.b"]``.
Adds and removes of whole mappings are flattened to their leaves, so a create shows every
field it sets. Lists of scalars are compared (and reported) as whole values; lists of
mappings element by element.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.engine.plan import FieldChange, canonical_json

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> tuple[FieldChange, ...]:
    """Field changes turning ``before`` (live) into ``after`` (desired), sorted by path."""
    changes = list(_diff(before or {}, after or {}, ""))
    return tuple(sorted(changes, key=lambda c: c.path))


def join(prefix: str, key: str) -> str:
    part = key if _PLAIN_KEY.match(key) else f'["{key}"]'
    if not prefix:
        return part
    return f"{prefix}{part}" if part.startswith("[") else f"{prefix}.{part}"


def _diff(a: Any, b: Any, path: str) -> Iterator[FieldChange]:
    if _same(a, b):
        return
    if a is None:
        yield from _leaves("add", b, path)
    elif b is None:
        yield from _leaves("remove", a, path)
    elif isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in sorted(set(a) | set(b), key=str):
            yield from _diff(a.get(key), b.get(key), join(path, str(key)))
    elif isinstance(a, list) and isinstance(b, list) and _all_mappings(a) and _all_mappings(b) and (a or b):
        for i in range(max(len(a), len(b))):
            yield from _diff(a[i] if i < len(a) else None, b[i] if i < len(b) else None, f"{path}[{i}]")
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


def _same(a: Any, b: Any) -> bool:
    # 1 == True == 1.0 in Python, but not in the JSON SES sees: compare canonical forms.
    return bool(a == b) and canonical_json(a) == canonical_json(b)


def _all_mappings(items: list[Any]) -> bool:
    return all(isinstance(item, Mapping) for item in items)
