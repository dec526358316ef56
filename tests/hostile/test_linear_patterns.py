"""The address patterns that scan untrusted text (log masking, the personal-data lint, the
emulator's address check) were quadratic on long runs without a match: a 1 MB template name
in an MCP call took minutes to mask. Their linear forms must find exactly what the old forms
found; the inputs below would each take minutes with the old forms."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.emulator.operations.common import EMAIL
from reconciler.manifest.personal_data import _ADDRESS
from reconciler.sending.masking import _ADDRESS_IN_TEXT, mask_text

OLD_IN_TEXT = re.compile(r"[^\s@<>,;:\"'()\[\]]+@[^\s@<>,;:\"'()\[\]]+")
OLD_PERSONAL = re.compile(r"[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
OLD_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

TEXT = st.text(alphabet="ab.@ <>:;'-+%\u00e9", max_size=40)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_the_linear_patterns_find_what_the_old_ones_found(text: str) -> None:
    assert [m.span() for m in _ADDRESS_IN_TEXT.finditer(text)] == [m.span() for m in OLD_IN_TEXT.finditer(text)]
    assert [m.span() for m in _ADDRESS.finditer(text)] == [m.span() for m in OLD_PERSONAL.finditer(text)]
    assert bool(EMAIL.match(text)) == bool(OLD_EMAIL.match(text))


def test_long_runs_without_a_match_are_scanned_once() -> None:
    run = "t" * 2_000_000  # about 2 hours for the old masking pattern
    assert mask_text(run) == run
    assert _ADDRESS.search(run) is None
    assert EMAIL.match("a@b" + ".c" * 500_000 + "@") is None
    assert mask_text(run + " ada@example.com") == run + " a***a@example.com"
