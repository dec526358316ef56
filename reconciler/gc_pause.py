"""Pausing Python's cyclic garbage collector while building large acyclic structures."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Building a large template, or the resources of thousands of manifests, allocates
    hundreds of thousands of objects and frees almost none: each pass of the cyclic collector
    over them (triggered by allocation counts alone) is pure cost. Nested uses are fine; the
    collector runs again (if it was on) when the outermost one ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
