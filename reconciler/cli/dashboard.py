"""``sesctl dashboard``: the report, live, with a JSON API, on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path

import click

from reconciler.cli.events import resolve_store, store_option


@click.command("dashboard")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8025,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free one).",
)
@store_option
def command(port: int, store_path: Path | None) -> None:
    """Serve the report live on http://127.0.0.1:PORT (it refreshes itself every 30 s), with a
    read-only JSON API (/api/status, /api/analytics, /api/alerts) described by /openapi.json.
    Only this machine can connect: the dashboard binds the loopback address."""
    import uvicorn

    from reconciler.errors import UsageError
    from reconciler.events.dashboard import create_app
    from reconciler.events.store import EventStore

    path = resolve_store(store_path)
    EventStore.open(path, readonly=True).close()  # a missing or foreign store fails here, not per request
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", hint="pick another --port"
        ) from None
    sock.listen(128)  # connections made before uvicorn starts wait in the backlog
    bound = sock.getsockname()[1]
    click.echo(f"sesctl dashboard on http://127.0.0.1:{bound} (store {path}); Ctrl-C stops it", err=True)
    server = uvicorn.Server(uvicorn.Config(create_app(path), log_level="warning", access_log=False))
    server.run(sockets=[sock])
