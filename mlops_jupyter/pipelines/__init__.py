"""Notebook pipelines: papermill runs, sweeps, DAGs and validation, every execution tracked.

- ``parameters``: the notebook's ``parameters`` cell, values checked and typed before a kernel starts
- ``notebooks``: a notebook read once (the text that is versioned is the text that runs)
- ``step``: one execution (the unit an executor runs) and its result
- ``engine``: the papermill engine that runs on a handed-over kernel
- ``kernels`` / ``zygote``: the pool of fresh IPC kernels, spawned or forked from a warm process
- ``executors``: local kernel pool or Dask, behind one interface
- ``recording``: the MLflow side (runs created up front, results written in the background)
- ``runner``: ``run`` and ``sweep``; ``spec`` / ``dag``: ``pipeline.yaml``
- ``requirements`` / ``validation``: metric thresholds, validations and their snapshots
"""

import os as _os

# ipykernel 6 imports debugpy, which warns on stderr about Python 3.11's frozen modules in
# every process that loads papermill or runs a kernel; nobody running notebooks needs it.
_os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
