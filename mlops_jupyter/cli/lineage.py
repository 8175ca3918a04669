"""``mlops lineage``: the data, notebook, run and jobs of a model version, or the uses of a dataset."""

from __future__ import annotations

import json

import click


@click.command()
@click.argument("ref", required=False)
@click.option("--dataset", "digest", help="A dataset fingerprint (or its first 8+ hex characters).")
@click.option("--json", "as_json", is_flag=True, help="Print the lineage as JSON.")
def lineage(ref, digest, as_json):
    """Lineage of REF (MODEL@ALIAS or MODEL/VERSION): data -> notebook -> run -> version -> jobs.

    With --dataset DIGEST: every run, model version and job that trained or scored on that data.
    """
    from ..data import lineage as L
    from ..errors import BadInput
    from ..views.lineage import dataset_lineage_text, model_lineage_text

    if (ref is None) == (digest is None):
        raise BadInput("give a model version or --dataset DIGEST (one of them)", L.REF_HELP)
    found = L.lineage(ref) if ref is not None else L.dataset_lineage(digest)
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
    else:
        click.echo(model_lineage_text(found) if ref is not None else dataset_lineage_text(found))
