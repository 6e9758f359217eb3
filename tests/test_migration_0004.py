"""Migration 0004 keeps existing accounts usable: only invitations never accepted stay unconfirmed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.conftest import config_for
from tests.test_migrations import SCHEMA, postgresql_schema  # noqa: F401 - a fixture used below

CREATED = datetime(2026, 1, 5, 12, 0)


def add_user(connection: sa.Connection, email: str, role: str) -> int:
    """An account row as the schema before 0004 holds it."""
    connection.execute(
        sa.text(
            "INSERT INTO user_account (email, name, password_hash, role, mentor_type,"
            " session_token, created_at, password_changed_at)"
            " VALUES (:email, 'Someone', 'hash', :role, :type, :token, :at, :at)"
        ),
        {
            "email": email,
            "role": role,
            "type": "community_volunteer" if role == "mentor" else None,
            "token": f"token-{email}",
            "at": CREATED,
        },
    )
    return connection.execute(
        sa.text("SELECT id FROM user_account WHERE email = :email"), {"email": email}
    ).scalar_one()


def add_invite(connection: sa.Connection, user_id: int, used: bool) -> None:
    """An invitation link, used or not."""
    connection.execute(
        sa.text(
            "INSERT INTO account_token (user_id, purpose, token_hash, created_at, expires_at,"
            " used_at) VALUES (:user, 'invite', :hash, :at, :at, :used)"
        ),
        {
            "user": user_id,
            "hash": f"hash-{user_id}",
            "at": CREATED,
            "used": CREATED if used else None,
        },
    )


def test_sqlite_upgrade_confirms_existing_accounts_and_signs_staff_out(tmp_path: Path) -> None:
    check_upgrade_and_downgrade(create_app(config_for(f"sqlite:///{tmp_path / 'm.db'}")))


def test_postgresql_upgrade_confirms_existing_accounts_and_signs_staff_out(
    postgresql_schema: str,  # noqa: F811 - the fixture imported above
) -> None:
    options = {"pool_pre_ping": True, "connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    check_upgrade_and_downgrade(
        create_app(config_for(postgresql_schema, SQLALCHEMY_ENGINE_OPTIONS=options))
    )


def check_upgrade_and_downgrade(app: Flask) -> None:
    """Seed accounts at 0002, upgrade, check them, downgrade, check again."""
    with app.app_context():
        try:
            upgrade(revision="0002")
            with db.engine.begin() as connection:
                mentor = add_user(connection, "mentor@example.org", "mentor")
                accepted = add_user(connection, "accepted@example.org", "staff")
                add_invite(connection, accepted, used=True)
                pending = add_user(connection, "pending@example.org", "staff")
                add_invite(connection, pending, used=False)
                admin = add_user(connection, "admin@example.org", "admin")
            upgrade()
            with db.engine.connect() as connection:
                rows = {
                    row.id: row
                    for row in connection.execute(
                        sa.text(
                            "SELECT id, email, email_confirmed_at, session_token, failed_sign_ins,"
                            " lockouts, locked_until FROM user_account"
                        )
                    )
                }
            assert rows[mentor].email_confirmed_at is not None
            assert rows[accepted].email_confirmed_at is not None
            assert rows[admin].email_confirmed_at is not None
            assert rows[pending].email_confirmed_at is None
            assert all(row.failed_sign_ins == 0 and row.lockouts == 0 for row in rows.values())
            assert rows[mentor].session_token == "token-mentor@example.org"
            for staff in (accepted, pending, admin):
                assert rows[staff].session_token != f"token-{rows[staff].email}"

            # Down again: confirmation links go, the rest of the accounts stay.
            with db.engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO account_token (user_id, purpose, token_hash, created_at,"
                        " expires_at) VALUES (:user, 'confirm_email', 'c', :at, :at)"
                    ),
                    {"user": mentor, "at": CREATED},
                )
            downgrade(revision="0002")
            with db.engine.connect() as connection:
                purposes = connection.execute(sa.text("SELECT purpose FROM account_token")).all()
                users = connection.execute(sa.text("SELECT count(*) FROM user_account")).scalar()
            assert sorted(p for (p,) in purposes) == ["invite", "invite"]
            assert users == 4
        finally:
            db.session.remove()
            db.engine.dispose()
