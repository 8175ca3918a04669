"""Fingerprints: a content digest of a DataFrame, a NumPy array or a file.

Each column's values are hashed straight from their buffer with xxh3-128 (no row is
serialized), so a million rows by fifty columns takes a few hundredths of a second. The
digest covers the values, each column's name and dtype and the row count, never the index
or the memory layout: a copy, a C- or Fortran-ordered frame and a slice with the same values
fingerprint alike. Columns are combined in name order unless ``column_order=True``;
``order_sensitive=False`` makes the digest a function of the multiset of rows.

>>> fingerprint(df) == fingerprint(df.copy()) == fingerprint(df[df.columns[::-1]])
True
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import BadInput, missing_extra

# Bytes of a 2-D block copied per step when columns are strided (a frame built from a C-ordered
# array): the step stays in cache while it is transposed and hashed (measured best at
# 256-512 KiB; 1,024 rows of 50 floats). At least _MIN_ROWS rows, so each column's update is
# long enough for the per-call cost not to count even in very wide frames.
_STEP_BYTES = 1 << 19
_MIN_ROWS = 256
# Blocks from this size on are hashed by up to _MAX_THREADS threads, each a share of the columns.
_THREADED_BYTES = 1 << 25
_MAX_THREADS = 4
_FILE_BLOCK = 1 << 20
ACCEPTED = "A fingerprint is taken of a pandas DataFrame or Series, a NumPy array, or a file path."


def _xxhash():
    try:
        import xxhash
    except ImportError as exc:
        raise missing_extra("data", "dataset fingerprints", exc) from None
    return xxhash


def fingerprint(data, *, order_sensitive: bool = True, column_order: bool = False) -> str:
    """The content digest of ``data`` as 32 hex characters."""
    if isinstance(data, pd.Series):
        data = data.to_frame(name=data.name if data.name is not None else 0)
    if isinstance(data, pd.DataFrame):
        return _frame_digest(data, order_sensitive, column_order)
    if isinstance(data, np.ndarray):
        if data.ndim not in (1, 2):
            raise BadInput(f"a {data.ndim}-dimensional array has no fingerprint", "Pass a 1-D or 2-D array.")
        frame = pd.DataFrame(data if data.ndim == 2 else data[:, None], copy=False)
        return _frame_digest(frame, order_sensitive, True)
    if isinstance(data, str | os.PathLike):
        if not order_sensitive:
            raise BadInput("order_sensitive=False applies to frames and arrays", "A file is hashed as bytes.")
        return file_digest(Path(data))
    raise BadInput(f"cannot fingerprint a {type(data).__name__}", ACCEPTED)


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes (first 32 hex): the digest needs no optional dependency, so
    pipelines fingerprint their declared files whether or not the data extra is installed."""
    if not path.is_file():
        raise BadInput(f"no file at {path}", ACCEPTED)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_FILE_BLOCK):
            h.update(block)
    return h.hexdigest()[:32]


def _frame_digest(df: pd.DataFrame, order_sensitive: bool, column_order: bool) -> str:
    if df.columns.duplicated().any():
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise BadInput(f"duplicate column names: {', '.join(dupes)}", "Column names must be unique.")
    names = list(df.columns) if column_order else sorted(df.columns, key=str)
    header = {"rows": len(df), "columns": [[str(n), str(df[n].dtype)] for n in names]}
    xxh = _xxhash()
    if order_sensitive:
        header["digests"] = _column_digests(df, names, xxh)
    else:
        rows = pd.util.hash_pandas_object(df[names], index=False).to_numpy()
        header["rows_digest"] = xxh.xxh3_128_hexdigest(np.sort(rows).data)
    return xxh.xxh3_128_hexdigest(json.dumps(header, separators=(",", ":")).encode())


def _column_digests(df: pd.DataFrame, names: list, xxh) -> list[str]:
    digests: dict[int, str] = {}
    strided: list[tuple[int, np.ndarray]] = []
    for i, name in enumerate(names):
        values = _plain_values(df[name])
        if values.flags.c_contiguous:
            digests[i] = xxh.xxh3_128_hexdigest(values.data)
        else:
            strided.append((i, values))
    if strided:
        digests.update(_strided_digests(strided, xxh))
    return [digests[i] for i in range(len(names))]


def _plain_values(series: pd.Series) -> np.ndarray:
    """A NumPy array whose bytes stand for the column's values, the same for any layout."""
    values = series.array
    if isinstance(values, pd.arrays.NumpyExtensionArray) or type(values).__name__ in (
        "DatetimeArray",
        "TimedeltaArray",
    ):
        array = series.to_numpy()
        if array.dtype.kind in "biufcmM":
            if array.dtype.byteorder == ">":
                array = array.astype(array.dtype.newbyteorder("<"))
            return array.view(np.uint8) if array.ndim == 1 and array.flags.c_contiguous else array
    # strings, categories, nullable and Arrow columns: pandas' stable per-value hash
    return pd.util.hash_pandas_object(series, index=False).to_numpy()


def _strided_digests(columns: list[tuple[int, np.ndarray]], xxh) -> dict[int, str]:
    """Columns viewing one 2-D array (a frame built from a C-ordered array) are copied a block
    of rows at a time: the block is read once, sequentially, and transposed in cache so each
    column's rows lie contiguous for its own streaming xxh3 state (which equals the one-shot
    digest of the whole column)."""
    digests: dict[int, str] = {}
    for group in _shared_rows(columns):
        digests.update(_block_digests(group, xxh))
    return digests


def _shared_rows(columns: list[tuple[int, np.ndarray]]) -> list[list[tuple[int, np.ndarray]]]:
    """Group columns that are views of the same 2-D array: same dtype, same positive row stride,
    one underlying buffer, every column starting within the first row."""
    groups: dict[tuple, list[tuple[int, np.ndarray]]] = {}
    for i, values in columns:
        root = values
        while isinstance(root.base, np.ndarray):
            root = root.base
        key = (values.dtype, values.strides[0], id(root.base if root.base is not None else root))
        groups.setdefault(key, []).append((i, values))
    shared = []
    for group in groups.values():
        itemsize, stride = group[0][1].itemsize, group[0][1].strides[0]
        starts = [values.ctypes.data for _, values in group]
        span = max(starts) - min(starts)
        if stride > 0 and span < stride and all((p - min(starts)) % itemsize == 0 for p in starts):
            shared.append(group)
        else:
            shared.extend([column] for column in group)
    return shared


def _block_digests(group: list[tuple[int, np.ndarray]], xxh) -> dict[int, str]:
    first = min((values for _, values in group), key=lambda v: v.ctypes.data)
    itemsize, n = first.itemsize, len(first)
    offsets = {i: (values.ctypes.data - first.ctypes.data) // itemsize for i, values in group}
    width = max(offsets.values()) + 1
    # rows x width over the shared buffer; only read, and only inside it (see _shared_rows)
    rows = np.lib.stride_tricks.as_strided(
        first, shape=(n, width), strides=(first.strides[0], itemsize), writeable=False
    )
    # Large blocks are split by columns over the cores: the copy and xxh3 both release the GIL.
    parts = min(os.cpu_count() or 1, _MAX_THREADS, width) if rows.nbytes >= _THREADED_BYTES else 1
    bounds = [width * k // parts for k in range(parts + 1)]
    slices = [
        (lo, {i: o - lo for i, o in offsets.items() if lo <= o < hi}) for lo, hi in itertools.pairwise(bounds)
    ]
    slices = [(lo, own) for lo, own in slices if own]
    if len(slices) == 1:
        return _hash_columns(rows, *slices[0], xxh)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(slices)) as pool:
        done = pool.map(lambda part: _hash_columns(rows, part[0], part[1], xxh), slices)
        return {i: digest for digests in done for i, digest in digests.items()}


def _hash_columns(rows: np.ndarray, lo: int, own: dict[int, int], xxh) -> dict[int, str]:
    """Hash columns ``lo + offset`` of ``rows``, a step of rows at a time, transposed in cache."""
    rows = rows[:, lo : lo + max(own.values()) + 1]
    n, width = rows.shape
    step = max(_MIN_ROWS, _STEP_BYTES // (width * rows.itemsize))
    buffer = np.empty((width, min(step, n)), rows.dtype)
    # each column's row of the buffer as bytes, made once: per-step slicing stays cheap
    lines = [(xxh.xxh3_128(), memoryview(buffer[offset].view(np.uint8))) for offset in own.values()]
    for start in range(0, n, step):
        part = rows[start : start + step]
        np.copyto(buffer[:, : len(part)], part.T)
        size = len(part) * rows.itemsize
        for hasher, line in lines:
            hasher.update(line[:size])
    return {i: hasher.hexdigest() for i, (hasher, _) in zip(own, lines, strict=True)}
