"""The data layer: dataset fingerprints and lineage, data expectations (pandera), fairness (fairlearn).

Optional: ``pip install "mlops-jupyter[data]"``; without it each feature names the extra.
"""
