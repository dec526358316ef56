"""Pausing Python's cyclic garbage collector while building large acyclic structures, and
freezing what a one-command process sets up once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_freeze_setup = False


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


def freeze_setup_in_this_process() -> None:
    """Called by the command-line entry point, whose process runs one command: what the
    command sets up (its modules, the embedded emulator, the AWS clients) lives until it exits."""
    global _freeze_setup
    _freeze_setup = True


@contextmanager
def setting_up(*, last: bool = False) -> Iterator[None]:
    """Build what lives until the command ends (its modules, its AWS connection) with the
    collector paused; in a one-command process also freeze it (``gc.freeze``), so that later
    passes never scan it again: loading `validate`'s modules cost 10 ms of collector passes,
    `plan`'s 50 ms, and a first pass after a pause scans everything built during it at once.

    ``last``: the command's last set-up (its AWS connection); nothing is frozen after it, so a
    command that runs on (the MCP server connects again for each drift it reads) never freezes
    what has become garbage by then. Elsewhere (the test suite, a program using sesctl as a
    library) only the pause: a freeze there could keep such garbage for good."""
    global _freeze_setup
    with paused_gc():
        yield
        if _freeze_setup:
            gc.freeze()
            _freeze_setup = not last
