"""`sesctl contacts` against the emulator over HTTP, as real subprocesses."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.testing import LocalEmulator, dummy_aws_env, local_emulator

SESCTL = str(Path(sys.executable).with_name("sesctl"))
ENV = dummy_aws_env()


@pytest.fixture(scope="module")
def emu() -> Iterator[LocalEmulator]:
    with local_emulator() as emulator:
        emulator.client("sesv2").create_contact_list(
            ContactListName="news",
            Topics=[
                {"TopicName": "weekly", "DisplayName": "Weekly", "DefaultSubscriptionStatus": "OPT_OUT"},
                {"TopicName": "offers", "DisplayName": "Offers", "DefaultSubscriptionStatus": "OPT_OUT"},
            ],
        )
        yield emulator


def run(emu: LocalEmulator, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SESCTL, "--endpoint-url", emu.endpoint_url, "contacts", "--rate", "100", *args],
        capture_output=True, text=True, env=ENV, cwd=cwd, stdin=subprocess.DEVNULL, timeout=120,
    )


def prefs(emu: LocalEmulator, address: str) -> dict[str, str]:
    contact = emu.client("sesv2").get_contact(ContactListName="news", EmailAddress=address)
    return {p["TopicName"]: p["SubscriptionStatus"] for p in contact.get("TopicPreferences") or []}


def test_import_list_export_remove(emu: LocalEmulator, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text(
        "email,topic:weekly,topic:offers,first_name\n"
        "ada@example.com,OPT_IN,OPT_IN,Ada\n"
        "bob@example.com,OPT_IN,,Bob\n"
        "x@example..com,OPT_IN,,Bad\n"
    )
    imported = run(emu, tmp_path, "import", "news", str(first))
    assert imported.returncode == 1  # one row refused: reported, the others imported
    assert "2 created, 0 updated, 0 unchanged, 1 refused" in imported.stdout
    assert "first.csv:4:" in imported.stderr and "x@example..com" not in imported.stderr
    assert prefs(emu, "ada@example.com") == {"weekly": "OPT_IN", "offers": "OPT_IN"}

    # A file naming one topic: SES replaces preferences on update, sesctl keeps the others.
    second = tmp_path / "second.csv"
    second.write_text("email,topic:weekly\nada@example.com,OPT_OUT\nbob@example.com,OPT_IN\n")
    again = run(emu, tmp_path, "import", "news", str(second))
    assert again.returncode == 0, again.stderr
    assert "0 created, 1 updated, 1 unchanged, 0 refused" in again.stdout
    assert prefs(emu, "ada@example.com") == {"weekly": "OPT_OUT", "offers": "OPT_IN"}

    listed = run(emu, tmp_path, "list", "news")
    assert "a*a@example.com" in listed.stdout or "a***a@example.com" in listed.stdout
    assert "ada@example.com" not in listed.stdout
    clear = run(emu, tmp_path, "list", "news", "--show-addresses", "--json")
    rows = [json.loads(line) for line in clear.stdout.splitlines()]
    assert {r["email"] for r in rows} == {"ada@example.com", "bob@example.com"}

    out = tmp_path / "export.csv"
    exported = run(emu, tmp_path, "export", "news", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "ada@example.com" in out.read_text()
    refused = run(emu, tmp_path, "export", "news", "--out", str(out))
    assert refused.returncode == 1 and "--force" in refused.stderr
    round_trip = run(emu, tmp_path, "import", "news", str(out))
    assert "0 created, 0 updated, 2 unchanged" in round_trip.stdout

    dry = run(emu, tmp_path, "remove", "news", "bob@example.com", "nobody@example.com")
    assert "1 would be removed (dry run: pass --yes), 1 not in the list" in dry.stdout
    assert prefs(emu, "bob@example.com")  # still there
    removed = run(emu, tmp_path, "remove", "news", "bob@example.com", "--yes")
    assert "1 removed" in removed.stdout
    with pytest.raises(Exception, match="NotFound"):
        emu.client("sesv2").get_contact(ContactListName="news", EmailAddress="bob@example.com")


def test_bad_files_are_refused_before_any_call(emu: LocalEmulator, tmp_path: Path) -> None:
    two = tmp_path / "two.csv"
    two.write_text("email,Email\na@example.com,b@example.com\n")
    result = run(emu, tmp_path, "import", "news", str(two))
    assert result.returncode == 1 and "two 'email' column" in result.stderr
    bad_status = tmp_path / "status.csv"
    bad_status.write_text("email,topic:weekly\na@example.com,maybe\n")
    result = run(emu, tmp_path, "import", "news", str(bad_status))
    assert result.returncode == 1 and "status.csv:2: topic:weekly must be OPT_IN or OPT_OUT" in result.stderr
    missing_list = run(emu, tmp_path, "import", "nope", str(tmp_path / "status.csv"))
    assert missing_list.returncode == 1 and "Traceback" not in missing_list.stderr
