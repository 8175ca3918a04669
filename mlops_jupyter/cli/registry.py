"""``mlops register | models | promote | rollback | rules``: the model registry from a terminal."""

import click


@click.command()
@click.argument("run_id")
@click.option("--name", required=True, help="Registered model name (created on first use).")
@click.option("--description", help="What this version is, shown on its model card.")
@click.option("--artifact", default="model", show_default=True, help="Name of the model logged by the run.")
def register(run_id, name, description, artifact):
    """Register the model logged by RUN_ID as a new version of model NAME."""
    from ..registry import service as models

    v = models.register(run_id, name, description=description, artifact=artifact)
    click.echo(f"registered {v.model} v{v.version} from run {v.run_id}")


@click.command()
@click.argument("name", required=False)
@click.option(
    "--filter", "filter_string", default="", help="MLflow registry search, e.g. \"name LIKE 'churn%'\"."
)
@click.option(
    "-n", "--max", "max_results", default=50, show_default=True, help="How many models or versions."
)
def models(name, filter_string, max_results):
    """List models with their aliases; with NAME, its versions with key metrics."""
    from ..registry import service as registry
    from ..views.registry import ModelsTable, VersionsTable

    if name:
        click.echo(repr(VersionsTable(registry.model(name, max_results))))
    else:
        click.echo(repr(ModelsTable(registry.models(filter_string, max_results, with_metrics=True))))


@click.command()
@click.argument("model")
@click.argument("version")
@click.option("--to", "alias", default="champion", show_default=True, help="The alias to move.")
@click.option("--reason", help="Why; kept in the audit log (required with --force).")
@click.option(
    "--require",
    multiple=True,
    help="A metric rule stored for this alias and applied now and to every later promotion, "
    'e.g. "auc>=champion".',
)
@click.option(
    "--force", is_flag=True, help="Promote despite failed checks (admins only; recorded as forced)."
)
def promote(model, version, alias, reason, require, force):
    """Move alias --to of MODEL to VERSION through the promotion gate."""
    from ..registry import promotion

    done = promotion.promote(model, version, alias, reason=reason, require=list(require), force=force)
    for check in done.checks:
        mark = "ok " if check["passed"] else "FAILED"
        click.echo(f"  {mark} {check['name']}: {check['detail']}")
    click.echo(f"promoted {done!r} (audit entry {done.audit_seq})")


@click.command()
@click.argument("model")
@click.option("--alias", default="champion", show_default=True)
@click.option("--reason", help="Why; kept in the audit log.")
def rollback(model, alias, reason):
    """Move --alias of MODEL back to the version that held it before its last promotion."""
    from ..registry import promotion

    done = promotion.rollback(model, alias, reason=reason)
    click.echo(f"rolled back {done!r} (audit entry {done.audit_seq})")


@click.command()
@click.argument("model")
@click.option("--alias", default="champion", show_default=True)
@click.option("--add", multiple=True, help='A rule to add, e.g. "auc>=0.9" (approvers).')
@click.option("--remove", multiple=True, help="A rule to remove (admins).")
@click.option("--reason", help="Why; kept in the audit log.")
def rules(model, alias, add, remove, reason):
    """Show or change the metric rules every promotion of MODEL to --alias must pass."""
    from ..registry import rules as registry_rules

    if add or remove:
        registry_rules.change(model, alias, list(add), list(remove), reason=reason)
    else:
        from ..registry.mlflow_client import registered_model

        registered_model(model)
    found = registry_rules.stored(model)
    if not found:
        click.echo(
            f"{model}: no metric rules (promotions need a validated notebook version and the approver role)"
        )
    for a, texts in sorted(found.items()):
        click.echo(f"{model}@{a}: {', '.join(texts)}")
