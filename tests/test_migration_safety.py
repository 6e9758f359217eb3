"""Downgrades that would delete rows refuse unless told `allow_data_loss=true`; every reversible
step goes up, down and up again on seeded data, and ends with no drift."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from app import create_app, current_course
from app.extensions import db
from app.models import CertificateRefresher, PlannerAdoption, PlannerPlan, User, utcnow
from app.services import (
    accounts,
    certificates,
    in_person,
    notices,
    outbox,
    private_notes,
    program,
    progress,
    reissue,
    screening,
)
from tests.conftest import FIXTURE_COURSE, config_for
from tests.factories import make_user
from tests.services.test_certificates import certify
from tests.test_migrations import SCHEMA, applied_revision, drift, postgresql_schema, table_names

__all__ = ["postgresql_schema"]  # the fixture, used below on the PostgreSQL leg

ALLOW = ["allow_data_loss=true"]
COURSE = {
    "MODULES_DIR": str(FIXTURE_COURSE / "modules"),
    "QUIZZES_DIR": str(FIXTURE_COURSE / "quizzes"),
}


def steps(app: Flask) -> list[tuple[str, str]]:
    """(revision, the one below it or "base") from the head down."""
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    return [(rev.revision, rev.down_revision or "base") for rev in script.walk_revisions()]


# Revisions whose downgrade drops only caches of other tables (stored standings).
CACHE_ONLY = {"0013", "0015"}


def seed() -> None:
    """A mentor with a certificate (and a staff action on it), notes, a saved reading place and
    screening; a staff member with a second factor; a program profile; an adopted
    mentoring-model plan; an in-person session and a first module visit; a name corrected with
    its certificate re-issued (a replaced code) and a name change request waiting; a notice sent
    and a mentor's notice preferences; a refresher; a chosen language."""
    staff = make_user(role="staff")
    program.set_recruitment(db.session, staff.id, ["group"], ["care_provider"])
    mentor = make_user()
    outbox.enqueue(db.session, mentor.email, "Waiting", "A message not sent yet.")
    db.session.commit()
    certificate = certify(mentor, at=utcnow() - timedelta(days=2))
    certificates.suspend(db.session, staff.id, certificate.id, "Looking into a concern")
    db.session.add(
        CertificateRefresher(
            certificate_id=certificate.id,
            module_slug=certificate.modules[0],
            version=2,
            completed_at=utcnow(),
        )
    )
    db.session.commit()
    course = current_course()
    first = course.ordered_modules()[0].slug
    private_notes.save_journal(db.session, mentor.id, course, first, "My own notes")
    section = course.ordered_modules()[0].sections[0].anchor
    progress.open_section(db.session, mentor.id, course, first, section)
    step = next(iter(course.screening_steps))
    screening.record_result(
        db.session,
        staff.id,
        mentor.id,
        course,
        step=step,
        result="cleared",
        completed_on=date.today() - timedelta(days=1),
    )
    plan = PlannerPlan(
        answers={"comfort": ["peers"]},
        recommendation={"match_models": ["group"], "mentor_types": ["staff_mentor"]},
        planner_version="seed",
        created_by_id=staff.id,
    )
    db.session.add(plan)
    db.session.flush()
    db.session.add(PlannerAdoption(plan_id=plan.id, adopted_by_id=staff.id))
    db.session.commit()
    progress.record_visit(db.session, mentor.id, first)
    in_person.record_session(
        db.session,
        staff.id,
        in_person.SessionInput(
            held_on=date.today() - timedelta(days=1),
            topic="Boundaries in practice",
            hours="2",
            facilitator="Ms. Rivera",
            mentor_ids=[mentor.id],
        ),
    )
    reissue.correct_name_and_reissue(db.session, staff.id, mentor.id, "Maria Gomez", "Legal name")
    reissue.request_name_change(db.session, mentor.id, "Maria Gómez")
    notices.set_preferences(db.session, mentor.id, reminders=False, nudges=True)
    accounts.set_language(db.session, mentor.id, "es")
    site = accounts.Site("http://localhost", "Mentor Ready")
    assert notices.send(db.session, course, site, UTC, utcnow()).total == 1


def rows(tables: set[str]) -> dict[str, int]:
    """How many rows each table holds."""
    with db.engine.connect() as connection:
        return {
            table: connection.execute(
                sa.select(sa.func.count()).select_from(sa.table(table))
            ).scalar_one()
            for table in sorted(tables)
        }


def assert_guarded_round_trips(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    """For each step from the head down: refused with rows, done with the flag, then up again."""
    with app.app_context():
        try:
            upgrade()
            head = applied_revision()
            seed()
            for revision, below in steps(app):
                downgrade(revision=revision, x_arg=ALLOW)  # the steps above, tested already
                db.session.remove()
                if revision in CACHE_ONLY:
                    # It drops only what the other tables can rebuild: no flag needed.
                    downgrade(revision=below)
                    assert applied_revision() == below
                    upgrade()
                    assert applied_revision() == head
                    continue
                before = rows(table_names() - {"alembic_version"})
                with pytest.raises(SystemExit):
                    downgrade(revision=below)
                # Alembic's own logging set-up writes the refusal to the console.
                said = capsys.readouterr().err
                assert "allow_data_loss=true" in said and "would delete the rows" in said
                assert applied_revision() == revision
                assert rows(table_names() - {"alembic_version"}) == before  # nothing lost

                downgrade(revision=below, x_arg=ALLOW)
                assert applied_revision() == (None if below == "base" else below)
                upgrade()
                assert applied_revision() == head
                assert drift(app) == []
            assert rows({"user_account"}) == {"user_account": 0}
            # With nothing to lose, a downgrade needs no flag.
            downgrade(revision="base")
            assert table_names() == {"alembic_version"}
        finally:
            db.session.remove()
            db.engine.dispose()


def test_sqlite_downgrades_refuse_to_drop_rows_without_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(config_for(f"sqlite:///{tmp_path / 'guarded.db'}", **COURSE))
    assert_guarded_round_trips(app, capsys)


def test_postgresql_downgrades_refuse_to_drop_rows_without_the_flag(
    postgresql_schema: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = config_for(
        postgresql_schema,
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_pre_ping": True,
            "connect_args": {"options": f"-csearch_path={SCHEMA}"},
        },
        **COURSE,
    )
    assert_guarded_round_trips(create_app(settings), capsys)


def test_the_flag_works_from_the_command_line(tmp_path: Path) -> None:
    app = create_app(config_for(f"sqlite:///{tmp_path / 'cli.db'}", **COURSE))
    runner = app.test_cli_runner()
    with app.app_context():
        try:
            upgrade()
            make_user()
            refused = runner.invoke(args=["db", "downgrade", "base"])
            assert refused.exit_code == 1
            assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
            done = runner.invoke(args=["db", "downgrade", "-x", "allow_data_loss=true", "base"])
            assert done.exit_code == 0, done.output
            assert table_names() == {"alembic_version"}
        finally:
            db.session.remove()
            db.engine.dispose()


def test_certificates_issued_before_module_versions_certified_version_1(tmp_path: Path) -> None:
    app = create_app(config_for(f"sqlite:///{tmp_path / 'versions.db'}", **COURSE))
    with app.app_context():
        try:
            upgrade(revision="0009")
            with db.engine.begin() as connection:
                # Written as SQL: the models describe the head, not revision 0009.
                connection.execute(
                    sa.text(
                        "INSERT INTO user_account (email, name, password_hash, role, mentor_type,"
                        " session_token, created_at, password_changed_at, failed_sign_ins,"
                        " lockouts) VALUES ('old@example.org', 'Old Mentor', 'x', 'mentor',"
                        " 'community_volunteer', 'old-token', '2026-01-01', '2026-01-01', 0, 0)"
                    )
                )
                mentor_id = connection.execute(sa.text("SELECT id FROM user_account")).scalar_one()
                connection.execute(
                    sa.text(
                        "INSERT INTO certificate (user_id, period, code, issued_at, valid_from,"
                        " valid_until, course_title, course_version, modules) VALUES (:user,"
                        " 1, 'ABCDEFGHJKMNPQRS', '2026-01-01', '2026-01-01', '2027-01-01',"
                        " 'Fixture Course', 'test-1', :modules)"
                    ),
                    {"user": mentor_id, "modules": '["alpha", "beta"]'},
                )
            upgrade()
            db.session.remove()
            with db.engine.connect() as connection:
                stored = connection.execute(
                    sa.text("SELECT module_versions FROM certificate")
                ).scalar_one()
            assert stored in ('{"alpha": 1, "beta": 1}', {"alpha": 1, "beta": 1})
        finally:
            db.session.remove()
            db.engine.dispose()
