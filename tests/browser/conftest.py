"""A real browser for the page tests: Debian's Chromium driven by Playwright (never a download).

Each test gets a page whose console errors and uncaught exceptions are collected; screenshots go
to ``tests/browser/artifacts/`` (git-ignored), kept after the run for a person to look at.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.browser.chromium import FLAGS, chromium
from tests.e2e.conftest import LiveServer, served

ARTIFACTS = Path(__file__).parent / "artifacts"


@dataclass
class Watched:
    """A page and what went wrong in it."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="module")  # not the session: Playwright's loop would outlive these tests
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium(), args=list(FLAGS))
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    found = Watched(page)

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            found.errors.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: found.errors.append(str(error)))
    try:
        yield found
    finally:
        context.close()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with served(tmp_path / "exchange.sqlite") as server:
        yield server


def call(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def admin(server: LiveServer, path: str, **params: str) -> Any:
    query = urllib.parse.urlencode(params)
    return call(f"{server.url}{path}?{query}", "POST", {"X-ADMIN-KEY": server.admin_key})


def signed(server: LiveServer, key: dict[str, str], method: str, path: str, **params: Any) -> Any:
    text = urllib.parse.urlencode(params | {"timestamp": int(time.time() * 1000)})
    mac = hmac.new(key["secretKey"].encode(), text.encode(), hashlib.sha256).hexdigest()
    return call(
        f"{server.url}{path}?{text}&signature={mac}", method, {"X-MBX-APIKEY": key["apiKey"]}
    )
