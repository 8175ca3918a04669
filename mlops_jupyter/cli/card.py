"""``mlops card``: a model version's card as Markdown (stdout) or files."""

from pathlib import Path

import click


@click.command()
@click.argument("model")
@click.argument("version", required=False)
@click.option(
    "--against",
    default="champion",
    show_default=True,
    help="The alias whose holder metrics are compared with.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the card as HTML.",
)
@click.option(
    "--markdown",
    "md_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the Markdown to a file.",
)
def card(model, version, against, html_path, md_path):
    """The model card of MODEL VERSION (default: the --against holder, else the newest version)."""
    from ..registry.card import model_card

    c = model_card(model, version, against)
    if html_path:
        html_path.write_text(c.html(full_page=True), encoding="utf-8")
        click.echo(f"wrote {html_path}", err=True)
    if md_path:
        md_path.write_text(c.markdown(), encoding="utf-8")
        click.echo(f"wrote {md_path}", err=True)
    if not html_path and not md_path:
        click.echo(c.markdown())
