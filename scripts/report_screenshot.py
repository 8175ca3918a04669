"""The README's screenshot of a model report: the page served by `mlops report`, taken in Chromium.

    python scripts/report_screenshot.py demo-output cancer@champion docs/report.png

Run it on the project `mlops demo` made; it waits for every chart, as a visitor would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def main(project: str, ref: str, png: str) -> None:
    from playwright.sync_api import sync_playwright

    env = {k: v for k, v in os.environ.items() if not k.startswith("MLOPS_")}
    env["MLOPS_HOME"] = str(Path(project).resolve() / ".mlops")
    server = subprocess.Popen(
        [sys.executable, "-m", "mlops_jupyter.cli", "report", ref, "--port", "0"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        url = re.match(r"report served at (\S+)", line).group(1)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 3400})  # the page scrolls inside
            page.set_default_timeout(300_000)
            page.goto(url)
            page.wait_for_selector(".mlops-audit-row")
            page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
            page.wait_for_load_state("networkidle")
            height = page.evaluate("() => document.querySelector('.jp-Notebook, body').scrollHeight")
            page.set_viewport_size({"width": 1280, "height": min(int(height) + 40, 6000)})
            page.screenshot(path=png)
            browser.close()
    finally:
        server.terminate()
        server.wait(20)
    print(f"wrote {png}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
