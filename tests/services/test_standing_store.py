"""Standing kept in the database: every stored row is what `evaluate` says, whenever it is read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Certificate,
    CertificateAction,
    MentorStanding,
    ModuleRead,
    User,
    utcnow,
)
from app.services import (
    certificates,
    matching,
    mentors,
    progress,
    roster,
    staff_accounts,
    standing,
    standing_store,
)
from app.web import current_course
from tests.factories import make_user
from tests.services.test_certificates import certify, pass_quiz
from tests.services.test_eligibility_matching import clear_all
from tests.views.test_staff_console import bulk_certificates, bulk_mentors


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def assert_stored_is_fresh(user: User) -> MentorStanding:
    """The row as written, with no refresh, equals an evaluation now."""
    db.session.expire_all()
    row = standing_store.stored(db.session, user.id)
    assert row is not None
    now = utcnow()
    assert row.evaluated_at <= now and (row.changes_at is None or row.changes_at > now)
    fresh = standing_store.values(standing.for_mentor(db.session, user, current_course(), now))
    assert standing_store.row_values(row) == fresh
    return row


def test_every_kind_of_fact_rewrites_the_row_in_the_transaction_that_records_it(app) -> None:
    course = current_course()
    staff = make_user(role="staff")
    admin = make_user(role="admin")
    mentor = make_user()
    row = assert_stored_is_fresh(mentor)
    assert row.reasons[0][0] == "no_certificate" and row.percent == 0

    progress.mark_read(db.session, mentor.id, course, "alpha")
    assert assert_stored_is_fresh(mentor).percent > 0

    for module in course.modules_for(mentor.mentor_type):
        pass_quiz(mentor.id, module.slug, utcnow())
    row = assert_stored_is_fresh(mentor)
    assert row.certificate_status == certificates.VALID and not row.eligible

    clear_all(staff.id, mentor, at=utcnow())
    assert assert_stored_is_fresh(mentor).eligible

    match = matching.create_match(
        db.session,
        staff.id,
        course,
        model="one_to_one",
        mentor_ids=[mentor.id],
        youth_codes=["Y-0001"],
        started_on=utcnow().date(),
    )
    assert assert_stored_is_fresh(mentor).open_matches == 1
    matching.end_match(
        db.session, staff.id, match.id, ended_on=utcnow().date(), reason="Moved away"
    )
    assert assert_stored_is_fresh(mentor).open_matches == 0

    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == mentor.id))
    certificates.suspend(db.session, staff.id, certificate.id, "A concern is being looked into.")
    row = assert_stored_is_fresh(mentor)
    assert row.certificate_status == certificates.SUSPENDED and not row.eligible

    mentors.change_mentor_type(db.session, staff.id, mentor.id, "survivor_mentor")
    assert assert_stored_is_fresh(mentor).required_count == 3

    staff_accounts.deactivate(db.session, admin, mentor.id)
    row = assert_stored_is_fresh(mentor)
    assert ["inactive", standing.REASON_TEXT["inactive"]] in row.reasons


def test_a_change_rolled_back_leaves_the_row_as_it_was(app) -> None:
    mentor = make_user()
    before = standing_store.row_values(assert_stored_is_fresh(mentor))
    progress.mark_read(db.session, mentor.id, current_course(), "alpha")
    after = standing_store.row_values(assert_stored_is_fresh(mentor))
    assert after["percent"] > before["percent"]
    staff = make_user(role="staff")
    certificate = certify(mentor, utcnow())
    db.session.add(
        CertificateAction(
            certificate_id=certificate.id,
            action="suspend",
            reason="never committed",
            actor_id=staff.id,
            at=utcnow(),
        )
    )
    db.session.flush()
    db.session.rollback()
    row = assert_stored_is_fresh(mentor)
    assert row.certificate_status == certificates.VALID


def test_a_row_whose_moment_passed_is_refreshed_by_the_next_reader(app) -> None:
    mentor = make_user()
    certificate = certify(mentor, utcnow())
    row = assert_stored_is_fresh(mentor)
    # The next moment its standing changes by itself: renewal opening, then the end.
    assert row.changes_at == certificates.renewal_opens(certificate)
    later = certificate.valid_until + timedelta(days=1)
    page = roster.roster_page(
        db.session, current_course(), roster.RosterFilters(q=mentor.email), 1, later
    )
    assert page.rows[0].certificate_status == certificates.EXPIRED
    stored = standing_store.stored(db.session, mentor.id)
    assert stored.certificate_status == certificates.EXPIRED
    assert stored.evaluated_at == later and stored.changes_at is None
    assert standing_store.refresh_due(db.session, current_course(), later) == 0


def test_changed_course_rules_refresh_every_row(app) -> None:
    make_user()
    make_user(role="staff")
    course = current_course()
    assert standing_store.refresh_due(db.session, course) == 0
    more_hours = replace(course, in_person_hours={"community_volunteer": 9.0})
    assert standing_store.fingerprint(more_hours) != standing_store.fingerprint(course)
    assert standing_store.refresh_due(db.session, more_hours) == 2
    assert standing_store.refresh_due(db.session, more_hours) == 0


def test_accounts_and_facts_loaded_in_bulk_are_noticed(app) -> None:
    bulk_mentors(3)
    ids = db.session.scalars(sa.select(User.id).where(User.email.like("bulk%"))).all()
    assert len(ids) == 3
    for user_id in ids:
        assert standing_store.stored(db.session, user_id) is not None  # marked, not yet evaluated
    bulk_certificates(0, 3)  # every other one suspended
    rows = roster.roster_rows(db.session, current_course(), roster.RosterFilters(q="bulk"))
    assert [row.certificate_status for row in rows] == [
        certificates.SUSPENDED,
        certificates.VALID,
        certificates.SUSPENDED,
    ]
    for user_id in ids:
        assert_stored_is_fresh(db.session.get(User, user_id))


def test_a_bulk_change_marks_rows_out_of_date_for_the_next_reader(app, monkeypatch) -> None:
    monkeypatch.setattr(standing_store, "EVALUATE_AT_COMMIT", 1)
    first, second = make_user(), make_user()
    for mentor in (first, second):
        db.session.add(
            ModuleRead(
                user_id=mentor.id, module_slug="alpha", content_version="x", read_at=utcnow()
            )
        )
    db.session.commit()
    stale = [standing_store.stored(db.session, m.id) for m in (first, second)]
    assert all(row.changes_at <= utcnow() for row in stale)
    assert standing_store.refresh_due(db.session, current_course()) == 2
    for mentor in (first, second):
        assert assert_stored_is_fresh(mentor).percent > 0


def test_the_command_refreshes_what_is_due_once_and_is_quiet_after(app, runner) -> None:
    mentor = make_user()
    certify(mentor, datetime(2026, 1, 5, 9, tzinfo=UTC))
    result = runner.invoke(args=["standing", "refresh", "--today", "2027-02-01"])
    assert result.exit_code == 0, result.output
    assert "Refreshed 1 standing." in result.output
    stored = standing_store.stored(db.session, mentor.id)
    assert stored.certificate_status == certificates.EXPIRED
    again = runner.invoke(args=["standing", "refresh", "--today", "2027-02-01"])
    assert again.exit_code == 0 and again.output == ""
    everyone = runner.invoke(args=["standing", "refresh", "--all", "--today", "2027-02-01"])
    assert "Refreshed 1 standing." in everyone.output


def test_rows_are_never_refreshed_into_an_older_clock(app) -> None:
    """A reader whose clock is behind the writer's evaluates afresh rather than trust the row."""
    mentor = make_user()
    row = assert_stored_is_fresh(mentor)
    earlier = row.evaluated_at - timedelta(minutes=5)
    assert standing_store.refresh_due(db.session, current_course(), earlier) == 1
    assert standing_store.stored(db.session, mentor.id).evaluated_at == earlier


def test_rows_another_host_refreshed_while_this_refresh_ran_are_not_evaluated_again(app) -> None:
    """Two timers refreshing at once: a row the other host wrote after this refresh began holds
    the facts as they are, even when that host's clock reads later than this one's."""
    mentor = make_user()
    other = make_user()
    assert_stored_is_fresh(mentor)
    later = utcnow() + timedelta(seconds=30)
    db.session.execute(
        sa.update(MentorStanding)
        .where(MentorStanding.user_id == mentor.id)
        .values(evaluated_at=later)
    )
    db.session.execute(
        sa.update(MentorStanding)
        .where(MentorStanding.user_id == other.id)
        .values(changes_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert standing_store.refresh_due(db.session, current_course()) == 1
    assert standing_store.stored(db.session, mentor.id).evaluated_at == later


def test_renaming_or_deactivating_a_mentor_rewrites_what_the_lists_read(app) -> None:
    """The dashboard's lists order by the stored name and count only active mentors."""
    mentor = make_user(name="Zoe Later")
    row = assert_stored_is_fresh(mentor)
    assert row.listed and row.name_key == "zoe later" and not row.course_complete
    assert row.quiet_since == mentor.created_at
    mentor.name = "Abby Sooner"
    db.session.commit()
    assert assert_stored_is_fresh(mentor).name_key == "abby sooner"
    staff_accounts.deactivate(db.session, make_user(role="admin"), mentor.id)
    db.session.commit()
    assert not assert_stored_is_fresh(mentor).listed
    funnel, _attention = roster.dashboard(db.session, current_course())
    assert funnel.registered == 0
