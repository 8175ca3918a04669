"""Notebook pipelines: papermill runs, sweeps, DAGs and validation, every execution tracked.

- ``parameters``: the notebook's ``parameters`` cell, values checked and typed before a kernel starts
- ``notebooks``: a notebook read once (the text that is versioned is the text that runs)
- ``inputs``: the arguments every way of running takes (mappings, paths, timeouts, parameter files)
- ``step``: one execution as data (the unit an executor runs) and its result
- ``execute``: a step executed with papermill, then recorded
- ``papermill_engine``: the papermill engine that runs on a handed-over kernel
- ``kernel_pool`` / ``zygote``: the pool of fresh IPC kernels, spawned or forked from a warm process
- ``executors``: local kernel pool or Dask, behind one interface
- ``recording``: the MLflow side (runs created up front, results written through the run writer)
- ``launch``: ``run`` and ``sweep``; ``spec`` / ``dag``: ``pipeline.yaml``
- ``requirements``: metric thresholds a step must meet
"""

import os as _os

# ipykernel 6 imports debugpy, which warns on stderr about Python 3.11's frozen modules in
# every process that loads papermill or runs a kernel; nobody running notebooks needs it.
_os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
