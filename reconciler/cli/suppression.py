"""``sesctl suppression``: the account suppression list (list, add, remove, import, export)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from reconciler.audit.query import parse_moment
from reconciler.errors import UsageError
from reconciler.sending.addresses import is_address
from reconciler.sending.masking import mask_email
from reconciler.settings import Settings
from reconciler.suppression import Entry
from reconciler.suppression.bulk import BULK_THRESHOLD
from reconciler.suppression.entries import REASONS

reason_filter = click.option(
    "--reason",
    "reasons",
    multiple=True,
    type=click.Choice(REASONS, case_sensitive=False),
    help="Only this reason (repeatable; default both).",
)
since_option = click.option("--since", help="Updated at or after: an ISO date/time or a duration back (7d).")
until_option = click.option("--until", help="Updated at or before: an ISO date/time or a duration back.")
rate_option = click.option("--rate", help="SES requests per second (default: SES's own limits).")


def bulk_options(fn: Any) -> Any:
    """--bulk/--no-bulk, --s3-url, --keep-upload, --timeout and --json (import and remove)."""
    options = [
        click.option(
            "--bulk/--no-bulk",
            default=None,
            help=f"Force an SES import job (needs --s3-url) or the per-address API (default: a job above {BULK_THRESHOLD:,} entries when --s3-url is given).",
        ),
        click.option("--s3-url", help="Where to upload the entries for the import job: s3://bucket/prefix/ (or a key)."),
        click.option("--keep-upload", is_flag=True, help="Keep the uploaded object (default: deleted once its job has finished)."),
        click.option("--timeout", type=click.FloatRange(min=1), default=3600, show_default=True, help="Seconds to wait for each import job."),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _use_job(count: int, bulk: bool | None, s3_url: str | None) -> bool:
    """Whether ``count`` entries go through an import job (validating the flags)."""
    if bulk and not s3_url:
        raise UsageError("--bulk needs --s3-url s3://bucket/prefix/ to upload the entries to")
    if bulk is False and s3_url:
        raise UsageError("--no-bulk uses the per-address API: --s3-url would be ignored, so it is refused")
    if s3_url:
        from reconciler.aws.s3url import parse_s3_url

        parse_s3_url(s3_url)
    return bool(s3_url) and (bool(bulk) or (bulk is None and count > BULK_THRESHOLD))


def _reasons(reasons: tuple[str, ...]) -> list[str]:
    return sorted({r.upper() for r in reasons}) or list(REASONS)


def _moment(value: str | None, option: str) -> datetime | None:
    return parse_moment(value, option=option) if value else None


def _addresses(addresses: tuple[str, ...]) -> list[str]:
    if not addresses:
        raise UsageError("name at least one address")
    bad = [a for a in addresses if not is_address(a)]
    if bad:
        raise UsageError(f"not an email address: {mask_email(bad[0])}")
    return list(dict.fromkeys(addresses))


@click.group(name="suppression")
def command() -> None:
    """The account suppression list: list (masked), add, remove, import and export entries."""


@command.command(name="list")
@reason_filter
@since_option
@until_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True, help="Output format.")
@rate_option
@click.pass_context
def list_command(
    ctx: click.Context, reasons: tuple[str, ...], since: str | None, until: str | None, fmt: str, rate: str | None
) -> None:
    """List entries with the addresses masked (use `export` for the addresses themselves)."""
    from reconciler.app.suppression_list import listing

    settings: Settings = ctx.obj
    found = listing(settings, _reasons(reasons), _moment(since, "--since"), _moment(until, "--until"), rate)
    if fmt == "csv":
        click.echo("email,reason,last_update_time")
    for entry in found:
        stamp = entry.last_update.isoformat() if entry.last_update else ""
        masked = mask_email(entry.address)
        if fmt == "jsonl":
            click.echo(json.dumps({"email": masked, "reason": entry.reason, "last_update_time": stamp}))
        elif fmt == "csv":
            click.echo(f"{masked},{entry.reason},{stamp}")
        else:
            click.echo(f"{masked:40} {entry.reason:10} {stamp}")
    if fmt == "table":
        click.echo(f"{len(found)} entries", err=True)


@command.command()
@click.argument("addresses", nargs=-1)
@click.option("--reason", type=click.Choice(REASONS, case_sensitive=False), required=True, help="Why they are suppressed.")
@rate_option
@click.pass_context
def add(ctx: click.Context, addresses: tuple[str, ...], reason: str, rate: str | None) -> None:
    """Put ADDRESS... on the suppression list (SES will not send to them)."""
    from reconciler.app.suppression_list import change

    items = [Entry(a, reason.upper()) for a in _addresses(addresses)]
    counts = change(ctx.obj, "add", items, rate=rate)
    click.echo(f"Added {counts['done']} entries.")


@command.command()
@click.argument("addresses", nargs=-1)
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path), help="Also the addresses of this CSV/JSONL file (an `export` file will do).")
@click.option("--yes", is_flag=True, help="Remove (SES may then send to them again). Required.")
@bulk_options
@rate_option
@click.pass_context
def remove(
    ctx: click.Context,
    addresses: tuple[str, ...],
    file: Path | None,
    yes: bool,
    bulk: bool | None,
    s3_url: str | None,
    keep_upload: bool,
    timeout: float,
    as_json: bool,
    rate: str | None,
) -> None:
    """Take ADDRESS... (and --file's) off the suppression list (needs --yes: they can be mailed
    again). Large files go through SES's import job (DELETE) with --s3-url, as `import` does."""
    from reconciler.app.suppression_list import change
    from reconciler.suppression import read_entries

    listed = [Entry(a, "") for a in _addresses(addresses)] if addresses or file is None else []
    if file is not None:
        listed += [Entry(e.address, "") for e in read_entries(file, "BOUNCE")]  # the reason is not used
    items = list({e.address.lower(): e for e in listed}.values())
    use_job = _use_job(len(items), bulk, s3_url)
    if not yes:
        raise UsageError(
            f"removing {len(items)} entries lets SES send to them again: pass --yes to do it",
            hint="Make sure the address no longer bounces or complains.",
        )
    if use_job:
        _bulk(ctx.obj, "DELETE", items, str(s3_url), keep_upload, timeout, as_json, rate)
        return
    counts = change(ctx.obj, "remove", items, rate=rate)
    if as_json:
        click.echo(json.dumps({"mode": "api", "removed": counts["done"], "absent": counts["absent"]}))
    else:
        click.echo(f"Removed {counts['done']} entries ({counts['absent']} were not on the list).")


@command.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reason", type=click.Choice(REASONS, case_sensitive=False), help="The reason for rows without one.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="File format (default: from the extension).")
@click.option("--dry-run", is_flag=True, help="Check the file and count; change nothing.")
@bulk_options
@rate_option
@click.pass_context
def import_command(
    ctx: click.Context,
    file: Path,
    reason: str | None,
    fmt: str | None,
    dry_run: bool,
    bulk: bool | None,
    s3_url: str | None,
    keep_upload: bool,
    timeout: float,
    as_json: bool,
    rate: str | None,
) -> None:
    """Add every entry of a CSV (email,reason) or JSONL file, e.g. from another account or provider.

    Large files go through SES's import job: the entries are uploaded to --s3-url, SES reads
    them, sesctl polls the job and reports processed and failed counts (docs/compliance.md).
    """
    from reconciler.suppression import read_entries

    items = read_entries(file, reason.upper() if reason else None, fmt)
    use_job = _use_job(len(items), bulk, s3_url)
    how = f"through an SES import job via {s3_url}" if use_job else "one PutSuppressedDestination each"
    if dry_run:
        click.echo(f"{len(items)} entries would be added ({how}).")
        return
    if not use_job and len(items) > BULK_THRESHOLD:
        click.echo(
            f"{len(items):,} entries, one request each at SES's rate: pass --s3-url s3://bucket/prefix/ "
            "to use an SES import job instead.",
            err=True,
        )
    if use_job:
        _bulk(ctx.obj, "PUT", items, str(s3_url), keep_upload, timeout, as_json, rate)
        return
    from reconciler.app.suppression_list import change

    counts = change(ctx.obj, "add", items, rate=rate)
    if as_json:
        click.echo(json.dumps({"mode": "api", "added": counts["done"]}))
    else:
        click.echo(f"Imported {counts['done']} entries.")


def _bulk(
    settings: Settings,
    action: str,
    items: list[Entry],
    s3_url: str,
    keep_upload: bool,
    timeout: float,
    as_json: bool,
    rate: str | None,
) -> None:
    from reconciler.app.suppression_list import bulk_import
    from reconciler.suppression.bulk import JobOutcome

    def progress(job: JobOutcome) -> None:
        click.echo(f"import job {job.job_id}: {job.status} ({job.records} entries from {job.object_url})", err=True)

    report = bulk_import(
        settings, items, s3_url, action=action, keep_upload=keep_upload, timeout=timeout, rate=rate,
        on_progress=None if as_json else progress,
    )  # fmt: skip
    if as_json:
        document = {"mode": "import-job", "processed": report.processed, "failed": report.failed, "jobs": [j.to_dict() for j in report.jobs]}
        click.echo(json.dumps(document, indent=1, sort_keys=True))
    else:
        done = "Imported" if action == "PUT" else "Removed"
        click.echo(f"{done} through {len(report.jobs)} SES import job(s): {report.processed} processed, {report.failed} failed.")
        for job in report.jobs:
            if job.error:
                click.echo(f"  job {job.job_id} {job.status}: {job.error}")
            if job.failed_records:
                click.echo(f"  job {job.job_id}: failed records at {job.failed_records}")
            if job.uploaded_kept:
                click.echo(f"  {job.object_url} was kept: it holds the addresses in clear; delete it when done.")
    if not report.ok or report.failed:
        raise click.exceptions.Exit(1)


@command.command()
@click.argument("job_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@rate_option
@click.pass_context
def jobs(ctx: click.Context, job_id: str | None, as_json: bool, rate: str | None) -> None:
    """SES's suppression-list import jobs, or one job (status, processed and failed counts)."""
    from reconciler.app.suppression_list import import_jobs

    found = import_jobs(ctx.obj, job_id, rate)
    if as_json:
        click.echo(json.dumps(found if not job_id else found[0], indent=1, sort_keys=True))
        return
    for job in found:
        counts = "" if job.get("processed") is None else f" {job['processed']} processed, {job['failed']} failed"
        click.echo(f"{job['job_id']}  {job['status']:10} {job.get('action') or '':6} {job.get('created') or ''}{counts}")
        for key in ("source", "error", "failed_records"):
            if job.get(key):
                click.echo(f"  {key.replace('_', ' ')}: {job[key]}")
    if not found:
        click.echo("No suppression-list import jobs.", err=True)


@command.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write (must not exist; mode 0600).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="File format (default: from the extension).")
@reason_filter
@since_option
@until_option
@rate_option
@click.pass_context
def export(
    ctx: click.Context,
    out: Path,
    fmt: str | None,
    reasons: tuple[str, ...],
    since: str | None,
    until: str | None,
    rate: str | None,
) -> None:
    """Write the entries, addresses in full, to a new file (for a migration; audited)."""
    from reconciler.app.suppression_list import export as run_export

    count = run_export(ctx.obj, out, fmt, _reasons(reasons), _moment(since, "--since"), _moment(until, "--until"), rate)
    click.echo(f"Wrote {count} entries to {out}.")
