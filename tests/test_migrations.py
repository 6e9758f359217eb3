"""Migrations build, remove and rebuild the schema, and always match the models (no drift)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import create_app
from app import models as _models  # noqa: F401 - puts every model's table on db.metadata
from app.extensions import db
from tests.conftest import config_for

SCHEMA = "migration_check"


def table_names() -> set[str]:
    """The tables in the app's database (its default schema)."""
    return set(sa.inspect(db.engine).get_table_names())


def model_tables() -> set[str]:
    """The tables the models declare."""
    return set(db.metadata.tables)


def drift(app: Flask) -> list[object]:
    """What autogenerate would write if asked for a new migration now; empty when in step."""
    options = {
        key: value
        for key, value in app.extensions["migrate"].configure_args.items()
        if key in ("compare_type", "compare_server_default", "render_as_batch")
    }
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect the roster's index on lower(name); autogenerate skips it too.
        warnings.filterwarnings(
            "ignore", message="Skipped unsupported reflection of expression-based index"
        )
        warnings.filterwarnings("ignore", message="autogenerate skipping metadata-specified")
        context = MigrationContext.configure(connection, opts=options)
        return compare_metadata(context, db.metadata)


def applied_revision() -> str | None:
    """The revision recorded in alembic_version, if any."""
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def assert_up_down_up(app: Flask) -> None:
    """Upgrade builds every table with no drift; downgrade to base removes them; upgrade again."""
    with app.app_context():
        try:
            assert table_names() == set()

            upgrade()
            assert table_names() == model_tables() | {"alembic_version"}
            assert applied_revision() is not None
            assert drift(app) == []

            downgrade(revision="base")
            assert table_names() == {"alembic_version"}
            assert applied_revision() is None

            upgrade()
            assert table_names() == model_tables() | {"alembic_version"}
            assert drift(app) == []
        finally:
            db.session.remove()
            db.engine.dispose()


def test_migrations_cover_every_model_table() -> None:
    assert {
        "user_account",
        "account_token",
        "module_read",
        "quiz_attempt",
        "audit_event",
    } <= model_tables()


def test_sqlite_upgrade_downgrade_upgrade_without_drift(tmp_path: Path) -> None:
    assert_up_down_up(create_app(config_for(f"sqlite:///{tmp_path / 'migrations.db'}")))


def test_the_drift_check_notices_a_schema_that_differs_from_the_models(tmp_path: Path) -> None:
    app = create_app(config_for(f"sqlite:///{tmp_path / 'drifted.db'}"))
    with app.app_context():
        try:
            upgrade()
            with db.engine.begin() as connection:
                connection.execute(sa.text("ALTER TABLE user_account ADD COLUMN stray INTEGER"))
            differences = drift(app)
            assert any(
                item[0] == "remove_column" and item[2] == "user_account" for item in differences
            )
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def postgresql_schema() -> Iterator[str]:
    """An empty schema of its own on the test PostgreSQL server, dropped afterwards."""
    if os.environ.get("MENTOR_READY_TEST_DB") != "postgresql":
        pytest.skip("PostgreSQL leg only (MENTOR_READY_TEST_DB=postgresql)")
    url = os.environ["TEST_DATABASE_URL"]
    url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    try:
        yield url
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()


def test_postgresql_upgrade_downgrade_upgrade_without_drift(postgresql_schema: str) -> None:
    settings = config_for(
        postgresql_schema,
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_pre_ping": True,
            "connect_args": {"options": f"-csearch_path={SCHEMA}"},
        },
    )
    app = create_app(settings)
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT current_schema()")).scalar() == SCHEMA
        db.session.remove()
        db.engine.dispose()
    assert_up_down_up(app)
