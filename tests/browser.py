"""Pytest plugin: generated HTML opened in headless Debian Chromium, network blocked.

Use it from a test module with ``pytest_plugins = ["browser"]`` and ask for the
``browser_page`` fixture::

    def test_report_loads_offline(browser_page, tmp_path):
        view = browser_page.open(tmp_path / "report.html")
        assert view.errors() == []

Every request that is not ``file:`` or ``data:`` is aborted and recorded in
``blocked``; console errors, uncaught page errors and dialogs (``alert`` and
friends, dismissed) are collected, so a test can assert that a page loads offline
cleanly and that injected markup runs nothing. The one console error ignored is
Chromium's "Failed to load resource" for a request this fixture blocked itself
(an online-only tile, say): that is the network being off, not a page bug.
Chromium comes from the system (``/usr/bin/chromium``); nothing is downloaded.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("GISREV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 412, "height": 860}  # a common Android phone, CSS pixels


@dataclasses.dataclass
class BrowserPage:
    """A Playwright page plus what it reported while a test used it."""

    page: Any
    console_errors: list[str] = dataclasses.field(default_factory=list)
    page_errors: list[str] = dataclasses.field(default_factory=list)
    dialogs: list[str] = dataclasses.field(default_factory=list)
    blocked: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (resource type, url)

    def open(
        self,
        path: str | os.PathLike[str],
        *,
        wait_for: str | None = None,
        timeout_ms: float = 30_000,
    ) -> BrowserPage:
        """Load a local file; with ``wait_for``, wait until that JS expression is truthy."""
        self.page.goto(Path(path).resolve().as_uri(), wait_until="load", timeout=timeout_ms)
        if wait_for:
            self.page.wait_for_function(wait_for, timeout=timeout_ms)
        return self

    def errors(self) -> list[str]:
        """Console errors and uncaught exceptions seen so far."""
        return [*self.console_errors, *self.page_errors]


def _launch(playwright: Any) -> Any:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}; install the Debian package chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = _launch(pw)
        yield browser
        browser.close()


def new_browser_page(
    browser: Any, *, viewport: dict[str, int] | None = None
) -> tuple[Any, BrowserPage]:
    """Open a fresh context and page with the network blocked and reports collected."""
    context = browser.new_context(
        viewport=viewport or {"width": 1280, "height": 800}, service_workers="block"
    )
    page = context.new_page()
    view = BrowserPage(page)
    blocked_urls: set[str] = set()

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked_urls.add(url)
            view.blocked.append((r.request.resource_type, url))
            r.abort("internetdisconnected")

    def console(msg: Any) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        if msg.text.startswith("Failed to load resource") and where in blocked_urls:
            return
        view.console_errors.append(f"{msg.text} ({where})")

    def dialog(d: Any) -> None:
        view.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    context.route("**/*", route)
    page.on("console", console)
    page.on("pageerror", lambda exc: view.page_errors.append(str(exc)))
    page.on("dialog", dialog)
    return context, view


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[BrowserPage]:
    """A desktop-sized page, network blocked, errors and dialogs collected."""
    context, view = new_browser_page(chromium)
    yield view
    context.close()


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[BrowserPage]:
    """Like ``browser_page`` on a phone-sized viewport (412 x 860 CSS pixels)."""
    context, view = new_browser_page(chromium, viewport=PHONE)
    yield view
    context.close()
