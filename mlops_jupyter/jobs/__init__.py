"""Production jobs: validated notebooks on a schedule, a durable store, a scheduler, alerts, exports.

- :mod:`.api`        schedule, list, describe, history, run now, pause, resume, update, delete
- :mod:`.scheduler`  the scheduler (exactly-once firings, orphan recovery, missed-run policy)
- :mod:`.runner`     one firing through the pipeline executor, with a timeout
- :mod:`.cron`       cron expressions in time zones, daylight-saving time included
- :mod:`.alerts`     webhook and email alerts on failure and recovery
- :mod:`.export`     Airflow DAGs and Kubernetes CronJobs of a job
- :mod:`.orm`        the tables (Alembic revision 0003)
"""

import sys as _sys
import types as _types


class _CallableModule(_types.ModuleType):
    """``mlops.jobs()`` lists jobs even after this package was imported.

    Importing ``mlops_jupyter.jobs`` binds the package itself to the name ``jobs`` in
    ``mlops_jupyter``, where the public API's ``jobs()`` function also lives; a callable
    package keeps both meanings working.
    """

    def __call__(self, *args, **kwargs):
        from .api import jobs

        return jobs(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
