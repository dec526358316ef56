"""Normalized form -> manifest spec: the inverse of ``Kind.normalize_desired`` (for ``sesctl import``).

One function for every kind, driven by the kinds themselves rather than a hand-written field
table per kind:

1. **Shape.** The normalized form already uses the spec models' attribute names (see
   reconciler/kinds/base.py), so the spec is the normalized form with ``None`` members dropped
   (absent), plus what the name carries (``KindPlugin.parent``: an event destination's
   configuration set). ``[]`` is kept: it is a state of its own (suppress nothing).
2. **Defaults.** Each optional member is left out when the kind's own
   ``normalize_desired`` + ``fill_unmanaged`` still give the live object without it: so
   only what differs from SES's defaults (or what SES manages itself, such as warm-up
   percentages) is written, and every omission is proved by the same code that plans.
3. **Proof.** The result is parsed by the manifest's spec model and normalized again; it
   must equal the live object exactly (:class:`ExportError` otherwise), so an import never
   writes a manifest whose first plan would change something.

The result is snake_case data; :func:`yaml_keys` spells it as YAML (camelCase keys, tag keys
untouched).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from reconciler.engine.diff import diff
from reconciler.kinds.base import JsonDict
from reconciler.kinds.plugin import KindPlugin
from reconciler.kinds.specs.base import camel

# Members whose keys are data (user tag keys), never spelled in camelCase (a plug-in's data_fields).
_DATA_KEYS = frozenset({"tags"})


class ExportError(ValueError):
    """The live object cannot be written as a manifest that plans to no change."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"{address} {reason}")
        self.reason = reason


def metadata_name(plugin: KindPlugin, name: str) -> str:
    """``metadata.name`` of a resource (an event destination's own name, without its set)."""
    return plugin.parent.split(name)[1] if plugin.parent else name


def _from_name(plugin: KindPlugin, name: str) -> JsonDict:
    """Spec members that live in the resource's name rather than in its normalized form."""
    return {plugin.parent.spec_field: plugin.parent.split(name)[0]} if plugin.parent else {}


def export_spec(plugin: KindPlugin, name: str, live: JsonDict) -> JsonDict:
    """The smallest spec (snake_case data) whose plan against ``live`` is empty."""
    kept = {k: v for k, v in live.items() if k not in plugin.read_only}
    spec: JsonDict = {**_from_name(plugin, name), **_drop_none(kept)}
    for path in _leaf_paths(spec):
        candidate = _without(spec, path)
        if _plans_to_nothing(plugin, name, candidate, live):
            spec = candidate
    if not _plans_to_nothing(plugin, name, spec, live):
        raise ExportError(f"{plugin.name}/{name}", _why_not(plugin, spec))
    return spec


def _why_not(plugin: KindPlugin, spec: JsonDict) -> str:
    try:
        plugin.spec.model_validate(yaml_keys(spec, plugin.data_fields))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(camel(str(p)) for p in first["loc"] if isinstance(p, str))
        return f"cannot be written as a manifest: {where + ': ' if where else ''}{first['msg']}"
    return "cannot be written as a manifest that matches it exactly"


def yaml_keys(value: Any, data: frozenset[str] = _DATA_KEYS) -> Any:
    """snake_case spec data -> the YAML spelling (camelCase keys; tag keys as they are)."""
    if isinstance(value, Mapping):
        return {
            camel(str(k)): (dict(v) if k in data and isinstance(v, Mapping) else yaml_keys(v, data))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [yaml_keys(v, data) for v in value]
    return value


def _plans_to_nothing(plugin: KindPlugin, name: str, spec: JsonDict, live: JsonDict) -> bool:
    try:
        parsed = plugin.spec.model_validate(yaml_keys(spec, plugin.data_fields))
    except ValidationError:
        return False  # a required member, or a member another one needs
    kind = plugin.kind
    desired = kind.fill_unmanaged(kind.normalize_desired(name, parsed, ""), live)
    return not diff(live, desired)


def _drop_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of members that may be left out: leaves first, then their parents (deepest first)."""
    paths: list[tuple[Any, ...]] = []
    if isinstance(value, Mapping):
        for key, member in value.items():
            paths += _leaf_paths(member, (*prefix, key))
            paths.append((*prefix, key))
    elif isinstance(value, list):
        for i, member in enumerate(value):
            if isinstance(member, Mapping):
                paths += [p for p in _leaf_paths(member, (*prefix, i)) if len(p) > len(prefix) + 1]
    return paths


def _without(value: Any, path: tuple[Any, ...]) -> Any:
    """``value`` without the member at ``path`` (a copy); a mapping emptied by it goes too."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(value, Mapping):
        if head not in value:
            return value
        if not rest:
            return {k: v for k, v in value.items() if k != head}
        inner = _without(value[head], rest)
        if isinstance(inner, Mapping) and not inner:
            return {k: v for k, v in value.items() if k != head}
        return {**value, head: inner}
    if isinstance(value, list) and isinstance(head, int) and head < len(value):
        return [_without(v, rest) if i == head else v for i, v in enumerate(value)]
    return value


__all__ = ["ExportError", "export_spec", "metadata_name", "yaml_keys"]
