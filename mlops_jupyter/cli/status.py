import click

from .. import config


@click.command()
def status():
    """Show the tracking store, state directory and user."""
    click.echo(f"tracking URI: {config.tracking_uri()}")
    click.echo(f"state dir:    {config.state_dir(create=False)}")
    click.echo(f"job store:    {config.jobs_url()}")
    click.echo(f"user:         {config.current_user()}")
