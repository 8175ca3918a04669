"""Fingerprints: the same values give the same digest in any layout and any process."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from mlops_jupyter.data.fingerprint import fingerprint
from mlops_jupyter.errors import BadInput

MAKE_FRAME = """
import numpy as np, pandas as pd
rng = np.random.default_rng(7)
frame = pd.DataFrame({
    "x": rng.random(5000),
    "n": rng.integers(0, 100, 5000),
    "city": rng.choice(["Oslo", "Lima", "Pune"], 5000),
    "when": pd.date_range("2026-01-01", periods=5000, freq="h"),
    "flag": rng.random(5000) > 0.5,
    "score": pd.array(rng.integers(0, 9, 5000), dtype="Int64"),
    "segment": pd.Categorical(rng.choice(["a", "b"], 5000)),
})
frame.loc[3, "x"] = np.nan
frame.loc[4, "score"] = pd.NA
"""


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    scope: dict = {}
    exec(MAKE_FRAME, scope)
    return scope["frame"]


def test_the_digest_is_the_same_in_another_process(frame):
    code = MAKE_FRAME + "from mlops_jupyter.data.fingerprint import fingerprint\nprint(fingerprint(frame))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == fingerprint(frame)


def test_copies_slices_and_memory_layouts_fingerprint_alike(frame):
    digest = fingerprint(frame)
    assert fingerprint(frame.copy()) == digest
    assert fingerprint(frame.set_index("n", drop=False)) == digest  # the index is not content
    doubled = pd.concat([frame, frame], ignore_index=True)
    assert fingerprint(doubled.iloc[len(frame) :]) == digest
    values = np.random.default_rng(1).random((3000, 4))
    c_order = pd.DataFrame(values, columns=list("abcd"))  # strided columns
    by_column = pd.DataFrame({c: values[:, i].copy() for i, c in enumerate("abcd")})
    assert c_order._mgr.blocks[0].values.flags.f_contiguous
    assert fingerprint(c_order) == fingerprint(by_column)
    assert fingerprint(values) == fingerprint(np.asfortranarray(values)) == fingerprint(values.copy())
    assert fingerprint(c_order.iloc[::2]) == fingerprint(by_column.iloc[::2].copy())


def test_column_order_counts_only_when_configured(frame):
    reordered = frame[frame.columns[::-1]]
    assert fingerprint(reordered) == fingerprint(frame)
    assert fingerprint(reordered, column_order=True) != fingerprint(frame, column_order=True)


def test_row_order_counts_unless_order_sensitive_is_false(frame):
    shuffled = frame.sample(frac=1.0, random_state=3)
    assert fingerprint(shuffled) != fingerprint(frame)
    assert fingerprint(shuffled, order_sensitive=False) == fingerprint(frame, order_sensitive=False)


def test_any_changed_value_name_or_dtype_changes_the_digest(frame):
    digest = fingerprint(frame)
    changed = frame.copy()
    changed.loc[2500, "city"] = "Rome"
    renamed = frame.rename(columns={"x": "y"})
    widened = frame.astype({"n": "float64"})
    assert len({digest, fingerprint(changed), fingerprint(renamed), fingerprint(widened)}) == 4
    assert fingerprint(frame.iloc[:-1]) != digest


def test_files_are_fingerprinted_by_content(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x,y\n1,2\n")
    b.write_text("x,y\n1,2\n")
    assert fingerprint(a) == fingerprint(str(b))
    b.write_text("x,y\n1,3\n")
    assert fingerprint(a) != fingerprint(b)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"x": [1]}, "cannot fingerprint a dict"),
        (np.zeros((2, 2, 2)), "3-dimensional array"),
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "duplicate column names: a"),
        ("no/such/file.csv", "no file at no/such/file.csv"),
    ],
)
def test_what_has_no_fingerprint_is_named(data, message):
    with pytest.raises(BadInput, match=message):
        fingerprint(data)


def _by_column(frame: pd.DataFrame) -> pd.DataFrame:
    """The same content with every column in its own contiguous buffer."""
    return pd.DataFrame({name: frame[name].copy() for name in frame.columns})


def test_frames_built_from_two_d_arrays_fingerprint_like_their_columns():
    rng = np.random.default_rng(2)
    rows = 10_001  # several row blocks and a short last one
    floats = pd.DataFrame(rng.random((rows, 6)), columns=[f"f{i}" for i in range(6)])
    ints = pd.DataFrame(rng.integers(-5, 5, (rows, 3), dtype=np.int32), columns=["i0", "i1", "i2"])
    flags = pd.DataFrame(rng.random((rows, 2)) > 0.5, columns=["b0", "b1"])
    times = pd.DataFrame(
        np.datetime64("2026-01-01") + rng.integers(0, 10**6, (rows, 2)).astype("timedelta64[s]"),
        columns=["t0", "t1"],
    )
    mixed = floats.copy(deep=False)  # the 2-D float block stays; each added column is its own block
    mixed["score"] = pd.array(rng.integers(0, 9, rows), dtype="Int64")
    mixed["city"] = pd.Categorical(rng.choice(["Oslo", "Lima"], rows))
    mixed["name"] = pd.array(rng.choice(["a", "bb", None], rows), dtype="string")
    mixed["n"] = ints["i0"].to_numpy()
    for frame in (floats, ints, flags, times, mixed):
        for layout in (frame, frame.iloc[::3], frame.iloc[::-1], frame.iloc[17:9000], frame.iloc[:, ::-2]):
            assert fingerprint(layout) == fingerprint(_by_column(layout))
    assert fingerprint(mixed) != fingerprint(mixed.iloc[::-1])
    wide = rng.random((rows, 9))
    assert fingerprint(wide[:, ::2]) == fingerprint(np.ascontiguousarray(wide[:, ::2]))
    assert fingerprint(wide[:, ::2]) != fingerprint(wide[:, 1::2])


def test_a_large_two_d_block_hashed_by_several_threads_fingerprints_like_its_columns():
    rng = np.random.default_rng(3)
    big = pd.DataFrame(rng.random((900_001, 7)))  # 50 MB: past the size hashed column share by thread
    assert fingerprint(big) == fingerprint(_by_column(big))
    assert fingerprint(big.iloc[:, 1:]) == fingerprint(_by_column(big.iloc[:, 1:]))
    changed = big.copy()
    changed.iloc[900_000, 6] += 1.0  # the last value of the last thread's last column
    assert fingerprint(pd.DataFrame(changed.to_numpy())) != fingerprint(big)
