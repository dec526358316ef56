"""``sesctl mcp``: the guarded MCP server, on stdio (default) or streamable HTTP with a bearer token."""

from __future__ import annotations

import ipaddress
import logging
import sys
from pathlib import Path

import click

from reconciler.cli.context import Settings
from reconciler.errors import UsageError

DEFAULT_PORT = 8765
LOCAL_RATE = 50.0  # requests/s per operation against the emulator (SES's own limits do not apply)


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
    from reconciler.aws.clients import LOCAL_STATE_DIR, open_aws
    from reconciler.emulator.local import STATE_FILE_NAME, forget_server, record_server, running_server
    from reconciler.mcp import McpApp, build_server, load_config

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
    with open_aws(settings) as aws:
        try:
            app = McpApp.create(
                config, aws, settings=settings, rates=rate or (LOCAL_RATE if settings.local else None)
            )
        except ValueError as exc:
            raise UsageError(
                f"--rate: {exc}", hint="--rate takes RPS or Operation=RPS,...,default=RPS"
            ) from None
        recorded = False
        if settings.local and aws.endpoint_url and running_server(LOCAL_STATE_DIR) is None:
            # Other sesctl --local commands (and get_drift's plan) then share this emulator
            # instead of starting a second one over the same state file.
            record_server(LOCAL_STATE_DIR, aws.endpoint_url, LOCAL_STATE_DIR / STATE_FILE_NAME)
            recorded = True
        click.echo(f"sesctl mcp: guardrails {config.summary()}", err=True)
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
