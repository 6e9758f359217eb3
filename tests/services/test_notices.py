"""Notices by email: each one is due at the right moment, once, and worded without reasons."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import NoticeSent, OutboxMessage, User
from app.services import certificates, notices, progress, reissue
from app.services.accounts import Site
from app.web import current_course
from tests.factories import make_user, queued_mail
from tests.services.test_certificates import certify, pass_quiz
from tests.services.test_gate import CHANGED, DUE_ON, OVERDUE, REVISED_COURSE, certify_on_old_text

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SITE = Site("http://localhost", "Mentor Ready")
ACCOUNT_LINK = "http://localhost/account"
REASON = "Concern raised by the youth's guardian about a phone call"


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


def run(now: datetime) -> notices.RunReport:
    """One run of the notices command's service, in UTC."""
    return notices.send(db.session, current_course(), SITE, UTC, now)


def kinds_for(user: User) -> list[str]:
    """The notice kinds queued for a mentor, in order."""
    return list(
        db.session.scalars(
            sa.select(NoticeSent.kind).where(NoticeSent.user_id == user.id).order_by(NoticeSent.id)
        )
    )


def mail_for(user: User) -> list[OutboxMessage]:
    """Every message queued to the mentor."""
    return queued_mail(user.email)


# --- certificate events ----------------------------------------------------------------------


def test_an_issued_certificate_is_announced_once_with_its_code_and_links(app: Flask) -> None:
    mentor = make_user(now=T0 - timedelta(days=3))
    certificate = certify(mentor, at=T0)

    report = run(T0 + timedelta(hours=1))
    assert report.queued == {"issued": 1}
    [mail] = mail_for(mentor)
    assert mail.subject == "Your Mentor Ready certificate is ready"
    assert certificates.format_code(certificate.code) in mail.body
    assert f"http://localhost/certificates/{certificate.id}" in mail.body
    assert f"http://localhost/certificates/{certificate.id}/certificate.pdf" in mail.body
    assert "Congratulations" in mail.body and ACCOUNT_LINK in mail.body

    assert run(T0 + timedelta(hours=2)).total == 0
    assert len(mail_for(mentor)) == 1


def test_each_stage_of_a_certificate_is_sent_once_and_in_turn(app: Flask) -> None:
    mentor = make_user(now=T0 - timedelta(days=3))
    certificate = certify(mentor, at=T0)
    until = certificate.valid_until
    for day in (
        T0 + timedelta(hours=1),
        until - timedelta(days=61),
        until - timedelta(days=59),
        until - timedelta(days=58),
        until - timedelta(days=29),
        until - timedelta(days=20),
        until - timedelta(days=6),
        until - timedelta(days=1),
        until + timedelta(days=1),
        until + timedelta(days=2),
    ):
        run(day)
        run(day)  # a second host, or cron running twice: nothing more
    assert kinds_for(mentor) == ["issued", "renewal_open", "expiring_30", "expiring_7", "expired"]
    subjects = [mail.subject for mail in mail_for(mentor)]
    assert subjects[1] == "You can renew your Mentor Ready certificate now"
    assert subjects[2] == subjects[3] == "Your Mentor Ready certificate ends on 1 March 2027"
    assert subjects[4] == "Your Mentor Ready certificate has ended"
    assert all(ACCOUNT_LINK in mail.body for mail in mail_for(mentor))
    assert "in 29 days" in mail_for(mentor)[2].body
    assert "in 6 days" in mail_for(mentor)[3].body


def test_a_late_run_sends_only_what_is_still_true(app: Flask) -> None:
    # The command did not run for months: only "7 days left" is true now, not the others.
    late = make_user()
    certificate = certify(late, at=T0)
    run(certificate.valid_until - timedelta(days=5))
    assert kinds_for(late) == ["expiring_7"]

    gone = make_user()
    expired = certify(gone, at=T0)
    run(expired.valid_until + timedelta(days=3))
    assert kinds_for(gone) == ["expired"]


def test_an_event_older_than_the_window_is_not_announced(app: Flask) -> None:
    mentor = make_user()
    certificate = certify(mentor, at=T0)
    run(T0 + notices.EVENT_WINDOW + timedelta(hours=1))
    assert kinds_for(mentor) == []
    run(certificate.valid_until + notices.EVENT_WINDOW + timedelta(days=1))
    assert kinds_for(mentor) == []


def test_a_renewed_mentor_hears_about_the_new_certificate_and_no_reminders(app: Flask) -> None:
    mentor = make_user()
    first = certify(mentor, at=T0)
    opens = certificates.renewal_opens(first)
    run(opens + timedelta(hours=1))
    assert kinds_for(mentor) == ["renewal_open"]
    renewed = certify(mentor, at=opens + timedelta(days=2))
    assert renewed.period == 2

    run(opens + timedelta(days=2, hours=1))
    run(first.valid_until - timedelta(days=6))
    run(first.valid_until + timedelta(days=1))
    assert kinds_for(mentor) == ["renewal_open", "issued"]
    issued = mail_for(mentor)[-1]
    assert "Valid from 1 March 2027 until 1 March 2028" in issued.body


def test_staff_decisions_are_announced_without_their_reasons(app: Flask) -> None:
    staff = make_user(role="staff")
    suspended, revoked = make_user(), make_user()
    held = certify(suspended, at=T0)
    ended = certify(revoked, at=T0)
    later = T0 + timedelta(days=30)
    certificates.suspend(db.session, staff.id, held.id, REASON, now=later)
    certificates.revoke(db.session, staff.id, ended.id, REASON, now=later)

    run(later + timedelta(hours=1))
    [on_hold] = mail_for(suspended)
    [gone] = mail_for(revoked)
    assert on_hold.subject == gone.subject == "An update about your Mentor Ready certificate"
    assert "put on hold" in on_hold.body and "no longer active" in gone.body
    for mail in (on_hold, gone):
        assert REASON not in mail.body and "guardian" not in mail.body
        assert ACCOUNT_LINK in mail.body

    certificates.lift(
        db.session, staff.id, held.id, "Looked into; all clear", now=later + timedelta(days=2)
    )
    run(later + timedelta(days=2, hours=1))
    lifted = mail_for(suspended)[-1]
    assert lifted.subject == "Your Mentor Ready certificate is no longer on hold"
    assert "all clear" not in lifted.body
    assert kinds_for(suspended) == ["suspended", "lifted"]
    assert kinds_for(revoked) == ["revoked"]


def test_a_suspension_lifted_before_the_run_is_told_as_lifted_only(app: Flask) -> None:
    staff = make_user(role="staff")
    mentor = make_user()
    certificate = certify(mentor, at=T0)
    day = T0 + timedelta(days=40)
    certificates.suspend(db.session, staff.id, certificate.id, REASON, now=day)
    certificates.lift(
        db.session, staff.id, certificate.id, "Resolved", now=day + timedelta(hours=2)
    )
    run(day + timedelta(hours=3))
    assert kinds_for(mentor) == ["lifted"]


# --- opting out ------------------------------------------------------------------------------


def test_reminders_turned_off_are_not_sent_but_certificate_notices_are(app: Flask) -> None:
    mentor = make_user()
    certificate = certify(mentor, at=T0)
    notices.set_preferences(db.session, mentor.id, reminders=False, nudges=True)
    until = certificate.valid_until
    for day in (
        T0 + timedelta(hours=1),
        until - timedelta(days=59),
        until - timedelta(days=29),
        until - timedelta(days=6),
        until + timedelta(days=1),
    ):
        run(day)
    assert kinds_for(mentor) == ["issued", "expired"]


def test_preferences_default_on_and_are_stored_per_mentor(app: Flask) -> None:
    mentor, other = make_user(), make_user()
    assert notices.preferences_of(db.session, mentor.id) == notices.Preferences(True, True)
    notices.set_preferences(db.session, mentor.id, reminders=False, nudges=False)
    assert notices.preferences_of(db.session, mentor.id) == notices.Preferences(False, False)
    assert notices.preferences_of(db.session, other.id) == notices.Preferences(True, True)


# --- nudges ----------------------------------------------------------------------------------


def test_a_quiet_mentor_is_nudged_twice_at_most(app: Flask) -> None:
    mentor = make_user(now=T0)
    for days in (20, 22, 30, 42, 44, 80, 200):
        run(T0 + timedelta(days=days))
    assert kinds_for(mentor) == ["nudge", "nudge"]
    first, second = mail_for(mentor)
    assert first.subject == "Your Mentor Ready training is here when you are ready"
    assert "no rush" in first.body and "http://localhost/training" in first.body
    assert ACCOUNT_LINK in first.body
    assert "last message of this kind" in second.body
    sent = db.session.scalars(sa.select(NoticeSent).where(NoticeSent.user_id == mentor.id))
    assert sorted(row.period_key for row in sent) == ["1", "2"]


def test_progress_puts_the_next_nudge_off(app: Flask) -> None:
    mentor = make_user(now=T0)
    slug = current_course().ordered_modules()[0].slug
    pass_quiz(mentor.id, slug, T0 + timedelta(days=15))
    run(T0 + timedelta(days=30))
    assert kinds_for(mentor) == []
    run(T0 + timedelta(days=37))
    assert kinds_for(mentor) == ["nudge"]


def test_reading_a_module_section_by_section_counts_as_progress(app: Flask) -> None:
    mentor = make_user(now=T0)
    course = current_course()
    module = course.ordered_modules()[0]
    progress.record_visit(db.session, mentor.id, module.slug, now=T0 + timedelta(days=10))
    section = module.sections[-1].anchor
    progress.open_section(
        db.session, mentor.id, course, module.slug, section, now=T0 + timedelta(days=18)
    )
    run(T0 + timedelta(days=30))
    assert kinds_for(mentor) == []
    run(T0 + timedelta(days=40))
    assert kinds_for(mentor) == ["nudge"]


def test_nobody_finished_deactivated_unconfirmed_or_opted_out_is_nudged(app: Flask) -> None:
    finished = make_user(now=T0)
    certify(finished, at=T0 + timedelta(hours=1))
    deactivated = make_user(now=T0)
    deactivated.deactivated_at = T0 + timedelta(days=1)
    unconfirmed = make_user(now=T0)
    unconfirmed.email_confirmed_at = None
    opted_out = make_user(now=T0)
    db.session.commit()
    notices.set_preferences(db.session, opted_out.id, reminders=True, nudges=False)

    for days in (25, 50, 75):
        run(T0 + timedelta(days=days))
    for user in (finished, deactivated, unconfirmed, opted_out):
        assert "nudge" not in kinds_for(user), user.email
    assert queued_mail(deactivated.email) == queued_mail(unconfirmed.email) == []


# --- at once ---------------------------------------------------------------------------------


def test_two_runs_at_once_queue_each_notice_once(app: Flask) -> None:
    """Two hosts run the command at the same minute (threads with their own connections)."""
    mentors = [make_user(now=T0) for _ in range(12)]
    certify(mentors[0], at=T0 + timedelta(days=24))
    now = T0 + timedelta(days=24, hours=1)
    course, engine = current_course(), db.engine
    errors: list[BaseException] = []
    reports: list[notices.RunReport] = []
    start = threading.Barrier(2)

    def host() -> None:
        with Session(engine) as session:
            try:
                start.wait(timeout=10)
                reports.append(notices.send(session, course, SITE, UTC, now))
            except BaseException as error:  # reported to the test below
                errors.append(error)

    threads = [threading.Thread(target=host) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(report.total for report in reports) == 12
    mail = queued_mail()
    assert len(mail) == 12
    assert sorted(m.to_address for m in mail) == sorted(m.email for m in mentors)
    assert db.session.scalar(sa.select(sa.func.count(NoticeSent.id))) == 12


def test_a_second_host_waits_for_the_first_and_then_queues_nothing(app: Flask) -> None:
    """The first host has recorded the notice but not committed; the second must wait for it."""
    mentor = make_user(now=T0)
    [notice] = notices.due(db.session, current_course(), SITE, UTC, T0 + timedelta(days=22))
    db.session.rollback()
    outcome: list[bool] = []
    engine = db.engine

    def second_host() -> None:
        with Session(engine) as session:
            outcome.append(notices.queue(session, notice, T0 + timedelta(days=22)))

    with Session(engine) as first:
        first.add(NoticeSent(user_id=mentor.id, kind=notice.kind, period_key=notice.period_key))
        first.flush()
        waiting = threading.Thread(target=second_host)
        waiting.start()
        waiting.join(timeout=1)
        assert waiting.is_alive() and outcome == []  # blocked on the first host's row
        first.commit()
    waiting.join(timeout=30)
    assert outcome == [False]
    assert queued_mail(mentor.email) == []


# --- refreshers: the fixture course whose beta module changed on 1 June 2026 -----------------


@pytest.mark.parametrize("app_config", [REVISED_COURSE])
def test_a_module_change_sends_one_refresher_notice_that_opting_out_does_not_stop(
    app: Flask,
) -> None:
    mentor = make_user(now=CHANGED - timedelta(days=40))
    certificate = certify_on_old_text(mentor, at=CHANGED - timedelta(days=30))
    notices.set_preferences(db.session, mentor.id, reminders=False, nudges=False)
    run(CHANGED - timedelta(days=29))  # the "issued" notice
    assert kinds_for(mentor) == ["issued"]

    assert run(CHANGED - timedelta(days=1)).total == 0  # nothing changed yet
    assert run(CHANGED + timedelta(hours=1)).queued == {"refresher_due": 1}
    assert run(CHANGED + timedelta(days=2)).total == 0  # once per module version
    assert kinds_for(mentor) == ["issued", "refresher_due"]

    mail = mail_for(mentor)[-1]
    assert "“Beta" in mail.subject or "Beta" in mail.subject
    assert "A youth missing from care who walks in: tell staff at once." in mail.body
    assert f"by {DUE_ON}" in mail.body
    assert "http://localhost/modules/beta" in mail.body and ACCOUNT_LINK in mail.body
    row = db.session.scalars(sa.select(NoticeSent).where(NoticeSent.kind == "refresher_due")).one()
    assert row.period_key == f"{certificate.id}:beta:2"


@pytest.mark.parametrize("app_config", [REVISED_COURSE])
def test_a_refresher_first_noticed_late_says_the_certificate_is_on_hold(app: Flask) -> None:
    mentor = make_user(now=CHANGED - timedelta(days=40))
    certify_on_old_text(mentor, at=CHANGED - timedelta(days=30))
    db.session.add(NoticeSent(user_id=mentor.id, kind="issued", period_key="x"))
    db.session.commit()
    assert run(OVERDUE + timedelta(days=1)).queued == {"refresher_due": 1}
    body = mail_for(mentor)[-1].body
    assert "on hold for new matches until you take it" in body


def test_no_refresher_notice_without_a_module_change(app: Flask) -> None:
    mentor = make_user(now=T0 - timedelta(days=3))
    certify(mentor, at=T0)
    run(T0 + timedelta(hours=1))
    run(T0 + timedelta(days=20))
    assert "refresher_due" not in kinds_for(mentor)


# --- name corrections --------------------------------------------------------------------------


def test_a_name_correction_by_staff_is_announced_once_with_the_new_name(app: Flask) -> None:
    staff = make_user(role="staff")
    mentor = make_user(name="Maria Gomes", now=T0 - timedelta(days=3))
    certify(mentor, at=T0)
    run(T0 + timedelta(hours=1))  # the "issued" notice
    reissue.correct_name_and_reissue(
        db.session, staff.id, mentor.id, "María Gómez", "Spelling", now=T0 + timedelta(days=1)
    )

    assert run(T0 + timedelta(days=1, hours=1)).queued == {"name_corrected": 1}
    assert run(T0 + timedelta(days=2)).total == 0
    mail = mail_for(mentor)[-1]
    assert "María Gómez" in mail.body and "re-issued" in mail.body
    assert "http://localhost/training" in mail.body and ACCOUNT_LINK in mail.body
    assert "Spelling" not in mail.body  # staff's reason stays in the record


def test_an_approved_request_sends_one_notice_and_a_declined_one_no_reason(app: Flask) -> None:
    staff = make_user(role="staff")
    approved = make_user(name="Ana Lopes", now=T0 - timedelta(days=3))
    declined = make_user(name="Rosa Diaz", now=T0 - timedelta(days=3))
    for mentor in (approved, declined):
        notices.set_preferences(db.session, mentor.id, reminders=False, nudges=False)
    first = reissue.request_name_change(db.session, approved.id, "Ana Lopez", now=T0)
    second = reissue.request_name_change(db.session, declined.id, "Rosa Maria Diaz", now=T0)
    reissue.approve_request(db.session, staff.id, first.id, now=T0 + timedelta(hours=1))
    reissue.decline_request(
        db.session,
        staff.id,
        second.id,
        "Please bring an ID to the office first.",
        now=T0 + timedelta(hours=1),
    )

    report = run(T0 + timedelta(hours=2))
    assert report.queued == {"name_corrected": 1, "name_declined": 1}
    assert run(T0 + timedelta(hours=3)).total == 0
    [yes] = mail_for(approved)
    assert "Ana Lopez" in yes.body and "will carry this name" in yes.body
    [no] = mail_for(declined)
    assert "http://localhost/account/name" in no.body
    assert "ID to the office" not in no.body
