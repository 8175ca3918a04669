import click

from .. import config
from ..services import masked


@click.command()
def status():
    """Show the tracking store, state directory and user."""
    click.echo(f"tracking URI: {masked(config.tracking_uri())}")
    click.echo(f"state dir:    {config.state_dir(create=False)}")
    click.echo(f"job store:    {masked(config.jobs_url())}")
    click.echo(f"user:         {config.current_user()}")
