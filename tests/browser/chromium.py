"""Debian's Chromium for the page tests: where it is and the flags every launch passes.

One helper for both ways the tests drive it: Playwright (``conftest.browser``) and the command
line (``tests/replay/test_report.py``'s screenshot and DOM dump). Never a downloaded browser:
``scripts/browser`` installs Debian's package.
"""

from __future__ import annotations

import shutil

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    """Return the path of Debian's Chromium; fail the test (not skip it) when it is missing."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is missing: scripts/browser installs it from Debian's packages")
    return found
