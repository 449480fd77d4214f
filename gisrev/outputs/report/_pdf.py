"""The report as an A4 PDF: its HTML printed by headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from gisrev.errors import GisrevError


def print_pdf(html: str, out: Path, *, chromium: str | None) -> None:
    """Print HTML to A4 PDF with headless Chromium (system fonts: Thai needs a Thai font).

    Raises
    ------
    GisrevError
        When Chromium is missing, takes over 120 s or prints nothing; ``out`` is then
        not written.
    """
    exe = chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None or not Path(exe).exists():
        msg = (
            f"{out}: printing a PDF needs Chromium, which was not found; install it "
            "(apt-get install chromium fonts-thai-tlwg, or scripts/setup.sh --test) "
            "or write .html instead"
        )
        raise GisrevError(msg)
    with tempfile.TemporaryDirectory(prefix="gisrev-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        pdf = Path(tmp) / "report.pdf"
        args = [
            exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}", page.as_uri(),
        ]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
        except subprocess.TimeoutExpired as exc:
            msg = f"{out}: Chromium took over 120 s to print the report; try again or write .html"
            raise GisrevError(msg) from exc
        if not pdf.exists() or pdf.stat().st_size == 0:
            detail = (done.stderr.strip().splitlines() or ["no message"])[-1]
            msg = f"{out}: Chromium could not print the report (exit {done.returncode}: {detail})"
            raise GisrevError(msg)
        shutil.move(pdf, out)
