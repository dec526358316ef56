"""The ``sesctl`` command line.

Commands are loaded lazily from the table below (one module per command, each exposing a
click command named ``command``), so ``sesctl --help`` stays fast and a command's heavy
imports (boto3, moto, mcp) are paid only when that command runs.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
from typing import Any

import click

from reconciler import __version__
from reconciler.errors import ReconcilerError
from reconciler.gc_pause import freeze_setup_in_this_process, setting_up
from reconciler.redact import mask_url
from reconciler.settings import Settings

# name -> (module, short help). A literal table, not registration magic: adding a command is
# one line here plus one module in reconciler/cli/.
COMMANDS: dict[str, tuple[str, str]] = {
    "quota": ("reconciler.cli.quota", "Show the sending quota, sending status and production access."),
    "send": (
        "reconciler.cli.send",
        "Send a templated campaign from a CSV/JSONL file (resumable, rate-limited).",
    ),
    "mcp": (
        "reconciler.cli.mcp",
        "Run the guarded MCP server for AI assistants (stdio, or --http with a token).",
    ),
    "local": ("reconciler.cli.local", "Run and manage the local SES v2 emulator."),
    "validate": ("reconciler.cli.validate", "Check manifests: schema, references, templates (no AWS call)."),
    "schema": ("reconciler.cli.schema", "Regenerate (or --check) the JSON Schemas in schemas/."),
    "render": ("reconciler.cli.render", "Render an EmailTemplate from the manifests with data (a preview)."),
    "test": ("reconciler.cli.test", "Run the tests: of every EmailTemplate."),
    "github": ("reconciler.cli.github", "Plan comments, labels, drift issues and the merge guard on GitHub."),
    "plan": ("reconciler.cli.plan", "Show what apply would change in live SES."),
    "apply": ("reconciler.cli.apply", "Make live SES match the manifests (or apply a saved plan)."),
    "import": ("reconciler.cli.import_", "Write manifests from the live SES account, to adopt it."),
    "history": ("reconciler.cli.history", "List an EmailTemplate's versions from git, and which is live."),
    "diff": ("reconciler.cli.diff", "Diff two versions of an EmailTemplate (or a version and live SES)."),
    "contacts": ("reconciler.cli.contacts", "List, import, export and remove the contacts of a contact list."),
    "experiment": ("reconciler.cli.experiment", "A/B template experiments: results, a verdict, promote the winner."),
    "dns": ("reconciler.cli.dns", "Print the DNS records SES identities need; `dns check` resolves them."),
    "readiness": ("reconciler.cli.readiness", "Check sending domains against the Gmail/Yahoo/Outlook bulk-sender rules."),
    "rollback": ("reconciler.cli.rollback", "Write an earlier version of an EmailTemplate back into the manifests."),
    "audit": ("reconciler.cli.audit", "Verify and read the tamper-evident audit trail."),
    "events": ("reconciler.cli.events", "Consume SES event records (SQS, S3, files) into the local event store."),
    "analytics": ("reconciler.cli.analytics", "Counts and rates from the event store or CloudWatch."),
    "dashboard": ("reconciler.cli.dashboard", "Serve the report live with a JSON API on 127.0.0.1."),
    "report": ("reconciler.cli.report", "Write a self-contained HTML report from the event store."),
    "alerts": ("reconciler.cli.alerts", "Check bounce/complaint/rendering/quota thresholds (exit 3 when one fires)."),
    "iam": ("reconciler.cli.iam", "Print the least-privilege IAM policy for a use of sesctl."),
    "suppression": ("reconciler.cli.suppression", "The account suppression list: list, add, remove, import, export."),
    "gc": ("reconciler.cli.gc", "Apply sesctl.yaml's retention: to events, audit entries and send journals."),
    "status": ("reconciler.cli.status", "Overview: retention, data held, oldest records, last gc and the audit head."),
    "gdpr": ("reconciler.cli.gdpr", "GDPR subject access (export) and erasure across SES and sesctl's files."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        with setting_up():  # a command's modules live as long as the process
            module = importlib.import_module(entry[0])
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help comes from the table, so listing commands imports none of them.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sesctl")
@click.option("--local", is_flag=True, help="Use the embedded local SES v2 emulator (state in .sesctl/).")
@click.option("--profile", envvar="AWS_PROFILE", help="AWS named profile.")
@click.option("--region", envvar=["AWS_REGION", "AWS_DEFAULT_REGION"], help="AWS region.")
@click.option("--endpoint-url", help="Send AWS calls to this endpoint (e.g. a running `sesctl local serve`).")
@click.option(
    "--role-arn",
    envvar="SESCTL_ROLE_ARN",
    help="Assume this IAM role first (default: the environment's roleArn).",
)
@click.option(
    "--env",
    metavar="NAME",
    envvar="SESCTL_ENV",
    help="Environment from sesctl.yaml (region, profile, role, endpoint) for every command.",
)
@click.option("--no-color", is_flag=True, envvar="NO_COLOR", help="Plain output without ANSI colours.")
@click.pass_context
def cli(
    ctx: click.Context,
    local: bool,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    role_arn: str | None,
    env: str | None,
    no_color: bool,
) -> None:
    """sesctl manages Amazon SES v2 the GitOps way: validate, plan and apply YAML manifests,
    send guarded email, and run a local SES v2 emulator.

    Exit codes: 0 success, 1 error, 2 changes present (with --detailed-exitcode).
    """
    for flag, value in (("--env", env), ("--region", region), ("--profile", profile), ("--endpoint-url", endpoint_url)):
        if value is not None and not value.strip():
            raise click.UsageError(f"{flag} is empty: give a value or leave the option out")
    if local and (profile or endpoint_url):
        used = "--profile" if profile else "--endpoint-url"
        raise click.UsageError(f"--local uses the embedded emulator: {used} would be ignored, so it is refused")
    ctx.obj = Settings(
        local=local,
        profile=profile,
        region=region,
        endpoint_url=endpoint_url,
        role_arn=role_arn,
        color=not no_color,
        env=env,
    )


def main(argv: list[str] | None = None) -> Any:
    """Console entry point: ReconcilerErrors become a message and exit code 1, never a traceback."""
    # At exit Python runs one last full pass of the cyclic garbage collector over everything
    # still alive: for `validate` of 2,000 templates that pass cost 0.15 s of a 0.8 s run.
    # Freezing first leaves those objects to the operating system (files are closed by the
    # commands themselves, with `with` blocks; nothing relies on a finaliser at exit).
    atexit.register(gc.freeze)
    freeze_setup_in_this_process()
    # pydantic looks for plugins among the entry points of every installed distribution when it
    # builds its first model (a scan of all their metadata); sesctl uses none. A user who wants
    # one set PYDANTIC_DISABLE_PLUGINS themselves (an empty value turns the scan back on).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        return cli.main(args=argv, prog_name="sesctl", standalone_mode=False)
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C into Abort; a user's "no" at a prompt is an Abort too.
        # click.confirm raises Abort "from None" on Ctrl-C, so the interrupt is the context.
        interrupted = isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt)
        click.echo("Interrupted." if interrupted else "Aborted.", err=True)
        sys.exit(130 if interrupted else 1)
    except click.ClickException as exc:
        exc.show()
        hint = _root_option_hint(exc, argv if argv is not None else sys.argv[1:])
        if hint:
            click.echo(f"Hint: {hint}", err=True)
        # Terraform's rule, not click's: every error exits 1, because 2 means "changes present"
        # under --detailed-exitcode and a mistyped flag in CI must not read as a plan.
        sys.exit(1)
    except ReconcilerError as exc:
        # The last line of defence: a URL in a message (an endpoint, a remote) never shows its password.
        click.secho(mask_url(f"Error: {exc}"), fg="red", err=True)
        if exc.hint:
            click.echo(f"Hint: {exc.hint}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)


def _root_option_hint(exc: click.ClickException, argv: list[str]) -> str | None:
    """`sesctl plan --local` -> say that root options go before the command."""
    if not isinstance(exc, click.NoSuchOption):
        return None
    param = next((p for p in cli.params if exc.option_name in getattr(p, "opts", [])), None)
    if param is None:
        return None
    option = exc.option_name if getattr(param, "is_flag", False) else f"{exc.option_name} VALUE"
    command = next((arg for arg in argv if arg in COMMANDS), "COMMAND")
    return f"{exc.option_name} is an option of sesctl itself: put it before the command, e.g. `sesctl {option} {command} ...`"
