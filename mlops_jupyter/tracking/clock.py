"""The one clock of runs: MLflow keeps times as milliseconds since the epoch."""

import time


def now_ms() -> int:
    return int(time.time() * 1000)
