"""Production jobs: validated notebooks on a schedule, a durable store, a scheduler, alerts, exports.

- :mod:`.service`    schedule, list, describe, history, run now, pause, resume, update, delete
- :mod:`.responses`  what they return (``JobInfo``, ``Firing``), shared by every face
- :mod:`.scheduler`  the scheduler loop: wait, claim, run, recover
- :mod:`.claims`     claiming a firing exactly once (compare-and-set, a unique firing row)
- :mod:`.execution`  running a claimed firing and recording how it ended
- :mod:`.retries`    the retry policy and its back-off
- :mod:`.orphans`    failing or retrying the firings of a scheduler that stopped
- :mod:`.presence`   the live schedulers and their heartbeats
- :mod:`.changes`    the change counter a sleeping scheduler watches
- :mod:`.runner`     one firing through the pipeline executor, with a timeout
- :mod:`.cron`       cron expressions in time zones, daylight-saving time included
- :mod:`.alerts`     webhook and email alerts on failure and recovery
- :mod:`.export`     Airflow DAGs and Kubernetes CronJobs of a job

The tables are in :mod:`mlops_jupyter.db.job_tables` (Alembic revision 0003).
"""
