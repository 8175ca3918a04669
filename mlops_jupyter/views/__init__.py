"""Tables and HTML that several faces show: magics, the CLI, the REST server and widgets import them.

- ``tables``: rows with a header, as HTML in a notebook and as aligned text in a terminal
- ``runs``: recent runs
- ``registry``: models, a model's versions, the audit log

Faces never import each other; what two of them show lives here. Nothing here imports IPython.
"""
