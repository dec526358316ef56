"""EmailTemplate: create, update, import and delete against the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine_support import template
from lifecycle_support import Lifecycle, run_lifecycle


def _subject(expected: str) -> Any:
    def check(emulator: Any) -> None:
        got = emulator.client("sesv2").get_email_template(TemplateName="welcome")
        assert got["TemplateContent"]["Subject"] == expected

    return check


def test_lifecycle(tmp_path: Path, emulator: Any) -> None:
    run_lifecycle(
        tmp_path,
        emulator,
        Lifecycle(
            address="EmailTemplate/welcome",
            create=template("welcome"),
            update=template("welcome", subject="Welcome {{name}} 🎉"),
            checks={"create": _subject("Hi {{name}}"), "update": _subject("Welcome {{name}} 🎉")},
        ),
    )
