"""Credentials in URIs are never shown: what `services.masked` leaves of them."""

import pytest

from mlops_jupyter.services import masked


@pytest.mark.parametrize(
    "given, shown",
    [
        ("http://user:s3cret@host:5000", "http://user:***@host:5000"),
        ("postgresql+psycopg://u:p@ss@db:5432/jobs", "postgresql+psycopg://u:***@db:5432/jobs"),
        ("https://s3cret@host/api", "https://***@host/api"),
        ("mysql://u@host/db?password=s3cret&ssl=1", "mysql://***@host/db?password=***&ssl=1"),
        ("failed: http://u:s3cret@a/x then https://b/y", "failed: http://u:***@a/x then https://b/y"),
        ("sqlite:////tmp/.mlops/mlflow.db", "sqlite:////tmp/.mlops/mlflow.db"),
        ("mail alice@example.com about http://host/path", "mail alice@example.com about http://host/path"),
    ],
)
def test_masked_keeps_the_address_and_hides_the_secret(given, shown):
    assert masked(given) == shown
