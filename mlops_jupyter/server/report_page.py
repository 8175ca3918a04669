"""``/mlops/report?model=M&alias=A``: a model's report page, served by Voila inside this Jupyter server.

The page is Voila's own handler on the report notebook shipped with the package: it runs under
the server's authentication (the user's identity), reads only, and leaves our sidebar out.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_server.utils import url_path_join

ROUTE = "mlops/report"
NOTEBOOK = "model_report.ipynb"


def handlers(serverapp, base_url: str) -> list[tuple]:
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from voila.configuration import VoilaConfiguration
    from voila.paths import collect_template_paths
    from voila.tornado.handler import TornadoVoilaHandler

    from ..reports import notebook

    folder = Path(notebook()).parent
    contents = FileContentsManager(root_dir=str(folder), parent=serverapp)
    voila = VoilaConfiguration(parent=serverapp)
    voila.extension_denylist = ["mlops-jupyter"]  # our sidebar has no place in a report

    class ReportPageHandler(TornadoVoilaHandler):
        @property
        def contents_manager(self):  # the report notebook's folder, not the user's files
            return contents

    options = {
        "config": serverapp.config,
        "template_paths": collect_template_paths(["voila", "nbconvert"], voila.template),
        "voila_configuration": voila,
        "notebook_path": NOTEBOOK,
    }
    return [(url_path_join(base_url, ROUTE), ReportPageHandler, options)]
