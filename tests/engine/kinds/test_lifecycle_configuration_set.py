"""ConfigurationSet: create, update, import and delete against the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine_support import configuration_set
from lifecycle_support import Lifecycle, run_lifecycle


def _sending(enabled: bool) -> Any:
    def check(emulator: Any) -> None:
        got = emulator.client("sesv2").get_configuration_set(ConfigurationSetName="marketing")
        assert got["SendingOptions"]["SendingEnabled"] is enabled

    return check


def test_lifecycle(tmp_path: Path, emulator: Any) -> None:
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(
            address="ConfigurationSet/marketing",
            create=configuration_set("marketing"),
            update=configuration_set("marketing", sending=False),
            checks={"create": _sending(True), "update": _sending(False)},
        ),
    )
