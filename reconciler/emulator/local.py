"""``--local``: an emulator endpoint over a state directory (``.sesctl/`` by default).

If a ``sesctl local serve`` is running on the same state directory (it records itself in
``<state_dir>/server.json``), commands talk to it, so a user can watch one server while running
commands. Otherwise the emulator starts inside the command on a free port, over
``<state_dir>/ses-state.json``, and saves and stops when the command ends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reconciler.emulator.admin_client import AdminError, admin_request, health

__all__ = ["AdminError", "admin_request"]  # long imported from here; admin_client.py is their home

STATE_FILE_NAME = "ses-state.json"
SERVER_FILE_NAME = "server.json"


@dataclass
class RunningServer:
    pid: int
    url: str
    state_file: str


def server_file(state_dir: Path) -> Path:
    return state_dir / SERVER_FILE_NAME


def record_server(state_dir: Path, url: str, state_file: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    info = {"pid": os.getpid(), "url": url, "state_file": str(state_file.resolve())}
    tmp = server_file(state_dir).with_suffix(".json.tmp")
    tmp.write_text(json.dumps(info, indent=1), encoding="utf-8")
    os.replace(tmp, server_file(state_dir))


def forget_server(state_dir: Path) -> None:
    path = server_file(state_dir)
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def running_server(state_dir: Path) -> RunningServer | None:
    """The ``sesctl local serve`` recorded in ``state_dir``, if it is alive and answers."""
    try:
        info = json.loads(server_file(state_dir).read_text(encoding="utf-8"))
        server = RunningServer(int(info["pid"]), str(info["url"]), str(info["state_file"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(server.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    answer = health(server.url, timeout=2)
    if answer is None or answer.get("pid") != server.pid:
        return None
    return server


@contextmanager
def embedded_endpoint(state_dir: Path) -> Iterator[str]:
    """The URL of an emulator over ``state_dir``: a running ``local serve``, or one started here."""
    existing = running_server(state_dir)
    state_file = state_dir / STATE_FILE_NAME
    if existing is not None and Path(existing.state_file) == state_file.resolve():
        yield existing.url
        return
    from reconciler.emulator.installed import require_emulator
    from reconciler.emulator.server import Emulator, EmulatorServer

    require_emulator("--local (or an environment with local: true)")
    emulator = Emulator(state_file=state_file)
    server = EmulatorServer(emulator, "127.0.0.1", 0)
    try:
        server.start()
        yield server.url
    finally:
        server.stop()
        emulator.close()
