"""The database stops: every page that needs it answers 503 with the site's error page and
headers, for signed-in people too, and the site recovers without a restart. SQLite's writer
lock held past the busy timeout is a 503 as well, rolled back and logged."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import JournalEntry
from tests.conftest import FreshGlobalsClient, config_for, csrf_from
from tests.factories import make_user, post_form, sign_in
from tests.faults.servers import PostgresCluster

pytestmark = pytest.mark.slow

UNAVAILABLE = "The site is briefly unavailable"


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    server = PostgresCluster()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def pg_app(cluster: PostgresCluster) -> Iterator[Flask]:
    app = create_app(config_for(cluster.url, DATABASE_CONNECT_TIMEOUT=2))
    app.test_client_class = FreshGlobalsClient
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert UNAVAILABLE in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Retry-After"]


def test_postgresql_down_gives_503_pages_and_the_site_recovers(
    pg_app: Flask, cluster: PostgresCluster, caplog: pytest.LogCaptureFixture
) -> None:
    mentor_client, staff_client, visitor = (pg_app.test_client() for _ in range(3))
    sign_in(mentor_client, make_user())
    sign_in(staff_client, make_user(role="staff"))
    assert mentor_client.get("/training").status_code == 200
    assert staff_client.get("/staff/").status_code == 200
    db.session.remove()

    cluster.stop()
    try:
        with caplog.at_level(logging.ERROR):
            for client, path in [
                (mentor_client, "/training"),
                (mentor_client, "/journal"),
                (mentor_client, "/"),
                (staff_client, "/staff/"),
                (staff_client, "/staff/mentors"),
                (visitor, "/verify/ABCD-EFGH-JKMN-PQRS"),
            ]:
                assert_unavailable_page(client.get(path))
            # The sign-in form needs no database; signing in does.
            token = csrf_from(visitor.get("/sign-in").get_data(as_text=True))
            assert_unavailable_page(
                visitor.post(
                    "/sign-in",
                    data={"email": "a@example.org", "password": "x", "csrf_token": token},
                )
            )
            api = visitor.get("/api/v1/certificates/ABCD-EFGH-JKMN-PQRS")
            assert api.status_code == 503 and api.is_json
            assert visitor.get("/healthz").status_code == 503
            # A signed-in person's stylesheet still comes, with its headers.
            css = mentor_client.get("/static/style.css")
            assert css.status_code == 200 and css.headers["X-Content-Type-Options"] == "nosniff"
            css.close()
        assert "Database unavailable on GET /training" in caplog.text
    finally:
        cluster.start()

    # Back without restarting the app, and still signed in.
    assert mentor_client.get("/training").status_code == 200
    assert staff_client.get("/staff/").status_code == 200
    assert visitor.get("/healthz").get_json() == {"status": "ok"}


@pytest.fixture
def app_config(fixture_app_config: dict[str, object]) -> dict[str, object]:
    return {**fixture_app_config, "SQLITE_BUSY_TIMEOUT": 0.2}


def test_sqlite_writer_lock_past_the_busy_timeout_is_a_503_rolled_back(
    app: Flask, client, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite leg only")
    mentor = make_user()
    sign_in(client, mentor)
    page = "/modules/alpha"
    assert client.get(page).status_code == 200

    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        with caplog.at_level(logging.ERROR):
            response = post_form(
                client, "/modules/alpha/journal", {"text": "kept only once"}, page=page
            )
        assert_unavailable_page(response)
        assert "Database unavailable on POST /modules/alpha/journal" in caplog.text
        assert "database is locked" in caplog.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count(JournalEntry.id))) == 0  # rolled back
    saved = post_form(client, "/modules/alpha/journal", {"text": "kept only once"}, page=page)
    assert saved.status_code == 302
    assert db.session.scalar(sa.select(JournalEntry.text)) == "kept only once"
