"""Headless Chromium, for printing a report to PDF (and, in the tests, for a screenshot).

The page printed is rvutool's own: no scripts, nothing fetched, and a Content-Security-Policy that forbids
both (`POLICY`, added to the page if it lacks one; Chromium's own switch to turn scripts off also stops it
printing). Chromium runs with a fresh profile in a temporary folder and stops after `TIMEOUT` seconds.
Left to itself it calls Google's time, update and accounts services on every run, so besides the switches
that turn its background services off it is given a host resolver that resolves nothing and a proxy that
does not exist, loopback included: any request it still makes fails on this machine
(tests/view/test_browser_network.py reads Chromium's own network log to check).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from rvutool.errors import RvuError

NAMES = ("chromium", "chromium-headless-shell", "chromium-browser", "google-chrome")
TIMEOUT = 120
HOW_TO_GET = ("a PDF needs Chromium, which was not found on PATH: install it (Debian/Ubuntu: apt-get install "
              "chromium), or write -o report.html and print that page from any browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions",
         "--disable-default-apps", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
         "--disable-breakpad", "--no-pings", "--hide-scrollbars", "--mute-audio",
         "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,"
         "AutofillServerCommunication,CertificateTransparencyComponentUpdater",
         # whatever still asks for the network fails: no name resolves, and every request (to loopback too)
         # goes to a proxy on the discard port, which nothing answers
         "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
         "--proxy-bypass-list=<-loopback>")
# Scripts and every fetch forbidden to the page itself (inline styles and data: images allowed).
POLICY = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
          "img-src data:\">")


def find() -> str | None:
    """The Chromium on PATH, if any."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def run(page: Path, *options: str, chromium: str | None = None) -> None:
    """Open `page` (a local file) in headless Chromium with `options` such as --print-to-pdf=FILE."""
    chromium = chromium or find()
    if chromium is None:
        raise RvuError(HOW_TO_GET)
    with tempfile.TemporaryDirectory(prefix="rvutool-chromium-") as profile:
        command = [chromium, *FLAGS, f"--user-data-dir={profile}", *options, page.resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise RvuError(f"Chromium did not finish within {TIMEOUT} seconds") from None
        except OSError as exc:
            raise RvuError(f"cannot run {chromium}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise RvuError(f"Chromium failed (exit {done.returncode}): {last}")


def with_policy(html: str) -> str:
    """The page with POLICY first in its head (pages rvutool makes carry it already)."""
    if "Content-Security-Policy" in html:
        return html
    head = html.find("<head>")
    if head < 0:
        return POLICY + html
    return html[:head + len("<head>")] + POLICY + html[head + len("<head>"):]


def print_pdf(html: str, *, chromium: str | None = None) -> bytes:
    """The page `html` printed to PDF, with no header or footer added by the browser."""
    with tempfile.TemporaryDirectory(prefix="rvutool-report-") as folder:
        page, pdf = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_text(with_policy(html), encoding="utf-8")
        run(page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", "--print-to-pdf-no-header",
            chromium=chromium)
        if not pdf.exists() or not pdf.read_bytes().startswith(b"%PDF"):
            raise RvuError("Chromium ran but wrote no PDF")
        return pdf.read_bytes()
