"""`flask demo seed` fills a development database with mentors at every stage, never production."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.extensions import db
from app.models import Certificate, User


def test_demo_seed_creates_staff_and_mentors_at_every_stage(runner) -> None:
    result = runner.invoke(args=["demo", "seed", "--mentors", "12"])
    assert result.exit_code == 0, result.output
    assert "Added 12 mentors" in result.output
    roles = dict(
        db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all()
    )
    assert roles == {"mentor": 12, "staff": 1, "admin": 1}
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) > 0
    again = runner.invoke(args=["demo", "seed", "--mentors", "12"])
    assert again.exit_code == 0 and "Added 0 mentors" in again.output


def test_demo_seed_refuses_a_production_database(database_url: str) -> None:
    import config

    settings = type(
        "Prod",
        (config.ProductionConfig,),
        {"SECRET_KEY": secrets.token_hex(32), "SQLALCHEMY_DATABASE_URI": database_url},
    )
    app: Flask = create_app(settings)
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code != 0 and "Refusing" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
        db.session.remove()
        db.engine.dispose()


def test_demo_seed_refuses_absurd_sizes(runner) -> None:
    result = runner.invoke(args=["demo", "seed", "--mentors", "0"])
    assert result.exit_code != 0 and "between 1 and 5000" in result.output
