"""The roster at 10,000 mentors: absurd filters answer with the normal page or a 400, never a 500,
and every list comes from SQL over the stored standings (nothing is evaluated per request)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import MentorStanding, User
from app.services import certificates
from tests.views.test_staff_console import (
    bulk_certificates,
    bulk_mentors,
    counted_queries,
    dashboard_queries,
    roster_queries,
)

MENTORS = 10_000


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def staff_client(app, client):
    from tests.factories import make_user, sign_in

    staff = make_user(role="staff")
    sign_in(client, staff)
    return client


def test_absurd_roster_filters_at_ten_thousand_mentors(staff_client) -> None:
    bulk_mentors(MENTORS)
    bulk_certificates(0, 2_000)
    # The first reader evaluates the rows the bulk load marked out of date; later ones find none.
    first = staff_client.get("/staff/mentors")
    assert first.status_code == 200
    assert f"{MENTORS} mentors" in first.get_data(as_text=True).replace(",", "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MentorStanding)) > MENTORS
    stored_valid = db.session.scalar(
        sa.select(sa.func.count()).where(MentorStanding.certificate_status == certificates.VALID)
    )
    suspended = db.session.scalar(
        sa.select(sa.func.count()).where(
            MentorStanding.certificate_status == certificates.SUSPENDED
        )
    )
    assert (stored_valid, suspended) == (1_000, 1_000)
    accounts_before = db.session.scalar(sa.select(sa.func.count(User.id)))

    refused = {
        "?page=1000000000": "The page number must be a whole number from 1.",
        "?page=-3": "The page number must be a whole number from 1.",
        "?page=1e9": "The page number must be a whole number from 1.",
        "?sort=password_hash": "is not one of the choices for sort",
        "?sort=name;DROP TABLE user_account": "is not one of the choices for sort",
        "?order=sideways": "Order must be ascending or descending.",
        "?stage=everyone": "is not one of the choices for stage",
        "?certificate=' OR '1'='1": "is not one of the choices for certificate",
        "?mentor=1 OR 1=1": "A chosen mentor was not one of the mentors listed.",
        "?q=" + "x" * 10_240: "Search is limited to 200 characters.",
    }
    for query, message in refused.items():
        response = staff_client.get(f"/staff/mentors{query}")
        assert response.status_code == 400, query
        assert message in response.get_data(as_text=True), query

    answered = {
        "?page=5000": "No mentors on this page.",  # past the end: no rows, the normal page
        "?q=' OR 1=1 --": "0 mentors",
        "?q=%25": "0 mentors",  # a literal percent sign, not a wildcard
        "?q=_": "0 mentors",
        "?q=Mentor09999": "1 mentor",
        "?q=bulk42@": "1 mentor",
        "?sort=expiry&order=desc&page=200": "Bulk Mentor",
        "?certificate=suspended&sort=waiting": "1000 mentors",
        "?stage=stalled&sort=progress&order=desc": "Bulk Mentor",
    }
    for query, text in answered.items():
        response = staff_client.get(f"/staff/mentors{query}")
        assert response.status_code == 200, query
        assert text in response.get_data(as_text=True).replace(",", ""), query

    assert db.session.scalar(sa.select(sa.func.count(User.id))) == accounts_before
    # The same queries as for a handful of mentors, for every page, sort and the dashboard.
    assert roster_queries(staff_client) == roster_queries(staff_client, "?page=200&sort=progress")
    assert dashboard_queries(staff_client) > 0
    with counted_queries() as counter:
        assert staff_client.get("/staff/mentors?certificate=suspended").status_code == 200
    assert counter["n"] == roster_queries(staff_client)


def test_the_search_uses_the_trigram_indexes_on_postgresql(app) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL leg only: SQLite has no trigram index")
    with db.engine.connect() as connection:
        connection.execute(sa.text("SET enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in connection.execute(
                sa.text(
                    "EXPLAIN SELECT id FROM user_account "
                    "WHERE name ILIKE '%osa%' OR email ILIKE '%osa%'"
                )
            )
        )
    assert "ix_user_account_name_trgm" in plan and "ix_user_account_email_trgm" in plan, plan


def test_each_dashboard_list_reads_its_first_rows_from_its_own_index(app) -> None:
    """The counts read the stored standings' indexes alone (no join): the clock-free stages by
    their flags, the two that move with the clock over index ranges; and each attention list
    walks one index to its first rows instead of reading and sorting every mentor."""
    from app.services import roster, standing_store
    from app.web import current_course

    bulk_mentors(1_000)
    bulk_certificates(0, 300)
    course = current_course()
    standing_store.refresh_due(db.session, course)
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        roster.dashboard(db.session, course)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    db.session.rollback()
    counts = [(s, p) for s, p in statements if "count(*)" in s.lower()]
    assert len(counts) == 2 and not any("user_account" in s for s, _ in counts), counts
    lists = [(s, p) for s, p in statements if "LIMIT" in s and "name_key" in s]
    assert len(lists) == 6, [s for s, _ in lists]
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.connect() as connection:
        if postgres:
            connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in counts + lists:
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            plan = "\n".join(
                str(row[-1]) for row in connection.exec_driver_sql(explain + statement, parameters)
            )
            assert "ix_mentor_standing_" in plan, (statement, plan)
            assert "SCAN mentor_standing\n" not in plan + "\n", plan  # SQLite's full scan
            assert "Seq Scan on mentor_standing" not in plan, plan
