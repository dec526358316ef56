"""DedicatedIpPool: create, update, import and delete against the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine_support import pool
from lifecycle_support import Lifecycle, run_lifecycle

TAGGED = "apiVersion: sesctl/v1\nkind: DedicatedIpPool\nmetadata: {name: bulk}\nspec: {scalingMode: STANDARD, tags: {team: mail}}\n"


def test_lifecycle(tmp_path: Path, emulator: Any) -> None:
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(address="DedicatedIpPool/bulk", create=pool("bulk"), update=TAGGED),
    )
