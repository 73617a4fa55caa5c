"""The headless Chromium that renders the report's PDF: CI must have it; elsewhere its tests skip."""

from __future__ import annotations

import os

import pytest

from rvutool.view import pdf


def chromium_or_skip() -> str:
    found = pdf.find()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: chromium is not on PATH (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI runs this test")
    return found
