"""Data drift: reference profiles, the drift engine and drift reports.

Public entry points are ``mlops.drift`` (:mod:`.drift`), ``mlops.drift_profile`` and
``mlops.load_drift_profile`` (:mod:`.profile`); importing this package loads nothing heavy.
"""
