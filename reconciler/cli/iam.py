"""``sesctl iam policy``: the least-privilege IAM policy for one use of sesctl."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.app.iam_policy import PolicyRequest, policy
from reconciler.iam.policy import USES
from reconciler.iam.render import FORMATS, render
from reconciler.settings import Settings


@click.group(name="iam")
def command() -> None:
    """Least-privilege IAM policies for sesctl's uses (docs/security.md)."""


@command.command(name="policy")
@click.option("--for", "use", type=click.Choice(USES), required=True, help="The use the policy is for.")
@click.option("--env", "env", envvar="SESCTL_ENV", help="The sesctl.yaml environment (region, prune).")
@click.option(
    "--path",
    type=click.Path(path_type=Path),
    default=".",
    show_default=True,
    help="The project (sesctl.yaml) or manifests directory.",
)
@click.option("--account", help="The 12-digit AWS account id (default: asked of STS).")
@click.option(
    "--from",
    "senders",
    multiple=True,
    metavar="ADDRESS|DOMAIN",
    help="send/mcp: an allowed sender (repeatable); mcp defaults to the MCP config's senders.",
)
@click.option("--template", "templates", multiple=True, help="send/mcp: a template (default: the manifests').")
@click.option(
    "--configuration-set",
    "configuration_sets",
    multiple=True,
    help="send/mcp: a configuration set (default: the manifests').",
)
@click.option("--queue", "queues", multiple=True, help="events: the SQS queue the events arrive on.")
@click.option(
    "--mcp-config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="mcp: the MCP server's configuration (its senders and configuration sets).",
)
@click.option(
    "--breaker-source",
    type=click.Choice(("store", "cloudwatch")),
    help="send: where the campaign breaker reads the rates (default: sesctl.yaml's breaker.source); "
    "cloudwatch adds cloudwatch:ListMetrics and cloudwatch:GetMetricData.",
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="json", show_default=True, help="Output format."
)
@click.pass_context
def policy_command(
    ctx: click.Context,
    use: str,
    env: str | None,
    path: Path,
    account: str | None,
    senders: tuple[str, ...],
    templates: tuple[str, ...],
    configuration_sets: tuple[str, ...],
    queues: tuple[str, ...],
    mcp_config: Path | None,
    breaker_source: str | None,
    fmt: str,
) -> None:
    """Print the least-privilege policy for one use, scoped to the ARNs the manifests name.

    \b
    Examples:
      sesctl iam policy --for apply --env production --account 123456789012
      sesctl --region eu-west-1 iam policy --for send --from news@example.com --format terraform
      sesctl iam policy --for mcp --mcp-config sesctl-mcp.yaml --format cloudformation
      sesctl iam policy --for analytics --format terraform
    """
    settings: Settings = ctx.obj
    if use == "mcp" and mcp_config is not None:
        from reconciler.mcp.config import load_config

        config = load_config(mcp_config)
        senders = senders or tuple(config.senders)
        configuration_sets = configuration_sets or tuple(config.configuration_sets)
    request = PolicyRequest(
        use=use,
        path=path,
        env=env,
        account=account,
        senders=senders,
        templates=templates,
        configuration_sets=configuration_sets,
        queues=queues,
        breaker_source=breaker_source,
    )
    click.echo(render(policy(settings, request), use, fmt), nl=False)
