"""Shared fixtures: a real app on a real database (SQLite, or PostgreSQL for that leg)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from app.extensions import db
from config import TestingConfig

PROJECT = Path(__file__).resolve().parent.parent
FIXTURE_COURSE = Path(__file__).resolve().parent / "fixtures" / "course"


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if os.environ.get("MENTOR_READY_TEST_DB") == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL", "")
        if not url:
            pytest.exit(
                "MENTOR_READY_TEST_DB=postgresql but TEST_DATABASE_URL is not set", returncode=3
            )
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def config_for(url: str, **overrides: object) -> type[TestingConfig]:
    """A TestingConfig subclass pointing at `url` with any overrides."""
    return type("TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, **overrides})


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database whose schema was built by the migrations, from empty, once per run."""
    url = _database_url(tmp_path_factory)
    app = create_app(config_for(url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
        db.session.remove()
        db.engine.dispose()
    return url


@pytest.fixture
def app_config(database_url: str) -> dict[str, object]:
    """Overrides a test may change before the app is built."""
    return {}


class FreshGlobalsClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as it would in production.

    The `app` fixture keeps an app context open for the whole test, and Flask reuses it for each
    request, so without this `g` would carry Flask-Login's user and Flask-WTF's CSRF token from
    one request (and one client) to the next: a signed-out or second client would look signed in.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Run one request with `g` emptied, then restore what the test had in it."""
        if not has_app_context():
            return super().open(*args, **kwargs)
        values = g._get_current_object().__dict__
        saved = dict(values)
        values.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            values.clear()
            values.update(saved)


@pytest.fixture
def app(database_url: str, app_config: dict[str, object]) -> Iterator[Flask]:
    """The app on the shared test database; every table is emptied afterwards."""
    app = create_app(config_for(database_url, **app_config))
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        yield app
        empty_tables()
        db.session.remove()
        db.engine.dispose()


def empty_tables() -> None:
    """Delete every row, children first (inside an app context)."""
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def fixture_app_config(database_url: str) -> dict[str, object]:
    """Settings that point the app at the small fixture course."""
    return {
        "MODULES_DIR": str(FIXTURE_COURSE / "modules"),
        "QUIZZES_DIR": str(FIXTURE_COURSE / "quizzes"),
    }


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs the app's `flask` commands."""
    return app.test_cli_runner()


CSRF_PATTERN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered page."""
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def csrf(client: FlaskClient):
    """Fetch a page and return its CSRF token (the session's token)."""

    def fetch(path: str = "/sign-in") -> str:
        return csrf_from(client.get(path).get_data(as_text=True))

    return fetch
