"""Production jobs: validated notebooks on a schedule, a durable store, a scheduler, alerts, exports.

- :mod:`.api`        schedule, list, describe, history, run now, pause, resume, update, delete
- :mod:`.scheduler`  the scheduler (exactly-once firings, orphan recovery, missed-run policy)
- :mod:`.runner`     one firing through the pipeline executor, with a timeout
- :mod:`.cron`       cron expressions in time zones, daylight-saving time included
- :mod:`.alerts`     webhook and email alerts on failure and recovery
- :mod:`.export`     Airflow DAGs and Kubernetes CronJobs of a job
- :mod:`.orm`        the tables (Alembic revision 0003)
"""
