"""The staff console: dashboard, roster, exports, audit log, mentor account actions."""

from __future__ import annotations

import csv
import io
import warnings
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.models import AuditEvent, Certificate, CertificateAction, User, utcnow
from app.services import certificates, passwords, standing, standing_store
from app.web import current_course
from tests.factories import make_user, post_form, sign_in
from tests.services.test_certificates import certify
from tests.services.test_eligibility_matching import clear_all


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def staff_client(app, client):
    staff = make_user(role="staff", name="Sam Staff")
    sign_in(client, staff)
    client.staff = staff
    return client


@contextmanager
def counted_queries():
    counter = {"n": 0}

    def count(*_args, **_kwargs) -> None:
        counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def bulk_mentors(count: int, start: int = 0) -> None:
    hashed = passwords.hash_password("not used by these mentors")
    now = utcnow()
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"bulk{start + i}@example.org",
                "name": f"Bulk Mentor{start + i:05d}",
                "password_hash": hashed,
                "role": "mentor",
                "mentor_type": "community_volunteer" if i % 4 else "survivor_mentor",
                "session_token": f"bulk-token-{start + i}",
                "created_at": now - timedelta(days=i % 90),
                "password_changed_at": now,
            }
            for i in range(count)
        ],
    )
    db.session.commit()


def dashboard_queries(client) -> int:
    with counted_queries() as counter:
        response = client.get("/staff/")
    assert response.status_code == 200
    return counter["n"]


def roster_queries(client, query: str = "") -> int:
    with counted_queries() as counter:
        response = client.get(f"/staff/mentors{query}")
    assert response.status_code == 200
    return counter["n"]


def bulk_certificates(first_email: int, count: int) -> None:
    """Give bulk mentors a certificate each, every other one with a staff action on it."""
    now = utcnow()
    users = db.session.scalars(
        sa.select(User.id).where(User.email.like("bulk%")).order_by(User.id).offset(first_email)
    ).all()[:count]
    db.session.execute(
        sa.insert(Certificate),
        [
            {
                "user_id": user_id,
                "period": 1,
                "code": certificates.new_code(),
                "issued_at": now,
                "valid_from": now,
                "valid_until": now + timedelta(days=365),
                "course_title": "Fixture Course",
                "course_version": "test-1",
                "modules": ["alpha", "beta"],
            }
            for user_id in users
        ],
    )
    ids = db.session.scalars(
        sa.select(Certificate.id).where(Certificate.user_id.in_(users)).order_by(Certificate.id)
    ).all()
    db.session.execute(
        sa.insert(CertificateAction),
        [
            {
                "certificate_id": cid,
                "action": "suspend",
                "reason": "bulk",
                "actor_id": users[0],
                "at": now,
            }
            for cid in ids[::2]
        ],
    )
    db.session.commit()


def test_roster_queries_do_not_grow_with_the_number_of_mentors(staff_client) -> None:
    bulk_mentors(10)
    bulk_certificates(0, 10)
    certify(make_user())
    few = roster_queries(staff_client)
    few_sorted = roster_queries(staff_client, "?sort=expiry&order=desc&eligible=no")
    few_dashboard = dashboard_queries(staff_client)
    bulk_mentors(1490, start=10)
    # More than the 500 a batched eager load fetches at once, each with its actions.
    bulk_certificates(10, 1490)
    # A bulk load leaves its rows for `flask standing refresh` (or the first reader) to evaluate.
    standing_store.refresh_due(db.session, current_course())
    many = roster_queries(staff_client)
    many_sorted = roster_queries(staff_client, "?sort=expiry&order=desc&eligible=no")
    assert few == many and few_sorted == many_sorted, (few, many, few_sorted, many_sorted)
    html = staff_client.get("/staff/mentors?page=2").get_data(as_text=True)
    assert "page 2 of 31" in html
    assert dashboard_queries(staff_client) == few_dashboard


def test_filters_and_sorts_are_backed_by_indexes(app) -> None:
    inspector = sa.inspect(db.engine)

    def indexed(table: str) -> set[str]:
        with warnings.catch_warnings():
            # SQLite cannot reflect the index on lower(name); it is checked by name below.
            warnings.filterwarnings("ignore", message="Skipped unsupported reflection")
            indexes = inspector.get_indexes(table)
            unique = inspector.get_unique_constraints(table)
        columns = {tuple(index["column_names"]) for index in indexes}
        columns |= {tuple(c["column_names"]) for c in unique}
        return {cols[0] for cols in columns if cols}

    assert {"name", "email", "mentor_type", "created_at", "role"} <= indexed("user_account")
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            names = "SELECT name FROM sqlite_master WHERE type = 'index'"
        else:
            names = "SELECT indexname FROM pg_indexes"
        assert "ix_user_account_name_lower" in set(connection.execute(sa.text(names)).scalars())
    # The stored standing's sorts and filters (the roster, the dashboard, the refresh check).
    assert {
        "changes_at",
        "evaluated_at",
        "fingerprint",
        "certificate_status",
        "expires_at",
        "certified_since",
        "eligible",
        "percent",
        "refresher_due_on",
    } <= indexed("mentor_standing")
    assert {"user_id", "valid_until"} <= indexed("certificate")
    assert "user_id" in indexed("quiz_attempt") and "user_id" in indexed("screening_record")
    assert {"user_id", "match_id"} <= indexed("match_mentor") and "ended_on" in indexed(
        "mentor_match"
    )


def test_roster_search_filter_and_sort(staff_client) -> None:
    staff = staff_client.staff
    ready = make_user(name="Ada Ready")
    certify(ready)
    clear_all(staff.id, ready)
    make_user(name="Bea Begins", mentor_type="survivor_mentor")
    html = staff_client.get("/staff/mentors?q=ada").get_data(as_text=True)
    assert "Ada Ready" in html and "Bea Begins" not in html
    html = staff_client.get("/staff/mentors?eligible=yes").get_data(as_text=True)
    assert "Ada Ready" in html and "Bea Begins" not in html
    html = staff_client.get("/staff/mentors?mentor_type=survivor_mentor").get_data(as_text=True)
    assert "Bea Begins" in html and "Ada Ready" not in html
    html = staff_client.get("/staff/mentors?certificate=valid").get_data(as_text=True)
    assert "Ada Ready" in html and "Bea Begins" not in html
    html = staff_client.get("/staff/mentors?sort=progress&order=desc").get_data(as_text=True)
    assert html.index("Ada Ready") < html.index("Bea Begins")


@pytest.mark.parametrize(
    "query",
    [
        "?mentor_type=wizard",
        "?certificate=maybe",
        "?sort=password_hash",
        "?eligible=perhaps",
        "?page=-1",
        "?page=abc",
        "?page=0",
        "?order=sideways",
        "?q=" + "x" * 5000,
    ],
)
def test_bad_roster_input_gives_a_clear_error_never_a_500(staff_client, query) -> None:
    response = staff_client.get("/staff/mentors" + query)
    assert response.status_code == 400
    assert "There is a problem with the search" in response.get_data(as_text=True)


@pytest.mark.parametrize("search", ["' OR 1=1 --", "<script>alert(1)</script>", "%", "_", "\\"])
def test_sql_or_html_in_the_search_is_just_text(staff_client, search) -> None:
    make_user(name="Plain Person")
    response = staff_client.get("/staff/mentors", query_string={"q": search})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Plain Person" not in html and "<script>alert(1)</script>" not in html


def test_a_page_past_the_end_is_empty(staff_client) -> None:
    make_user()
    html = staff_client.get("/staff/mentors?page=1000000").get_data(as_text=True)
    assert "No mentors on this page" in html


def test_the_dashboard_funnel_and_attention_lists(staff_client) -> None:
    staff = staff_client.staff
    ready = make_user(name="Ada Ready")
    certify(ready)
    clear_all(staff.id, ready)
    pending = make_user(name="Cy Certified")
    certify(pending)
    stalled = make_user(name="Dee Stalled", now=utcnow() - timedelta(days=45))
    suspended = make_user(name="Eve Suspended")
    certificates.suspend(db.session, staff.id, certify(suspended).id, "Concern")
    html = staff_client.get("/staff/").get_data(as_text=True)
    funnel = html.split("From sign-up to match")[1].split("Needs attention")[0]
    assert '<span class="funnel-count">4</span> registered' in funnel
    assert '<span class="funnel-count">2</span> certified' in funnel
    assert '<span class="funnel-count">1</span> eligible' in funnel
    screening = html.split("Certified, screening not finished")[1].split("No progress for 30 days")[
        0
    ]
    assert "Cy Certified" in screening and "Ada Ready" not in screening
    assert (
        "Dee Stalled" in html.split("No progress for 30 days")[1].split("Suspended certificates")[0]
    )
    assert "Eve Suspended" in html.split("Suspended certificates")[1]
    assert stalled.id and suspended.id


def test_the_roster_export_is_csv_with_current_filters_and_audited(staff_client) -> None:
    make_user(name='=HYPERLINK("http://evil")', email="formula@example.org")
    make_user(name="Ada Plain", mentor_type="survivor_mentor")
    response = staff_client.get("/staff/mentors.csv?mentor_type=community_volunteer")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Name", "Email", "Mentor type"]
    names = [row[0] for row in rows[1:]]
    assert names == ['\'=HYPERLINK("http://evil")']
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export.roster"))
    assert (
        event.actor_id == staff_client.staff.id
        and event.detail["mentor_type"] == "community_volunteer"
    )


def test_the_audit_log_lists_filters_and_pages(staff_client) -> None:
    staff = staff_client.staff
    mentor = make_user(name="Audited Mentor")
    certify(mentor)
    clear_all(staff.id, mentor)
    html = staff_client.get("/staff/audit").get_data(as_text=True)
    assert "Screening result recorded" in html and "Sam Staff" in html
    html = staff_client.get("/staff/audit?action=account.created&mentor=Audited").get_data(
        as_text=True
    )
    assert "1 entry" in html
    today = utcnow().date()
    html = staff_client.get(f"/staff/audit?from={today}&to={today}&actor=sam").get_data(
        as_text=True
    )
    assert "Screening result recorded" in html


@pytest.mark.parametrize(
    "query",
    [
        "?from=2026-13-45",
        "?from=yesterday",
        "?from=2026-02-01&to=2026-01-01",
        "?page=-1",
        "?page=1000000000000",
    ],
)
def test_bad_audit_filters_give_a_clear_error(staff_client, query) -> None:
    response = staff_client.get("/staff/audit" + query)
    assert response.status_code == 400
    assert "There is a problem with the filters" in response.get_data(as_text=True)


def test_no_route_edits_or_deletes_an_audit_entry(app) -> None:
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_staff_can_change_a_mentors_type_and_deactivate_them(staff_client) -> None:
    mentor = make_user()
    response = post_form(
        staff_client, f"/staff/mentors/{mentor.id}/type", {"mentor_type": "survivor_mentor"}
    )
    assert response.status_code == 302
    db.session.refresh(mentor)
    assert mentor.mentor_type == "survivor_mentor"
    post_form(staff_client, f"/staff/mentors/{mentor.id}/type", {"mentor_type": "wizard"})
    db.session.refresh(mentor)
    assert mentor.mentor_type == "survivor_mentor"
    token = mentor.session_token
    post_form(staff_client, f"/staff/accounts/{mentor.id}/deactivate", {"confirmed": "yes"})
    db.session.refresh(mentor)
    assert not mentor.is_active and mentor.session_token != token
    assert "inactive" in [
        r.code for r in standing.for_mentor(db.session, mentor, current_course()).reasons
    ]
    post_form(staff_client, f"/staff/accounts/{mentor.id}/reactivate")
    db.session.refresh(mentor)
    assert mentor.is_active


def test_staff_cannot_deactivate_an_admin_or_themselves(staff_client) -> None:
    admin = make_user(role="admin")
    post_form(staff_client, f"/staff/accounts/{admin.id}/deactivate", {"confirmed": "yes"})
    post_form(
        staff_client, f"/staff/accounts/{staff_client.staff.id}/deactivate", {"confirmed": "yes"}
    )
    db.session.refresh(admin)
    assert admin.is_active and db.session.get(User, staff_client.staff.id).is_active


def test_mentor_detail_shows_every_part_staff_may_see(staff_client) -> None:
    from app.services import progress, quizzes
    from tests.services.test_quizzes import answers_for

    course = current_course()
    mentor = make_user(name="Deta Iled")
    pre = quizzes.start_attempt(db.session, mentor.id, course, "alpha", kind="precheck")
    quizzes.submit_attempt(db.session, mentor.id, pre.id, answers_for(pre, correct=False), course)
    progress.mark_read(db.session, mentor.id, course, "alpha")
    attempt = quizzes.start_attempt(db.session, mentor.id, course, "alpha")
    quizzes.submit_attempt(db.session, mentor.id, attempt.id, answers_for(attempt), course)
    html = staff_client.get(f"/staff/mentors/{mentor.id}").get_data(as_text=True)
    gains = html.split("Pre-check and passing scores")[1].split("Quiz attempts")[0]
    assert (
        '<td data-label="Module">Alpha module</td><td data-label="Pre-check">0%</td>'
        '<td data-label="First pass">100%</td>'
    ) in gains
    for part in (
        "Eligibility to be matched",
        "Training progress",
        "Certificates",
        "Screening",
        "Matches",
        "Audit trail",
        "Account created",
    ):
        assert part in html
