"""``sesctl contacts``: list, import, export and remove the contacts of an SES contact list."""

from __future__ import annotations

import json
import os
from contextlib import AbstractContextManager
from pathlib import Path

import click

from reconciler import audit
from reconciler.app.connect import Connection, connect
from reconciler.contacts.operations import (
    STATUSES,
    export_rows,
    import_contacts,
    list_contacts,
    read_import_file,
    remove_contacts,
    write_csv,
)
from reconciler.errors import UsageError
from reconciler.sending.masking import mask_email, printable


@click.group("contacts")
@click.option(
    "--rate",
    metavar="RPS",
    help="SES requests per second per operation (default: SES's own limits; 100 with --local).",
)
@click.pass_context
def command(ctx: click.Context, rate: str | None) -> None:
    """Contacts of an SES contact list. They are personal data: they live in SES, never in git
    (the ContactList and its topics are declared in the manifests). Addresses are masked in
    everything sesctl prints unless you ask otherwise.

    \b
    Examples:
      sesctl --local contacts import newsletter contacts.csv
      sesctl --local contacts list newsletter --topic weekly --status OPT_IN
      sesctl contacts export newsletter --out contacts.csv
      sesctl contacts remove newsletter ada@example.com --yes
    """
    ctx.meta["sesctl.contacts.rate"] = rate


def _connect(ctx: click.Context) -> AbstractContextManager[Connection]:
    return connect(ctx.obj, rate=ctx.meta.get("sesctl.contacts.rate"))


_TOPIC = click.option("--topic", help="Only contacts with this topic ...")
_STATUS = click.option("--status", type=click.Choice(STATUSES), help="... in this status (default preferences count).")


@command.command("list")
@click.argument("contact_list")
@_TOPIC
@_STATUS
@click.option("--show-addresses", is_flag=True, help="Print addresses in clear (they are masked by default).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def list_command(
    ctx: click.Context, contact_list: str, topic: str | None, status: str | None, show_addresses: bool, as_json: bool
) -> None:
    """List the contacts of CONTACT_LIST with their topic preferences."""
    count = 0
    with _connect(ctx) as conn:
        for contact in list_contacts(conn.gateway, contact_list, topic=topic, status=status):
            count += 1
            address = str(contact.get("EmailAddress", ""))
            shown = printable(address) if show_addresses else mask_email(address)
            prefs = {p["TopicName"]: p["SubscriptionStatus"] for p in contact.get("TopicPreferences") or []}
            if as_json:
                click.echo(json.dumps({"email": shown, "topics": prefs, "unsubscribe_all": bool(contact.get("UnsubscribeAll"))}))
            else:
                flags = " (unsubscribed from all)" if contact.get("UnsubscribeAll") else ""
                topics = ", ".join(f"{k}={v}" for k, v in sorted(prefs.items())) or "default preferences"
                click.echo(f"{shown}  {topics}{flags}")
    if not as_json:
        click.echo(f"{count} contact(s)", err=True)


@command.command("import")
@click.argument("contact_list")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would be created or updated; change nothing.")
@click.pass_context
def import_command(ctx: click.Context, contact_list: str, file: Path, dry_run: bool) -> None:
    """Create or update contacts from a CSV: an `email` column, optional `unsubscribe_all`,
    `topic:NAME` columns (OPT_IN/OPT_OUT) and any other column as an attribute. Topics the
    file does not mention keep what SES has (SES replaces a contact's topics on update, so
    sesctl sends the union)."""
    rows = read_import_file(file)
    details = {"action": "import", "contact_list": contact_list, "rows": len(rows)}
    with (
        _connect(ctx) as conn,
        audit.audited("contacts", details, enabled=not dry_run, addresses=[r.email for r in rows]) as entry,
    ):
        report = import_contacts(conn.gateway, contact_list, rows, dry_run=dry_run)
        if entry is not None:
            entry.set(created=report.created, updated=report.updated, refused=len(report.refused))
    verb = "would be " if dry_run else ""
    click.echo(
        f"{report.created} {verb}created, {report.updated} {verb}updated, {report.unchanged} unchanged,"
        f" {len(report.refused)} refused"
    )
    for line, reason in report.refused:
        click.echo(f"  {file}:{line}: {reason}", err=True)
    if report.refused:
        ctx.exit(1)


@command.command("export")
@click.argument("contact_list")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="CSV file to write (addresses in clear, mode 0600).")
@_TOPIC
@_STATUS
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.pass_context
def export_command(
    ctx: click.Context, contact_list: str, out: Path, topic: str | None, status: str | None, force: bool
) -> None:
    """Write the contacts to a CSV that `contacts import` reads back. The file holds personal
    data: it is created readable by you only, and never overwritten without --force."""
    if out.exists() and not force:
        raise UsageError(f"{out} exists", hint="Pass --force to overwrite it.")
    with _connect(ctx) as conn:
        header, rows = export_rows(list_contacts(conn.gateway, contact_list, topic=topic, status=status))
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(out, flags, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(write_csv(header, rows))
    click.echo(f"Wrote {len(rows)} contact(s) to {out}", err=True)


@command.command("remove")
@click.argument("contact_list")
@click.argument("addresses", nargs=-1)
@click.option("--file", "file", type=click.Path(path_type=Path), help="Addresses to remove, one per line.")
@click.option("--yes", is_flag=True, help="Remove them (without it: a dry run).")
@click.pass_context
def remove_command(ctx: click.Context, contact_list: str, addresses: tuple[str, ...], file: Path | None, yes: bool) -> None:
    """Remove contacts from CONTACT_LIST. A dry run unless --yes."""
    targets = list(addresses)
    if file is not None:
        if not file.is_file():
            raise UsageError(f"no file {file} (or it is not a regular file)")
        targets += [line.strip() for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not targets:
        raise UsageError("name addresses to remove, or --file")
    details = {"action": "remove", "contact_list": contact_list}
    with (
        _connect(ctx) as conn,
        audit.audited("contacts", details, enabled=yes, addresses=targets) as entry,
    ):
        removed, missing = remove_contacts(conn.gateway, contact_list, targets, dry_run=not yes)
        if entry is not None:
            entry.set(removed=removed, not_found=len(missing))
    click.echo(f"{removed} {'removed' if yes else 'would be removed (dry run: pass --yes)'}, {len(missing)} not in the list")
    for masked in missing:
        click.echo(f"  not found: {masked}", err=True)
