"""The reports page and its CSV exports, through the app: access, figures, exports, bad ranges."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, User
from tests.factories import make_user, sign_in
from tests.services.test_reports import beta_attempt, take

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MARCH = "from=2026-03-01&to=2026-03-31"
EXPORT_NAMES = ("quizzes", "questions", "knowledge-gain")
URLS = ["/staff/reports", *[f"/staff/reports/{name}.csv" for name in EXPORT_NAMES]]
DANGEROUS_NAMES = ("=cmd|' /C calc'!A0", "@SUM(1)", "+Plus Person", "-Minus Person")


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def mentors(app) -> list[User]:
    """Four mentors (with names a spreadsheet would run) who took beta in March.

    b2 is answered correctly by the first only: 1 of 4, too few answers to flag. The first also took the alpha
    pre-check (0) before passing alpha (100).
    """
    people = [
        make_user(name=name, email=f"mentor{number}@example.org", now=NOW - timedelta(days=9))
        for number, name in enumerate(DANGEROUS_NAMES)
    ]
    take(people[0].id, "alpha", NOW - timedelta(hours=1), kind="precheck", correct=False)
    for person, b2_right in zip(people, (True, False, False, False), strict=True):
        beta_attempt(person.id, NOW + timedelta(days=1), b2_right)
    return people


@pytest.fixture
def staff(app) -> User:
    return make_user(role="staff", name="Sam Staff", email="sam.staff@example.org")


def csv_rows(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def exports_logged() -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like("export.%")).order_by(AuditEvent.id)
        )
    )


# Access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*URLS, "/staff/reports/mentors.csv"])
def test_signed_out_visitors_are_sent_to_sign_in(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("url", [*URLS, "/staff/reports/mentors.csv"])
def test_mentors_get_403(client, app, url) -> None:
    sign_in(client, make_user())
    assert client.get(url).status_code == 403
    assert exports_logged() == []


def test_every_report_route_uses_the_staff_rule(app) -> None:
    for endpoint in ("staff.reports", "staff.report_csv"):
        assert app.view_functions[endpoint].access_rule == "staff"


def test_admins_see_the_reports(client) -> None:
    sign_in(client, make_user(role="admin"))
    assert client.get("/staff/reports").status_code == 200


# The page ----------------------------------------------------------------------------------------


def test_the_page_defaults_to_the_last_365_days(client, staff) -> None:
    sign_in(client, staff)
    response = client.get("/staff/reports")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    today = datetime.now(UTC).date()
    assert f'value="{today.isoformat()}"' in html
    assert f'value="{(today - timedelta(days=364)).isoformat()}"' in html
    assert '<label class="label" for="report-from">From</label>' in html
    assert '<label class="label" for="report-to">To</label>' in html


def test_the_page_shows_the_figures_flags_and_charts(client, staff, mentors) -> None:
    sign_in(client, staff)
    response = client.get(f"/staff/reports?{MARCH}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # beta: four attempts, one pass (b2 is needed for 100).
    assert re.search(
        r'<th scope="row">Beta quiz</th>\s*<td class="number">4</td>\s*'
        r'<td class="number">1</td>\s*<td class="number">25.0%</td>',
        html,
    )
    # 1 of 4 correct is too few answers to flag; the question is shown by its text, not its id.
    assert "Flagged: under 50% correct" not in html
    assert re.search(
        r'<th scope="row">Beta two is false\?</th>\s*<td class="number">4</td>\s*'
        r'<td class="number">1</td>\s*<td class="number">25.0%</td>\s*'
        r"<td>Too few answers to judge</td>",
        html,
    )
    # Knowledge gain: one pair, 0 -> 100.
    assert "For <strong>100.0%</strong> of 1 mentor and module pair" in html
    assert "Mean gain: <strong>100.0 points</strong>" in html
    # Charts: an image with a title and a text summary that both exist on the page.
    charts = re.findall(r'<svg class="chart"[^>]*role="img" aria-labelledby="([^"]+)"', html)
    assert len(charts) == 2
    for labelled_by in charts:
        title, summary = labelled_by.split()
        assert f'<title id="{title}">' in html
        assert f'id="{summary}"' in html
    assert html.count("<caption>") == 3
    # The CSP forbids inline styles and scripts; the page needs neither.
    assert "style=" not in html and "<script" not in html.lower()
    # No mentor is named on the page.
    for mentor in mentors:
        assert mentor.email not in html
        assert mentor.name not in html


def test_the_export_links_carry_the_range(client, staff) -> None:
    sign_in(client, staff)
    html = client.get(f"/staff/reports?{MARCH}").get_data(as_text=True)
    for name in EXPORT_NAMES:
        assert f'href="/staff/reports/{name}.csv?from=2026-03-01&amp;to=2026-03-31"' in html


# Exports -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "header_start"),
    [("quizzes", "quiz"), ("questions", "quiz"), ("knowledge-gain", "module")],
)
def test_each_export_is_a_streamed_utf8_csv_with_a_header(
    client, staff, mentors, name, header_start
) -> None:
    sign_in(client, staff)
    response = client.get(f"/staff/reports/{name}.csv?{MARCH}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="mentor-ready-{name}-2026-03-01-to-2026-03-31.csv"'
    )
    rows = csv_rows(response)
    assert rows[0][0] == header_start
    assert all(len(row) == len(rows[0]) for row in rows)
    assert len(rows) > 1


def test_the_exports_hold_the_figures(client, staff, mentors) -> None:
    sign_in(client, staff)
    quizzes = csv_rows(client.get(f"/staff/reports/quizzes.csv?{MARCH}"))
    assert quizzes[0] == [
        "quiz",
        "title",
        "attempts",
        "passes",
        "pass_rate_percent",
        "mean_score",
        "mentors_first_passed",
        "mean_attempts_to_pass",
    ]
    assert ["beta", "Beta quiz", "4", "1", "25.0", "62.5", "1", "1.00"] in quizzes
    questions = csv_rows(client.get(f"/staff/reports/questions.csv?{MARCH}"))
    assert ["beta", "b2", "Beta two is false?", "4", "1", "25.0", "no"] in questions
    gain = csv_rows(client.get(f"/staff/reports/knowledge-gain.csv?{MARCH}"))
    assert ["alpha", "Alpha module", "1", "1", "100.0", "0.0", "100.0", "100.0"] in gain
    assert gain[-1][0] == "all" and gain[-1][2:5] == ["1", "1", "100.0"]


def test_no_export_names_a_mentor_or_staff_member(client, staff, mentors) -> None:
    sign_in(client, staff)
    for name in EXPORT_NAMES:
        text = client.get(f"/staff/reports/{name}.csv?{MARCH}").get_data().decode("utf-8")
        for person in [*mentors, staff]:
            assert person.email not in text
            assert person.name not in text
            assert person.name.lstrip("=+-@") not in text


def test_every_export_is_written_to_the_audit_log(client, staff) -> None:
    sign_in(client, staff)
    for name in EXPORT_NAMES:
        assert client.get(f"/staff/reports/{name}.csv?{MARCH}").status_code == 200
    client.get("/staff/reports/knowledge-gain.csv")  # the default range
    events = exports_logged()
    assert [e.action for e in events] == [
        "export.quizzes",
        "export.questions",
        "export.knowledge-gain",
        "export.knowledge-gain",
    ]
    assert all(e.actor_id == staff.id for e in events)
    assert events[0].detail == {"from": "2026-03-01", "to": "2026-03-31"}
    today = datetime.now(UTC).date()
    assert events[-1].detail == {
        "from": (today - timedelta(days=364)).isoformat(),
        "to": today.isoformat(),
    }


def test_an_unknown_export_is_404_and_not_logged(client, staff) -> None:
    sign_in(client, staff)
    for url in ("/staff/reports/mentors.csv", "/staff/reports/audit.csv", "/staff/reports/.csv"):
        assert client.get(url).status_code == 404
    assert exports_logged() == []


# Bad date ranges ---------------------------------------------------------------------------------


BAD_RANGES = [
    ("from=2026-13-45", "The start date 2026-13-45 does not exist on the calendar."),
    ("from=yesterday", "Enter the start date as YYYY-MM-DD"),
    ("to=2026-02-30", "The end date 2026-02-30 does not exist on the calendar."),
    ("from=2026-03-10&to=2026-03-01", "The end date must be on or after the start date."),
    ("from=0001-01-01", "The start date must be between 2000 and"),
    ("to=99999-01-01", "Enter the end date as YYYY-MM-DD"),
    # A NUL is refused before any page runs (tests/views/test_bad_input.py).
    ("from=%3Cscript%3E", "Enter the start date as YYYY-MM-DD"),
]


@pytest.mark.parametrize(("query", "message"), BAD_RANGES)
def test_a_bad_range_on_the_page_gives_a_clear_message(client, staff, query, message) -> None:
    sign_in(client, staff)
    response = client.get(f"/staff/reports?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem with the date range" in html
    assert message in html
    assert 'aria-invalid="true"' in html
    assert "<script>" not in html
    assert "Attempts and results per quiz" not in html


@pytest.mark.parametrize(("query", "message"), BAD_RANGES)
@pytest.mark.parametrize("name", EXPORT_NAMES)
def test_a_bad_range_on_an_export_gives_the_message_and_logs_nothing(
    client, staff, query, message, name
) -> None:
    sign_in(client, staff)
    response = client.get(f"/staff/reports/{name}.csv?{query}")
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)
    assert exports_logged() == []


@pytest.mark.parametrize("name", ["funder-summary", "quizzes", "questions", "knowledge-gain"])
def test_an_english_reader_gets_the_keyed_report_file_from_the_plain_link(
    client, staff, mentors, name
) -> None:
    """The report exports were keyed files before the interface spoke Spanish: in English they
    stay exactly so, and the page offers no second, identical link."""
    sign_in(client, staff)
    plain = client.get(f"/staff/reports/{name}.csv?{MARCH}").get_data()
    keyed = client.get(f"/staff/reports/{name}.csv?{MARCH}&keys=1").get_data()
    assert plain == keyed
    assert "with the column keys" not in client.get(f"/staff/reports?{MARCH}").get_data(
        as_text=True
    )
