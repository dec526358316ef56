"""``sesctl gdpr export|erase``: answer an access request, execute an erasure (docs/compliance.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.errors import UsageError
from reconciler.files import read_text
from reconciler.gdpr import SUPPRESSION_CHOICES, Sources
from reconciler.settings import Settings

store_option = click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(".sesctl") / "events.db",
    show_default=True,
    help="The event store to search (skipped when it does not exist).",
)
checkpoint_option = click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A send checkpoint, or a directory of them, to search (repeatable).",
)


@click.group(name="gdpr")
def command() -> None:
    """GDPR subject access and erasure across SES, the event store and checkpoints."""


@command.command(name="export")
@click.argument("addresses", nargs=-1)
@store_option
@checkpoint_option
@click.pass_context
def export_command(ctx: click.Context, addresses: tuple[str, ...], store: Path, checkpoints: tuple[Path, ...]) -> None:
    """Print, as JSON, everything held about each ADDRESS: the suppression entry and its reason,
    contact-list memberships and topic preferences, events in the store, checkpoint lines.

    The output holds the person's address (it is their data): send it to them, not to a log.
    """
    from reconciler.app.gdpr import export

    settings: Settings = ctx.obj
    report = export(settings, addresses, Sources(store, checkpoints))
    click.echo(json.dumps(report, indent=2, default=str, ensure_ascii=False))


@command.command(name="erase")
@click.argument("addresses", nargs=-1)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Addresses to erase, one per line (instead of, or as well as, ADDRESS...).",
)
@click.option(
    "--suppression",
    type=click.Choice(SUPPRESSION_CHOICES),
    help="keep: SES goes on refusing to mail them (recommended); remove: delete the entry. Required.",
)
@click.option("--yes", is_flag=True, help="Erase (without it: a dry run saying what would go).")
@store_option
@checkpoint_option
@click.pass_context
def erase_command(
    ctx: click.Context,
    addresses: tuple[str, ...],
    file: Path | None,
    suppression: str | None,
    yes: bool,
    store: Path,
    checkpoints: tuple[Path, ...],
) -> None:
    """Remove each ADDRESS from every contact list, delete their events from the store,
    pseudonymise them in checkpoints, and keep or remove their suppression entry. Dry run
    unless --yes; prints a receipt with the addresses masked and hashed."""
    from reconciler.app.gdpr import erase_subjects

    settings: Settings = ctx.obj
    subjects = list(addresses)
    if file is not None:
        lines = read_text(file, "the address file").splitlines()
        subjects += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if suppression is None:
        raise UsageError(
            "--suppression keep|remove is required: say what happens to their suppression entry",
            hint="keep: SES goes on refusing to mail them (recommended); remove: the entry is deleted.",
        )
    receipt = erase_subjects(settings, subjects, Sources(store, checkpoints), suppression=suppression, dry_run=not yes)
    click.echo(json.dumps(receipt, indent=2, default=str, ensure_ascii=False))
    if not yes:
        click.echo("Dry run: nothing was erased. Run again with --yes to erase.", err=True)
