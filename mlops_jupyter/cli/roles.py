"""``mlops roles``: who may do what in this project."""

import click


@click.command()
@click.argument("user", required=False)
@click.argument("role", required=False)
@click.option("--reason", help="Why; kept in the audit log.")
def roles(user, role, reason):
    """Show the roles, or give USER the ROLE (viewer, developer, approver, admin; admins only)."""
    from .. import config
    from ..errors import BadInput
    from ..governance import roles as roles_mod

    if user and not role:
        raise BadInput("give both USER and ROLE to change a role", f"Roles: {', '.join(roles_mod.ROLES)}.")
    if user:
        from ..governance.role_changes import set_role

        set_role(user, role, reason=reason)
        click.echo(f"{user} is now {role}")
    table = roles_mod.table()
    me = config.current_user()
    click.echo(f"you: {me} ({table.role_of(me)})")
    if not table.configured:
        click.echo(f"no [roles] in {config.project_config_path()}: everyone is admin (a single-user project)")
        return
    click.echo(f"everyone else: {table.default}")
    for name, r in sorted(table.users.items()):
        click.echo(f"  {name}: {r}")
