"""Playwright on Debian's Chromium (never `playwright install`: the intranet has no internet).

Playwright's sync API runs an event loop in the test thread, which trips Django's
async-unsafe check on every ORM call made from the test (fixtures, database flush). The
check is switched off only while this module's browser is alive."""

import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def requests_seen():
    """Every URL the page asks for (filled by the `page` fixture)."""
    return []


@pytest.fixture
def page(browser, live_server, requests_seen):
    """A fresh browser context's page. Set up after the live server (and its database), so torn
    down before them: a request still in flight when the test ends — the favicon Chromium asks
    for by itself on a page that names none, such as the admin site's — would otherwise hold the
    in-memory database while it is flushed for the next test ("database table is locked")."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("request", lambda request: requests_seen.append(request.url))
    page.set_default_timeout(10_000)
    yield page
    context.close()
