from pathlib import Path

import click


@click.command()
@click.option(
    "--notebooks",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default="notebooks",
    show_default=True,
    help="Folder with the example notebooks.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default="demo-output",
    show_default=True,
    help="Project folder the demo (re)creates.",
)
def demo(notebooks, out):
    """Run the end-to-end demo on the embedded defaults."""
    from ..demo import run_demo

    run_demo(notebooks, out)
