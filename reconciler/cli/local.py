"""``sesctl local``: run and manage the local SES v2 emulator (SES v2 + moto's SNS, SQS, S3, ...)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import click

from reconciler.emulator.admin_client import AdminError, admin_request
from reconciler.emulator.local import (
    STATE_FILE_NAME,
    forget_server,
    record_server,
    running_server,
)
from reconciler.errors import ReconcilerError, UsageError

DEFAULT_STATE = Path(".sesctl") / STATE_FILE_NAME

state_option = click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_STATE,
    show_default=True,
    help="The SES state file (its directory also records the running server).",
)


@click.group(name="local")
def command() -> None:
    """Run and manage the local SES v2 emulator.

    One endpoint serves SES v2 (sesctl's own backend) and moto's SNS, SQS, CloudWatch, S3,
    Firehose, EventBridge and STS. `sesctl --local ...` uses the server running on .sesctl/
    when there is one, and otherwise starts one for the duration of the command.
    """


def _throttle(value: str | None) -> float | str | None:
    if value is None or value == "ses":
        return value
    try:
        rate = float(value)
    except ValueError:
        rate = float("nan")
    if not rate > 0 or rate == float("inf"):
        raise UsageError(f"--throttle {value!r}: give a positive number of requests per second, or 'ses'")
    return rate


def _is_loopback(host: str) -> bool:
    from reconciler.emulator.request_guard import is_loopback_host

    return is_loopback_host(host)


@command.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback unless --allow-remote)."
)
@click.option(
    "--port", default=4566, show_default=True, type=click.IntRange(0, 65535), help="Port; 0 picks a free one."
)
@state_option
@click.option(
    "--throttle",
    "throttle_rps",
    help="SES-like throttling: requests per second per operation, or 'ses' for SES's own rates.",
)
@click.option(
    "--throttle-burst",
    type=click.FloatRange(min=1),
    help="Requests a throttling bucket saves up (default: one second's worth).",
)
@click.option(
    "--fault-rate", type=click.FloatRange(0, 1), default=0.0, help="Fraction of SES calls to fail (0-1)."
)
@click.option(
    "--fault-kind",
    default="throttle",
    show_default=True,
    help="How injected faults answer: throttle, 500, 503, 5xx, or an SES error code the operations "
    "can answer (ConcurrentModificationException, LimitExceededException, ConflictException, ...).",
)
@click.option(
    "--fault-operations", help="Comma-separated SES operations to inject faults into (default: all)."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for fault injection.")
@click.option(
    "--allow-remote", is_flag=True, help="Allow a non-loopback --host (the server has no authentication)."
)
@click.option(
    "--iam-policy",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Enforce this IAM policy (JSON) on every SES and SQS request: refused ones get AccessDenied.",
)
@click.option(
    "--sandbox",
    is_flag=True,
    help="Put the account in SES's sandbox (200/day, 1/s, verified recipients only); saved in the state.",
)
@click.option(
    "--verify-dns",
    is_flag=True,
    help="Verify domain identities from DNS: resolve their DKIM CNAMEs (or BYODKIM TXT) and MAIL FROM "
    "MX instead of waiting for the verify_identity admin action.",
)
@click.option(
    "--nameserver",
    metavar="HOST[:PORT]",
    help="The resolver --verify-dns asks (default: the system's), e.g. 127.0.0.1:5353.",
)
@click.option("--verbose", is_flag=True, help="Log every request.")
def serve(
    host: str,
    port: int,
    state_file: Path,
    throttle_rps: str | None,
    throttle_burst: float | None,
    fault_rate: float,
    fault_kind: str,
    fault_operations: str | None,
    seed: int,
    allow_remote: bool,
    iam_policy: Path | None,
    sandbox: bool,
    verify_dns: bool,
    nameserver: str | None,
    verbose: bool,
) -> None:
    """Serve the emulator until Ctrl-C or SIGTERM; SES state is saved to --state as it changes."""
    if not _is_loopback(host) and not allow_remote:
        raise UsageError(
            f"refusing to listen on {host}: the emulator has no authentication",
            hint="Use --host 127.0.0.1, or add --allow-remote if you really mean to expose it.",
        )
    from reconciler.emulator.installed import require_emulator
    from reconciler.emulator.server import Emulator, EmulatorConfig, EmulatorServer

    require_emulator("sesctl local serve")
    config = EmulatorConfig(
        throttle_rps=_throttle(throttle_rps),
        throttle_burst=throttle_burst,
        fault_rate=fault_rate,
        fault_kind=fault_kind,
        fault_operations=[op.strip() for op in fault_operations.split(",") if op.strip()]
        if fault_operations
        else None,
        seed=seed,
        verify_dns=verify_dns,
        nameserver=nameserver,
    )
    if nameserver is not None and not verify_dns:
        raise UsageError("--nameserver is the resolver of --verify-dns", hint="Add --verify-dns.")
    try:
        config.validate()
    except ValueError as exc:
        raise UsageError(
            str(exc).replace("fault_operations", "--fault-operations").replace("fault_kind", "--fault-kind")
        ) from None
    enforcer = None
    if iam_policy is not None:
        from reconciler.emulator.iam import IamEnforcer, load_policy

        try:
            enforcer = IamEnforcer(load_policy(iam_policy))
        except ValueError as exc:
            raise UsageError(f"--iam-policy: {exc}") from None
    emulator = Emulator(config, state_file=state_file)
    emulator.iam = enforcer
    if sandbox:
        emulator.enter_sandbox()
    server = EmulatorServer(emulator, host, port, verbose=verbose)
    try:
        try:
            server.start()
        except OSError as exc:
            raise ReconcilerError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                hint="Another server may be using the port; pick one with --port (0 for any free port).",
            ) from None
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        state_dir = state_file.parent
        record_server(state_dir, server.url, state_file)
        _print_banner(server.url, state_file, emulator)
        try:
            while not stop.wait(0.5):
                pass
        finally:
            forget_server(state_dir)
    finally:
        server.stop()
        emulator.close()
    click.echo(f"Stopped. SES state saved to {state_file}.")


def _print_banner(url: str, state_file: Path, emulator: Any) -> None:
    from reconciler.emulator import registry
    from reconciler.emulator.router import service_model

    click.echo(f"sesctl local emulator listening on {url}")
    click.echo(
        f"SES v2 state: {state_file} ({len(registry.OPERATIONS)} of {len(service_model().operation_names)} SES v2 operations implemented)"
    )
    if emulator.config.verify_dns:
        through = emulator.config.nameserver or "the system's resolver"
        click.echo(f"Domain identities are verified from DNS, through {through}.")
    if emulator.config.throttle_rps or emulator.config.fault_rate:
        click.echo(
            f"Throttle: {emulator.config.throttle_rps or 'off'} req/s per operation; "
            f"faults: {emulator.config.fault_rate:g} ({emulator.config.fault_kind})"
        )
    click.echo("")
    click.echo("Point AWS clients at it with:")
    click.echo(
        "  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1"
    )
    click.echo(f"  export AWS_ENDPOINT_URL={url}")
    click.echo(f"  aws sesv2 list-email-templates --endpoint-url {url}")
    if state_file.resolve() == DEFAULT_STATE.resolve():
        click.echo("sesctl commands run with --local from this directory use this server.")
    else:
        click.echo(f"sesctl commands reach it with --endpoint-url {url}.")
    click.echo("Press Ctrl-C to stop.", nl=True)


@command.command()
@state_option
@click.pass_context
def status(ctx: click.Context, state_file: Path) -> None:
    """Show whether a server is running on --state's directory (exit code 1 when not)."""
    server = running_server(state_file.parent)
    if server is None:
        click.echo(f"No sesctl local server is running for {os.path.join(state_file.parent, '')}.")
        if state_file.exists():
            click.echo(f"State file: {state_file} ({state_file.stat().st_size} bytes)")
        ctx.exit(1)
        return
    health = admin_request(server.url, "/_sesctl/health")
    click.echo(f"Running: {server.url} (pid {server.pid})")
    click.echo(f"State file: {server.state_file}")
    click.echo(f"SES v2 operations implemented: {health.get('operations')}")
    for module, error in (health.get("load_errors") or {}).items():
        click.echo(f"Warning: {module} failed to load: {error}")


@command.command()
@state_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(state_file: Path, yes: bool) -> None:
    """Forget all SES state (templates, configuration sets, identities, ...) in --state."""
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"resetting deletes all SES state in {state_file}, and stdin is not a terminal to ask",
                hint="Pass --yes to confirm.",
            )
        click.confirm(f"Delete all SES state in {state_file}?", abort=True)
    server = running_server(state_file.parent)
    if server is not None and Path(server.state_file) == state_file.resolve():
        try:
            admin_request(server.url, "/_sesctl/reset", {})
        except AdminError as exc:
            raise ReconcilerError(f"the running server at {server.url} refused the reset: {exc}") from None
        click.echo(f"Reset the running server at {server.url}; {state_file} is now empty.")
        return
    from reconciler.emulator.persistence import StateStore
    from reconciler.emulator.state import EmulatorState

    store = StateStore(state_file)
    store.open()
    try:
        store.save(EmulatorState())
    finally:
        store.close()
    click.echo(f"Reset {state_file}.")
