"""A churn frame with a sensitive column, and its pandera schema, for the data-layer tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa


def churn_frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "customer": np.arange(n),
            "tenure": rng.integers(1, 72, n),
            "charges": rng.normal(70, 20, n).clip(5, None).round(2),
            "gender": rng.choice(["f", "m"], n),
        }
    )
    frame["churned"] = ((frame.charges > 75) ^ (rng.random(n) < 0.1)).astype(int)
    return frame


def churn_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "customer": pa.Column(int, unique=True),
            "tenure": pa.Column(int, pa.Check.in_range(0, 120)),
            "charges": pa.Column(float, pa.Check.ge(0), nullable=False),
            "gender": pa.Column(str, pa.Check.isin(["f", "m", "x"])),
            "churned": pa.Column(int, pa.Check.isin([0, 1])),
        },
        name="churn",
    )
