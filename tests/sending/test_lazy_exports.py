"""reconciler.sending exports its names on first use: `validate` imports sending.masking and
must not pay for the send engine (docs/performance.md, start-up)."""

from __future__ import annotations

import subprocess
import sys

import reconciler.sending


def test_every_exported_name_resolves() -> None:
    for name in reconciler.sending.__all__:
        assert getattr(reconciler.sending, name) is not None, name


def test_importing_masking_leaves_the_engine_unimported() -> None:
    probe = (
        "import sys, reconciler.sending.masking\n"
        "heavy = [m for m in ('reconciler.sending.engine', 'reconciler.emulator.admin_client') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""
