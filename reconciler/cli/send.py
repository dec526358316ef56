"""``sesctl send``: a templated campaign from a CSV/JSONL file, through the send engine."""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from reconciler.cli.data import read_data
from reconciler.errors import UsageError
from reconciler.settings import Settings

if TYPE_CHECKING:
    from reconciler.sending.list_management import ListManagement

PAUSED_EXIT = 4  # the circuit breaker paused the campaign (docs/cli.md, exit codes)


def _load_tags(values: tuple[str, ...]) -> dict[str, str]:
    tags = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--tag {item!r}: expected NAME=VALUE")
        tags[name] = value
    return tags


@click.command("send")
@click.option("--template", metavar="NAME", help="The SES template to send (or use --variant).")
@click.option(
    "--recipients",
    "recipients_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV (header with an 'email' column) or JSONL file of recipients.",
)
@click.option("--from", "from_address", required=True, metavar="ADDRESS", help="A verified sender identity.")
@click.option(
    "--configuration-set", metavar="NAME", help="Configuration set (event publishing, suppression)."
)
@click.option(
    "--variant",
    "variants",
    multiple=True,
    metavar="NAME=TEMPLATE[:WEIGHT]",
    help="A/B variant (repeatable), assigned by a hash of the address; tags each message sesctl-variant=NAME.",
)
@click.option(
    "--experiment",
    metavar="NAME",
    help="Send a TemplateExperiment's variants (from the manifests); tags sesctl-experiment=NAME.",
)
@click.option(
    "--locale-column",
    metavar="FIELD",
    help="Recipient field with a locale (fr-CA): sends <template>--fr-CA, else --fr, else the template.",
)
@click.option(
    "--data",
    metavar="JSON|FILE",
    help="Campaign-wide template data (inline JSON, or a JSON/YAML file); each recipient's data is merged in.",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="NAME=VALUE",
    help="A header on every message (repeatable; the value may use {{variables}}), e.g. List-Unsubscribe.",
)
@click.option(
    "--contact-list",
    metavar="NAME",
    help="SES list management: SES adds the one-click unsubscribe headers and skips contacts who opted "
    "out (one SendEmail per recipient).",
)
@click.option("--topic", metavar="NAME", help="With --contact-list: the topic the messages belong to.")
@click.option(
    "--tag", "tags", multiple=True, metavar="NAME=VALUE", help="Message tag on every message (repeatable)."
)
@click.option("--dry-run", is_flag=True, help="Render and check every recipient; send nothing.")
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Journal file: a killed run started again with it sends each recipient once.",
)
@click.option(
    "--in-doubt",
    type=click.Choice(["fail", "resend", "skip"]),
    default="fail",
    show_default=True,
    help="On resume, what to do with a batch SES may or may not have accepted (real SES cannot be asked).",
)
@click.option(
    "--rate", type=click.FloatRange(min=0, min_open=True), help="Send slower than MaxSendRate (recipients/s)."
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    help="SendBulkEmail calls in flight at once (default: 1, plus one per 250/s of MaxSendRate, at most 8).",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 32),
    default=1,
    show_default=True,
    help="Send from N processes, each a shard of the recipients (by a hash of the address) at "
    "MaxSendRate/N; a checkpoint resumes only with the same N.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue a campaign the circuit breaker paused (after a human looked), from its --checkpoint.",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SESCTL_EVENTS_STORE",
    help="The event store the sends are recorded in and the breaker reads [default: .sesctl/events.db].",
)
@click.option("--no-store", is_flag=True, help="Do not record the sends in the event store.")
@click.option(
    "--breaker/--no-breaker",
    "breaker",
    default=None,
    help="Watch the campaign's bounce/complaint rates and SES errors, pausing when a threshold trips "
    "[default: sesctl.yaml breaker.enabled, else on from 1,000 recipients].",
)
@click.option("--bounce-threshold", type=click.FloatRange(0, 1), help="Breaker: pause above this bounce rate [0.05].")
@click.option(
    "--complaint-threshold", type=click.FloatRange(0, 1), help="Breaker: pause above this complaint rate [0.001]."
)
@click.option("--breaker-min-sends", type=click.IntRange(min=1), help="Breaker: sends before the rates count [100].")
@click.option(
    "--breaker-source",
    type=click.Choice(["store", "cloudwatch"]),
    help="Breaker: read the rates from the event store or CloudWatch [store].",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (required when not interactive).")
@click.option("--json", "as_json", is_flag=True, help="Print the final report as JSON.")
@click.pass_context
def command(
    ctx: click.Context,
    template: str | None,
    recipients_file: Path,
    from_address: str,
    configuration_set: str | None,
    variants: tuple[str, ...],
    experiment: str | None,
    locale_column: str | None,
    data: str | None,
    headers: tuple[str, ...],
    contact_list: str | None,
    topic: str | None,
    tags: tuple[str, ...],
    dry_run: bool,
    checkpoint: Path | None,
    in_doubt: str,
    rate: float | None,
    concurrency: int | None,
    processes: int,
    resume: bool,
    store_path: Path | None,
    no_store: bool,
    breaker: bool | None,
    bounce_threshold: float | None,
    complaint_threshold: float | None,
    breaker_min_sends: int | None,
    breaker_source: str | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Send TEMPLATE to every recipient of a file, at the account's MaxSendRate.

    Suppressed recipients are skipped; recipients whose data lacks a variable the template
    prints are refused (named in the report) before SES sees them. Without --yes, sesctl
    shows the count and asks first.

    \b
    sesctl send --template welcome --recipients users.csv --from news@example.com \\
        --configuration-set marketing --checkpoint welcome.ckpt
    sesctl send --variant A=welcome-a:50 --variant B=welcome-b:50 --recipients users.jsonl \\
        --from news@example.com --dry-run
    """
    from reconciler.app.send import RecipientSource, SendRequest, send
    from reconciler.app.send_watch import configured_breaker
    from reconciler.events.store import DEFAULT_STORE
    from reconciler.sending import SendJob, parse_variant
    from reconciler.sending.headers import parse_headers
    from reconciler.sending.progress import ProgressBar

    settings: Settings = ctx.obj
    if sum(map(bool, (template, variants, experiment))) != 1:
        raise UsageError(
            "Give one of --template NAME, --variant NAME=TEMPLATE:WEIGHT (repeatable) or --experiment NAME."
        )
    lists = _list_management(contact_list, topic)
    arms = tuple(parse_variant(v) for v in variants)
    experiment_tags: dict[str, str] = {}
    holdout = 0.0
    if experiment is not None:
        from reconciler.app.experiments import send_arms

        chosen = send_arms(None, settings.env, experiment)
        arms, experiment_tags, holdout = chosen.variants, chosen.tags, chosen.holdout_percent
    locales: dict[str, tuple[str, ...]] = {}
    if locale_column is not None:
        from reconciler.app.locales import declared_locales

        locales = declared_locales(None, settings.env, [template] if template else [v.template for v in arms])
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    job = SendJob(
        from_address=from_address,
        template=template,
        variants=arms,
        configuration_set=configuration_set,
        default_data=read_data(data),
        default_tags={**_load_tags(tags), **experiment_tags},
        locale_field=locale_column,
        headers=parse_headers(headers, list_management=lists is not None),
        list_management=lists,
        locales=locales,
        holdout_percent=holdout,
        checkpoint=checkpoint,
        in_doubt=in_doubt,
        rate_limit=rate,
        concurrency=concurrency,
        processes=processes,
        dry_run=dry_run,
        resume=resume,
    )
    breaker_config = configured_breaker(
        enabled=breaker,
        bounce_rate=bounce_threshold,
        complaint_rate=complaint_threshold,
        min_sends=breaker_min_sends,
        source=breaker_source,
    )
    what = template or (f"experiment {experiment}" if experiment else ", ".join(variants))
    # Always a full dry pass first: a malformed file fails there, before anything is sent,
    # and the confirmation shows real counts.
    checking = ProgressBar(None, label="checking: ")

    def confirm(preview: Any) -> bool:
        for warning in preview.warnings:
            click.echo(f"Warning: {warning}", err=True)
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError(
                    "Refusing to send without confirmation in a non-interactive session.",
                    hint="Check the counts with --dry-run, then pass --yes.",
                )
            click.echo(
                f"{preview.sent} recipients will be sent {what} from {from_address} "
                f"({preview.skipped_suppressed} suppressed, {preview.skipped_duplicate} duplicates, "
                + (f"{preview.held_out} held out, " if preview.held_out else "")
                + f"{preview.refused_render + preview.refused_invalid} refused"
                + (f", {preview.already_done} already done per the checkpoint" if checkpoint else "")
                + ")."
                + (f" {processes} processes will send them, each a shard at MaxSendRate/{processes}." if processes > 1 else ""),
                err=True,
            )
            click.confirm("Send?", abort=True, err=True)
        if checkpoint is None:
            click.echo(
                "Note: no --checkpoint; a run killed midway cannot be resumed without duplicates.", err=True
            )
        return True

    bars: list[ProgressBar] = []

    def sending_bar(preview: Any) -> ProgressBar:
        bars.append(ProgressBar(preview.rows))
        return bars[-1]

    outcome = send(
        settings,
        SendRequest(
            job,
            RecipientSource.file(recipients_file),
            store=store_path or DEFAULT_STORE,
            record=not no_store,
            breaker=breaker_config,
        ),
        confirm=confirm,
        preview_progress=checking,
        on_preview=checking.close,
        run_progress=sending_bar,
        interrupt=_graceful_interrupt,
    )
    report = outcome.report
    if report is None:
        _show(outcome.preview, as_json)
        if not dry_run and outcome.preview.sent == 0:
            empty = "" if outcome.preview.rows else f": {recipients_file} has no recipient rows"
            click.echo(f"Nothing to send{empty}.", err=True)
        return
    for bar in bars:
        bar.close(report)
    _show(report, as_json)
    if report.paused:
        ctx.exit(PAUSED_EXIT)
    if report.stopped:
        ctx.exit(1)


@contextmanager
def _graceful_interrupt(engine: Any) -> Iterator[None]:
    """The first Ctrl-C stops after the calls in flight (their answers are journaled); a second
    one interrupts at once. A sharded run (--processes) stops the same way on SIGTERM, which
    would otherwise kill the parent and leave its workers to notice alone."""

    def first(signum: int, frame: FrameType | None) -> None:
        click.echo("\nStopping after the calls in flight (Ctrl-C again to abort now)...", err=True)
        engine.request_stop()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, first)
    sharded = getattr(engine, "processes", 1) > 1
    before_term = signal.signal(signal.SIGTERM, first) if sharded else None
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if sharded:
            signal.signal(signal.SIGTERM, before_term)


def _show(report: Any, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=1, sort_keys=True))
    else:
        for line in report.lines():
            click.echo(line)


def _list_management(contact_list: str | None, topic: str | None) -> ListManagement | None:
    from reconciler.sending.list_management import ListManagement

    if topic is not None and contact_list is None:
        raise UsageError("--topic needs --contact-list (the list the topic belongs to).")
    return ListManagement(contact_list, topic) if contact_list is not None else None
