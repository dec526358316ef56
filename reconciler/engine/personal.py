"""Personal data in plans: the addresses a kind declares as personal (``KindPlugin.personal_data``,
AccountSettings' additional contacts) are shown masked in the text and Markdown plans.

    shown = masked(change)   # the same change, its field values' addresses masked

Only what people read is masked: the plan file keeps the values, as apply needs them (they come
from the manifests, which hold them already).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.engine.plan import FieldChange, ResourceChange
from reconciler.kinds.registry import PLUGINS
from reconciler.sending.masking import mask_text


def masked(change: ResourceChange) -> ResourceChange:
    plugin = PLUGINS.get(change.kind)
    keys = plugin.personal_data if plugin is not None else ()
    if not keys:
        return change
    fields = tuple(_masked_field(f) if _under(f.path, keys) else f for f in change.fields)
    return replace(change, fields=fields)


def _under(path: str, keys: tuple[str, ...]) -> bool:
    return any(path == key or path.startswith((key + ".", key + "[")) for key in keys)


def _masked_field(field: FieldChange) -> FieldChange:
    return replace(field, before=mask_value(field.before), after=mask_value(field.after))


def mask_value(value: Any) -> Any:
    """``value`` with every address in its strings masked (mappings and lists walked)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    return value


__all__ = ["mask_value", "masked"]
