"""Manifest spec models, one module per kind (pydantic only: no SES, no engine).

Each kind's plug-in (reconciler/kinds/<kind>.py, ``PLUGIN``) names its spec model; the
registry (reconciler/kinds/registry.py) derives ``KIND_SPECS`` and ``SINGLETON_KINDS`` from
the plug-ins, so nothing here lists the kinds.
"""

from __future__ import annotations

API_VERSION = "sesctl/v1"

__all__ = ["API_VERSION"]
