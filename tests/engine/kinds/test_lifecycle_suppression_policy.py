"""SuppressionPolicy (a singleton): set, change, import; leaving the manifests leaves it as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lifecycle_support import Lifecycle, run_lifecycle


def _policy(reasons: str) -> str:
    return f"apiVersion: sesctl/v1\nkind: SuppressionPolicy\nmetadata: {{name: account}}\nspec: {{suppressedReasons: {reasons}}}\n"


def _reasons(expected: list[str]) -> Any:
    def check(emulator: Any) -> None:
        got = emulator.client("sesv2").get_account()["SuppressionAttributes"]["SuppressedReasons"]
        assert sorted(got) == expected

    return check


def test_lifecycle(tmp_path: Path, emulator: Any) -> None:
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(
            address="SuppressionPolicy/account",
            create=_policy("[BOUNCE]"),
            update=_policy("[]"),
            singleton=True,
            checks={"create": _reasons(["BOUNCE"]), "update": _reasons([]), "delete": _reasons([])},
        ),
    )
