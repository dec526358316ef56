"""``sesctl schema``: (re)generate the JSON Schemas in schemas/ from the models."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.manifest.schema import stale_schemas, write_schemas


@click.command("schema")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if a schema file is missing or stale.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Where the schema files live.",
)
@click.pass_context
def command(ctx: click.Context, check: bool, directory: Path) -> None:
    """Write one JSON Schema per kind, a combined one (sesctl.json) and one for sesctl.yaml.

    Editors use them through a first-line comment in each manifest:
    ``# yaml-language-server: $schema=../schemas/emailtemplate.json``.
    """
    if check:
        stale = stale_schemas(directory)
        if stale:
            click.echo(
                f"Stale or missing in {directory}/: {', '.join(stale)}. Run `sesctl schema`.", err=True
            )
            ctx.exit(1)
        click.echo(f"Schemas in {directory}/ are up to date.")
        return
    changed = write_schemas(directory)
    click.echo(
        f"Wrote {', '.join(changed)} to {directory}/."
        if changed
        else f"Schemas in {directory}/ are up to date."
    )
