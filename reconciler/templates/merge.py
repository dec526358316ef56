"""SES's bulk data rule: a destination's ReplacementTemplateData is merged per key into the
DefaultContent's TemplateData; objects merge recursively, arrays and scalars are replaced whole
(verified against the real API, see docs/templates.md)."""

from __future__ import annotations

from typing import Any


def merge_template_data(defaults: Any, replacement: Any) -> Any:
    """Return ``defaults`` overlaid with ``replacement``; neither input is modified."""
    if isinstance(defaults, dict) and isinstance(replacement, dict):
        merged = dict(defaults)
        for key, value in replacement.items():
            merged[key] = merge_template_data(defaults[key], value) if key in defaults else value
        return merged
    return replacement
