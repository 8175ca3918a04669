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
    from ..errors import BadInput
    from ..registry.card import model_card

    for path in filter(None, (html_path, md_path)):
        if not path.parent.is_dir():
            raise BadInput(
                f"cannot write {path}: no directory {path.parent}", "Give a path in an existing directory."
            )
    c = model_card(model, version, against)
    for path, render in ((html_path, lambda: c.html(full_page=True)), (md_path, c.markdown)):
        if path is None:
            continue
        try:
            path.write_text(render(), encoding="utf-8")
        except OSError as exc:
            raise BadInput(f"cannot write {path}: {exc.strerror}", "Give a path you can write.") from None
        click.echo(f"wrote {path}", err=True)
    if not html_path and not md_path:
        click.echo(c.markdown())
