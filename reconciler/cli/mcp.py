"""``sesctl mcp``: the guarded MCP server, on stdio (default) or streamable HTTP with a bearer token."""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from dataclasses import replace
from pathlib import Path

import click

from reconciler.errors import UsageError
from reconciler.settings import Settings

DEFAULT_PORT = 8765
MIN_TOKEN_LENGTH = 16  # a bearer token is a random secret, not a password
LOCAL_RATE = 50.0  # requests/s per operation against the emulator (SES's own limits do not apply)


def check_port_free(host: str, port: int) -> None:
    """Fail with a message before anything is served when the address cannot be bound (uvicorn
    would log the error after our 'serving' line and exit 3). The port is released at once; a
    process that takes it in between still gets uvicorn's own error."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise UsageError(f"--host {host}: cannot resolve it ({exc.strerror or exc})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(
                f"Cannot listen on {host}:{port}: {exc.strerror or exc}.",
                hint="Pick another --port, or stop the process using it.",
            ) from None


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command("mcp")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SESCTL_MCP_CONFIG",
    help="Guardrails YAML (senders, configuration sets, recipients, limits); SESCTL_MCP_* variables override it.",
)
@click.option("--http", "use_http", is_flag=True, help="Serve streamable HTTP at /mcp instead of stdio.")
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP bind address.")
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), help="HTTP port."
)
@click.option(
    "--rate",
    metavar="RPS",
    help="SES requests per second per operation (default: SES's 1/s; 50 with --local), or Op=RPS,...",
)
@click.pass_context
def command(
    ctx: click.Context, config_path: Path | None, use_http: bool, host: str, port: int, rate: str | None
) -> None:
    """Run the MCP server: guarded sends, quota, templates, suppression, delivery diagnosis,
    analytics and drift for AI assistants. See docs/mcp.md.

    \b
    sesctl --local mcp                                  # stdio, the emulator, simulator-only
    SESCTL_MCP_TOKEN=... sesctl mcp --http --port 8765  # streamable HTTP on 127.0.0.1
    """
    from reconciler.app.connect import connect, find_environment
    from reconciler.aws.clients import LOCAL_STATE_DIR
    from reconciler.emulator.local import STATE_FILE_NAME, forget_server, record_server, running_server
    from reconciler.mcp import McpApp, build_server, load_config
    from reconciler.sending.masking import mask_text

    settings: Settings = ctx.obj
    config = load_config(config_path)
    token = config.token
    if use_http and not token and not is_loopback(host):
        raise UsageError(
            f"Refusing to listen on {host} without a bearer token.",
            hint="Set SESCTL_MCP_TOKEN (or token: in --config), or bind to 127.0.0.1.",
        )
    # stdout is the protocol on stdio: every log line goes to stderr.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="sesctl mcp: %(levelname)s %(message)s"
    )
    log = logging.getLogger("reconciler.mcp")
    if use_http and not token:
        log.warning("no bearer token: any local process can call this server (set SESCTL_MCP_TOKEN)")
    if use_http and token and len(token) < MIN_TOKEN_LENGTH:
        if not is_loopback(host):
            raise UsageError(
                f"Refusing to listen on {host} with a bearer token of {len(token)} characters (at least {MIN_TOKEN_LENGTH}).",
                hint="Use a random token: SESCTL_MCP_TOKEN=$(openssl rand -hex 32).",
            )
        log.warning(
            "the bearer token is short (%d characters); use a random one of %d or more",
            len(token),
            MIN_TOKEN_LENGTH,
        )
    if use_http:
        check_port_free(host, port)
    # The tools talk to the environment get_drift plans: the root --env, else the config's.
    settings = replace(settings, env=settings.env or config.environment)
    environment = find_environment(settings, config.project)
    rates = rate or (LOCAL_RATE if settings.local else None)
    with connect(settings, environment, rate=rates) as conn:
        app = McpApp.create(config, conn.aws, settings=settings, rates=rates, gateway=conn.gateway)
        aws = conn.aws
        recorded = False
        if aws.local and aws.endpoint_url and running_server(LOCAL_STATE_DIR) is None:
            # Other sesctl --local commands (and get_drift's plan) then share this emulator
            # instead of starting a second one over the same state file.
            record_server(LOCAL_STATE_DIR, aws.endpoint_url, LOCAL_STATE_DIR / STATE_FILE_NAME)
            recorded = True
        summary = config.summary()
        # The allow-list may name people (ops@example.org): masked like every address in a log.
        summary["recipient_allow_list"] = [mask_text(entry) for entry in config.recipients.allow]
        click.echo(f"sesctl mcp: guardrails {summary}", err=True)
        try:
            if use_http:
                server = build_server(app, token=token, public_url=f"http://{host}:{port}")
                click.echo(f"sesctl mcp: serving http://{host}:{port}/mcp", err=True)
                server.run("streamable-http", host=host, port=port)
            else:
                build_server(app).run()
        finally:
            app.audit.close()
            if recorded:
                forget_server(LOCAL_STATE_DIR)
