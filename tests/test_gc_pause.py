"""The collector is paused while a command sets up, and what it set up is frozen only in a
one-command process, and only up to its AWS connection (docs/performance.md, start-up)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import gc, json
from reconciler import gc_pause

def built():
    return [[i] for i in range(2000)]

counts = []
with gc_pause.setting_up():  # a library process (the tests, an embedding program)
    kept = [built()]
counts.append(gc.get_freeze_count())
gc_pause.freeze_setup_in_this_process()  # what sesctl's entry point does
with gc_pause.setting_up():  # the command's modules
    assert not gc.isenabled()
    kept.append(built())
counts.append(gc.get_freeze_count())
with gc_pause.setting_up(last=True):  # its AWS connection
    kept.append(built())
counts.append(gc.get_freeze_count())
with gc_pause.setting_up():  # the MCP server connecting again for a drift read
    kept.append(built())
counts.append(gc.get_freeze_count())
print(json.dumps([counts, gc.isenabled()]))
"""


def test_setting_up_freezes_only_in_a_one_command_process_and_only_until_its_connection() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    counts, enabled = json.loads(result.stdout)
    library, modules, connection, later = counts
    assert library == 0
    assert modules > 2000
    assert connection > modules + 2000
    assert later == connection
    assert enabled is True
