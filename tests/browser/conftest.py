"""Browser tests: the real app under a real server, driven in Debian's chromium by Playwright.

Every test here is marked `browser`; skip them locally with `-m "not browser"`. In CI (CI=true) a
missing chromium is a failure, never a silent skip. On a failing test a screenshot and a Playwright
trace are written under test-artifacts/ (open a trace with `.venv/bin/playwright show-trace FILE`).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.conftest import PROJECT, config_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = PROJECT / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Remember each phase's outcome so the page fixture can save evidence of a failure."""
    outcome = yield
    setattr(item, f"report_{call.when}", outcome.get_result())


@pytest.fixture(scope="session")
def browser_available() -> None:
    """Chromium must be there; CI treats its absence as a failure."""
    if not Path(CHROMIUM).exists():
        message = (
            f"{CHROMIUM} is missing: install Debian's chromium (make test does this with apt-get)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class LiveServer:
    """Where the app is served, and the app itself for set-up through the CLI and services."""

    url: str
    app: Flask

    def cli(self, *args: str, input: str | None = None):
        """Run a `flask` command against the served app's database."""
        result = self.app.test_cli_runner().invoke(args=list(args), input=input)
        assert result.exit_code == 0, result.output
        return result


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, browser_available: None
) -> Iterator[LiveServer]:
    """The real app on a free 127.0.0.1 port, with a fresh, migrated SQLite database."""
    database = tmp_path_factory.mktemp("browser") / "browser.db"
    app = create_app(config_for(f"sqlite:///{database}"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=url, app=app)
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance, browser_available: None):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser, request: pytest.FixtureRequest):
    """A fresh browser profile per test, traced; evidence is kept when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    context.tracing.start(screenshots=True, snapshots=True)
    yield context
    failed = any(
        getattr(request.node, f"report_{when}", None) is not None
        and getattr(request.node, f"report_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        for index, page in enumerate(context.pages):
            page.screenshot(path=str(ARTIFACTS / f"{name}-{index}.png"), full_page=True)
        context.tracing.stop(path=str(ARTIFACTS / f"{name}-trace.zip"))
    else:
        context.tracing.stop()
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def clean_artifacts() -> None:
    """Remove evidence from earlier runs (called once per session)."""
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    clean_artifacts()
