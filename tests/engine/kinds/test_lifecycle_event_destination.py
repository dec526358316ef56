"""EventDestination: create, update, import and delete against the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine_support import configuration_set, event_destination
from lifecycle_support import Lifecycle, run_lifecycle


def _events(expected: list[str]) -> Any:
    def check(emulator: Any) -> None:
        got = emulator.client("sesv2").get_configuration_set_event_destinations(
            ConfigurationSetName="marketing"
        )
        assert [sorted(d["MatchingEventTypes"]) for d in got["EventDestinations"]] == [expected]

    return check


def test_lifecycle(tmp_path: Path, emulator: Any) -> None:
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(
            address="EventDestination/marketing/bounces",
            needs={"sets.yaml": configuration_set("marketing")},
            create=event_destination("bounces", "marketing"),
            update=event_destination("bounces", "marketing", events="[BOUNCE]"),
            checks={"create": _events(["BOUNCE", "COMPLAINT"]), "update": _events(["BOUNCE"])},
        ),
    )
