"""``sesctl render``: render a template from the manifests with some data (a preview)."""

from __future__ import annotations

import html
from pathlib import Path

import click

from reconciler.app.manifests import preview
from reconciler.cli.data import read_data
from reconciler.cli.validate import echo_diagnostics
from reconciler.errors import UsageError
from reconciler.files import write_text
from reconciler.templates import RenderedEmail


def preview_page(name: str, email: RenderedEmail) -> str:
    """A standalone HTML page showing the subject, the HTML part (sandboxed) and the text part."""
    frame = (
        f'<iframe sandbox="" style="width:100%;height:70vh;border:1px solid #ccc" srcdoc="{html.escape(email.html)}"></iframe>'
        if email.html is not None
        else "<p><em>no HTML part</em></p>"
    )
    text = (
        f"<pre>{html.escape(email.text)}</pre>" if email.text is not None else "<p><em>no text part</em></p>"
    )
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(name)}: {html.escape(email.subject)}</title></head>\n"
        '<body style="font-family:sans-serif;margin:2em">\n'
        f"<p><strong>Template:</strong> {html.escape(name)}</p>\n"
        f"<p><strong>Subject:</strong> {html.escape(email.subject)}</p>\n"
        f"<h2>HTML</h2>\n{frame}\n<h2>Text</h2>\n{text}\n</body></html>\n"
    )


@click.command("render")
@click.argument("name")
@click.option(
    "--data",
    "data",
    metavar="JSON|FILE",
    help="Template data: inline JSON, or a JSON/YAML file (FILE or @FILE), merged onto the defaults.",
)
@click.option("--part", type=click.Choice(["subject", "html", "text"]), help="Print only this part.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write an HTML preview page here."
)
@click.option(
    "--path", "path", type=click.Path(path_type=str), help="Project or manifests path (default: .)."
)
@click.option("--env", "env", envvar="SESCTL_ENV", help="Environment from sesctl.yaml (variables).")
@click.option(
    "--revision", metavar="REV", help="Render the template as it was at REV (v2, -1, a commit or tag; see history)."
)
@click.pass_context
def command(
    ctx: click.Context,
    name: str,
    data: str | None,
    part: str | None,
    out: Path | None,
    path: str | None,
    env: str | None,
    revision: str | None,
) -> None:
    """Render the EmailTemplate NAME as SES would, with --data merged onto its defaults.

    Rendering is strict, like SES: a variable missing from the data is an error naming
    the part, file, line and column. No AWS call is made.

    \b
    Examples:
      sesctl render welcome
      sesctl render welcome --data '{"user": {"firstName": "Ada"}}' --part subject
      sesctl render welcome --data fixtures/ada.json --out preview.html
      sesctl render welcome --revision v2          # an earlier version, from git
    """
    payload = read_data(data)
    shown = preview(path, env or ctx.obj.env, name, payload, revision)  # TemplateRenderFailed -> "Error: file:line:col ..."
    email = shown.email
    if email is None:
        echo_diagnostics(ctx, shown.problems, err=True)
        ctx.exit(1)
        return
    if out is not None:
        write_text(out, preview_page(name, email), "the preview")
        click.echo(f"Wrote a preview of {name} to {out}", err=True)
    if part is not None:
        value = {"subject": email.subject, "html": email.html, "text": email.text}[part]
        if value is None:
            raise UsageError(f"template {name!r} has no {part} part")
        click.echo(value, nl=not value.endswith("\n"))
    elif out is None:
        click.echo(f"Subject: {email.subject}")
        for label, value in (("html", email.html), ("text", email.text)):
            if value is not None:
                click.echo(f"\n--- {label} ---")
                click.echo(value, nl=not value.endswith("\n"))


__all__ = ["command", "preview_page", "read_data"]
