"""Headless Chromium, launched as rvutool launches it (pdf.FLAGS), makes no network request.

Chromium's own network log (--log-net-log) shows every lookup, socket and request it made while printing;
a local web server shows whether a page's images, styles and scripts reached it.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections import Counter
from pathlib import Path

import pytest
from browser import chromium_or_skip

from rvutool.view import pdf


@pytest.fixture
def server():
    """A web server on loopback that records every request it gets."""
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_address[1], hits
    finally:
        httpd.shutdown()


def greedy_page(port: int) -> str:
    """A page that asks for everything it can: images, a style sheet, a font, a script and its fetch."""
    return (f'<!DOCTYPE html><html><head><link rel="stylesheet" href="http://localhost:{port}/css">'
            f'<style>@font-face{{font-family:x;src:url(http://127.0.0.1:{port}/font)}}</style></head><body>'
            f'<img src="http://127.0.0.1:{port}/img"><img src="http://localhost:{port}/img2">'
            f'<script>fetch("http://127.0.0.1:{port}/js")</script><p style="font-family:x">hello</p></body></html>')


def test_the_flags_alone_stop_every_request_of_the_page(server, tmp_path):
    chromium = chromium_or_skip()
    port, hits = server
    page = tmp_path / "greedy.html"
    page.write_text(greedy_page(port), encoding="utf-8")  # no policy: only the flags stand in the way
    pdf.run(page, f"--print-to-pdf={tmp_path / 'out.pdf'}", chromium=chromium)
    assert hits == []


def test_a_printed_page_runs_no_script_and_fetches_nothing(server):
    chromium = chromium_or_skip()
    port, hits = server
    printed = pdf.print_pdf(greedy_page(port), chromium=chromium)
    assert printed.startswith(b"%PDF")
    assert hits == []
    assert pdf.POLICY in pdf.with_policy(greedy_page(port))


def test_chromium_itself_looks_nothing_up_and_sends_nothing(tmp_path):
    """Without the resolver and proxy switches Chromium called Google's time, update and accounts services
    on every run; with them, its network log holds no DNS query and no byte sent on any socket."""
    chromium = chromium_or_skip()
    page = tmp_path / "page.html"
    page.write_text("<!DOCTYPE html><html><body><p>plain</p></body></html>", encoding="utf-8")
    netlog = tmp_path / "net.json"
    pdf.run(page, f"--log-net-log={netlog}", "--net-log-capture-mode=Everything",
                f"--print-to-pdf={tmp_path / 'out.pdf'}", chromium=chromium)
    log = json.loads(netlog.read_text(encoding="utf-8"))
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    seen = Counter(names[event["type"]] for event in log["events"])
    for kind in ("DNS_TRANSACTION", "SOCKET_BYTES_SENT", "UDP_BYTES_SENT", "SSL_CONNECT",
                 "HTTP_TRANSACTION_SEND_REQUEST"):
        assert seen[kind] == 0, (kind, seen)
    failed = [event["params"].get("net_error") for event in log["events"]
              if names[event["type"]] == "URL_REQUEST_START_JOB" and "net_error" in event.get("params", {})]
    assert all(error < 0 for error in failed)


def test_rvutools_pages_carry_the_policy(rvutool, tmp_path):
    assert rvutool("log", "99213", "--date", "2026-11-02").exit_code == 0
    report = tmp_path / "r.html"
    assert rvutool("report", "-o", str(report)).exit_code == 0
    employer = tmp_path / "e.csv"
    employer.write_text("Date,CPT,wRVU\n2026-11-02,99213,1.30\n", encoding="utf-8")
    dispute = tmp_path / "d.html"
    assert rvutool("reconcile", str(employer), "--html", str(dispute)).exit_code == 0
    for page in (report, dispute):
        head = Path(page).read_text(encoding="utf-8").split("</head>")[0]
        assert pdf.POLICY in head
