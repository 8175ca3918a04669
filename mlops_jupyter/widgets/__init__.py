"""ipywidgets + plotly views of results (drift reports, explanations) and their HTML pages.

Core packages import these lazily, only to render; nothing here imports ``server``.
"""
