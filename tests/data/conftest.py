"""Fixtures of the data-layer tests (the frames and schema live in churn_data.py)."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest
from churn_data import churn_frame, churn_schema


@pytest.fixture
def churn() -> pd.DataFrame:
    return churn_frame()


@pytest.fixture
def schema() -> pa.DataFrameSchema:
    return churn_schema()
