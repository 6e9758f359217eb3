"""The coordinator's week: the dashboard's ready list, links to the roster, safe dangerous actions."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Match, User, utcnow
from app.services import audit, matching, screening, staff_accounts
from app.web import current_course, site
from tests.conftest import csrf_from
from tests.factories import make_user, post_form, sign_in, status_of
from tests.services.test_certificates import certify, pass_quiz
from tests.services.test_eligibility_matching import clear_all, eligible_mentor
from tests.views.test_admin import invite
from tests.views.test_staff_sessions import age


@pytest.fixture
def app_config(fixture_app_config):
    return fixture_app_config


@pytest.fixture
def staff_client(app, client):
    staff = make_user(role="staff", name="Sam Staff")
    sign_in(client, staff)
    client.staff = staff
    return client


def section(html: str, title: str) -> str:
    """The HTML of the dashboard section whose heading starts with `title`."""
    start = html.index(title)
    return html[start : html.index("</section>", start)]


def roster_names(client, url: str) -> set[str]:
    html = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
    return set(re.findall(r'href="/staff/mentors/\d+">([^<]+)</a>', html))


def test_every_funnel_count_opens_the_mentors_it_counts(staff_client) -> None:
    staff = staff_client.staff
    ready = eligible_mentor(staff.id, name="Ada Ready")
    started = make_user(name="Bo Started")
    pass_quiz(started.id, "alpha", utcnow())
    certified = make_user(name="Cy Certified")
    certify(certified)
    make_user(name="Di New")
    html = staff_client.get("/staff/").get_data(as_text=True)
    funnel = html.split("From sign-up to match")[1].split("Ready to match")[0]
    links = dict(
        (label.strip(), href)
        for href, label in re.findall(
            r'<a href="([^"]+)"><span class="funnel-count">\d+</span>([^<]+)</a>', funnel
        )
    )
    assert set(links) == {
        "registered",
        "in training",
        "certified",
        "eligible to be matched",
        "matched",
    }
    assert roster_names(staff_client, links["registered"]) == {
        "Ada Ready",
        "Bo Started",
        "Cy Certified",
        "Di New",
    }
    # In training counts those who started and hold no valid certificate, never certified ones.
    assert roster_names(staff_client, links["in training"]) == {"Bo Started"}
    assert '<span class="funnel-count">1</span> in training' in funnel
    assert "no valid certificate yet" in funnel
    assert roster_names(staff_client, links["certified"]) == {"Ada Ready", "Cy Certified"}
    assert roster_names(staff_client, links["eligible to be matched"]) == {"Ada Ready"}
    assert roster_names(staff_client, links["matched"]) == set()
    assert ready.id


def test_ready_to_match_lists_eligible_unmatched_mentors_longest_waiting_first(
    staff_client,
) -> None:
    staff = staff_client.staff
    long_ago = utcnow() - timedelta(days=20)
    waiting = make_user(name="Wu Waiting", now=long_ago)
    certify(waiting, long_ago)
    clear_all(staff.id, waiting)
    fresh = make_user(name="Fay Fresh")
    certify(fresh, utcnow() - timedelta(days=2))
    clear_all(staff.id, fresh)
    matched = eligible_mentor(staff.id, name="Mo Matched")
    matching.create_match(
        db.session,
        staff.id,
        current_course(),
        model="one_to_one",
        mentor_ids=[matched.id],
        youth_codes=["Y-1001"],
        started_on=utcnow().date(),
        youth_code_pattern=r"Y-\d{4}",
    )
    make_user(name="Nia Notyet")
    ready = section(staff_client.get("/staff/").get_data(as_text=True), "Ready to match")
    assert "Ready to match (2)" in ready
    assert ready.index("Wu Waiting") < ready.index("Fay Fresh")
    assert "waiting 20 days" in ready
    assert "Mo Matched" not in ready and "Nia Notyet" not in ready
    assert f"/staff/matches/new?mentor={fresh.id}" in ready
    assert roster_names(staff_client, "/staff/mentors?stage=ready&sort=waiting") == {
        "Wu Waiting",
        "Fay Fresh",
    }


def test_the_roster_shows_why_a_mentor_is_not_eligible(staff_client) -> None:
    mentor = make_user(name="Cy Certified")
    certify(mentor)
    html = staff_client.get("/staff/mentors").get_data(as_text=True)
    row = html[html.index("Cy Certified") :]
    row = row[: row.index("</tr>")]
    cell = re.search(
        r"No<span class=\"visually-hidden\">:</span><ul class=\"reasons\">(.*?)</ul>", row
    )
    assert cell and "pending" in cell.group(1)
    assert '<span class="visually-hidden">' not in cell.group(1)


def test_every_truncated_dashboard_list_links_to_the_full_filtered_roster(staff_client) -> None:
    for number in range(23):
        certify(make_user(name=f"Screening Pending{number:02d}"))
    html = staff_client.get("/staff/").get_data(as_text=True)
    pending = section(html, "Certified, screening not finished")
    assert pending.count('href="/staff/mentors/') == 20
    link = re.search(r'<a href="([^"]+)">And 3 more: see all 23 on the roster</a>', pending)
    assert link
    names = roster_names(staff_client, link.group(1))
    assert len(names) == 23 and all(name.startswith("Screening Pending") for name in names)


def test_an_unknown_stage_is_a_clear_error(staff_client) -> None:
    response = staff_client.get("/staff/mentors?stage=everyone")
    assert response.status_code == 400
    assert "is not one of the choices for stage" in response.get_data(as_text=True)


# Dangerous actions ask first -----------------------------------------------------------------


def test_deactivating_a_mentor_asks_on_a_page_of_its_own_first(staff_client) -> None:
    mentor = make_user(name="Dee Mentor")
    detail = staff_client.get(f"/staff/mentors/{mentor.id}").get_data(as_text=True)
    assert 'class="button button-danger">Deactivate account' in detail
    path = f"/staff/accounts/{mentor.id}/deactivate"
    first = post_form(staff_client, path, page=f"/staff/mentors/{mentor.id}")
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "Deactivate Dee Mentor’s account?" in page
    assert 'name="confirmed" value="yes"' in page and f'action="{path}"' in page
    assert f'href="/staff/mentors/{mentor.id}">Cancel and go back' in page
    db.session.refresh(mentor)
    assert mentor.is_active
    done = post_form(staff_client, path, {"confirmed": "yes"})
    assert done.status_code == 302
    db.session.refresh(mentor)
    assert not mentor.is_active


def test_revoking_asks_first_and_keeps_the_reason(staff_client) -> None:
    mentor = make_user()
    certificate = certify(mentor)
    path = f"/staff/certificates/{certificate.id}/revoke"
    first = post_form(staff_client, path, {"reason": "Final decision"})
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and "Revoke this certificate?" in page
    assert 'name="reason" value="Final decision"' in page
    assert status_of(certificate, utcnow()) == "valid"
    post_form(staff_client, path, {"reason": "Final decision", "confirmed": "yes"})
    db.session.expire_all()
    assert status_of(certificate, utcnow()) == "revoked"


def test_role_changes_ask_first_and_privilege_buttons_look_dangerous(app, client) -> None:
    admin = make_user(role="admin")
    colleague = make_user(role="staff", name="Col League")
    sign_in(client, admin)
    html = client.get("/admin/accounts").get_data(as_text=True)
    assert 'class="button button-danger">Make administrator' in html
    assert 'class="button button-danger">Deactivate' in html
    first = post_form(
        client, f"/admin/accounts/{colleague.id}/role", {"role": "admin"}, page="/admin/accounts"
    )
    assert "Make Col League an administrator?" in first.get_data(as_text=True)
    assert db.session.scalar(sa.select(User.role).where(User.id == colleague.id)) == "staff"
    post_form(client, f"/admin/accounts/{colleague.id}/role", {"role": "admin", "confirmed": "yes"})
    db.session.expire_all()
    assert db.session.get(User, colleague.id).role == "admin"


def test_secondary_and_danger_buttons_are_not_overridden_by_the_primary_rule(app) -> None:
    css = Path(app.static_folder, "style.css").read_text()
    assert "button.button-secondary" in css and "button.button-danger" in css


# Forms -----------------------------------------------------------------------------------------


def test_the_screening_form_starts_at_today_and_the_first_step_not_cleared(staff_client) -> None:
    mentor = make_user()
    steps = current_course().screening_for(mentor.mentor_type)
    screening.record_result(
        db.session,
        staff_client.staff.id,
        mentor.id,
        current_course(),
        step=steps[0],
        result="cleared",
        completed_on=utcnow().date(),
    )
    html = staff_client.get(f"/staff/mentors/{mentor.id}").get_data(as_text=True)
    assert re.search(
        rf'<option selected value="{steps[1]}">|<option value="{steps[1]}" selected', html
    )
    assert f'value="{utcnow().date().isoformat()}"' in html
    assert "YYYY" not in html


# Words, not system labels ----------------------------------------------------------------------


def test_the_audit_log_and_mentor_detail_speak_in_words(staff_client) -> None:
    staff = staff_client.staff
    mentor = eligible_mentor(staff.id, name="Wyn Words")
    matching.create_match(
        db.session,
        staff.id,
        current_course(),
        model="group",
        mentor_ids=[mentor.id],
        youth_codes=["Y-1001", "Y-1002"],
        started_on=utcnow().date(),
        youth_code_pattern=r"Y-\d{4}",
    )
    html = staff_client.get("/staff/audit").get_data(as_text=True)
    assert "Match recorded" in html and "match.created" not in html.split("<table")[1]
    assert "Screening result recorded" in html
    steps = current_course().screening_steps
    step = current_course().screening_for(mentor.mentor_type)[0]
    assert f"· {steps[step]}</td>" in html
    assert 'data-label="Action">Match recorded</td>' in html
    assert "youth codes: Y-1001, Y-1002" in html and "['Y-1001'" not in html
    assert "result: Cleared" in html
    detail = staff_client.get(f"/staff/mentors/{mentor.id}").get_data(as_text=True)
    titles = [module.title for module in current_course().modules_for(mentor.mentor_type)]
    attempts = detail.split("Quiz attempts")[1].split("</table>")[0]
    assert all(f'<td data-label="Module">{title}</td>' in attempts for title in titles)
    assert f'<td data-label="Step">{steps[step]}</td>' in detail
    assert "Match recorded" in detail.split("Audit trail")[1]


def test_staff_export_the_audit_log_as_safe_streamed_audited_csv(staff_client) -> None:
    staff = staff_client.staff
    make_user(name='=HYPERLINK("http://evil")')
    eligible_mentor(staff.id, name="Cleo Csv")
    page = staff_client.get("/staff/audit?mentor=Cleo").get_data(as_text=True)
    assert 'href="/staff/audit.csv?mentor=Cleo"' in page
    response = staff_client.get("/staff/audit.csv?mentor=Cleo")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    assert rows[0][:6] == ["When (UTC)", "Who", "Action", "About", "Target", "Detail"]
    assert rows[0][6:] == ["Event id", "Action id", "Actor id", "Subject id"]
    actions = {(row[2], row[7]) for row in rows[1:]}
    assert ("Screening result recorded", "screening.recorded") in actions
    assert all(row[3] == "Cleo Csv" for row in rows[1:])
    everything = staff_client.get("/staff/audit.csv").get_data(as_text=True)
    assert '\'=HYPERLINK("http://evil")' in everything.replace('""', '"')
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "export.audit")
        .order_by(AuditEvent.id)
        .limit(1)
    )
    assert event.actor_id == staff.id and event.detail == {"mentor": "Cleo"}
    assert staff_client.get("/staff/audit.csv?from=nonsense").status_code == 400


def test_exporting_the_audit_log_asks_for_a_recent_password(staff_client) -> None:
    age(staff_client, reauthenticated=16 * 60)
    response = staff_client.get("/staff/audit.csv")
    assert response.status_code == 302
    assert response.location.startswith("/account/confirm-password")


# Invitations -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(app, client):
    admin = make_user(role="admin", name="Avery Admin")
    sign_in(client, admin)
    client.admin = admin
    return client


def test_inviting_says_where_the_link_went_when_mail_is_not_set_up(admin_client) -> None:
    invite(admin_client)
    page = admin_client.get("/admin/accounts").get_data(as_text=True)
    assert "They have been emailed" not in page and "are being emailed" not in page
    assert "Mail is not set up" in page and "development log" in page
    assert "<strong>Invited</strong>" in page


def test_with_a_mail_server_the_invitation_says_it_is_emailed(admin_client, app) -> None:
    app.config["MAIL_SERVER"] = "smtp.example.org"
    invite(admin_client)
    page = admin_client.get("/admin/accounts").get_data(as_text=True)
    assert "They are being emailed the link." in page and "Mail is not set up" not in page


def test_an_admin_cancels_an_invitation_and_its_link_stops_working(admin_client, app) -> None:
    link = invite(admin_client)
    newcomer = db.session.scalar(sa.select(User).where(User.email == "new.staff@example.org"))
    page = admin_client.get("/admin/accounts").get_data(as_text=True)
    assert f'action="/admin/accounts/{newcomer.id}/invitation/cancel"' in page
    response = post_form(
        admin_client, f"/admin/accounts/{newcomer.id}/invitation/cancel", page="/admin/accounts"
    )
    assert response.status_code == 302
    page = admin_client.get("/admin/accounts").get_data(as_text=True)
    assert "is canceled" in page and "Invitation canceled" in page
    assert app.test_client().get(link).status_code == 404
    assert "account.invitation_canceled" in set(db.session.scalars(sa.select(AuditEvent.action)))
    again = post_form(
        admin_client, f"/admin/accounts/{newcomer.id}/invitation/cancel", page="/admin/accounts"
    )
    assert "Nothing was changed" in admin_client.get(again.location).get_data(as_text=True)


def test_staff_cannot_cancel_invitations(app, client) -> None:
    admin = make_user(role="admin")
    newcomer, _ = staff_accounts.invite_staff(
        db.session, admin, name="Noor New", email="noor@example.org", role="staff", site=site()
    )
    sign_in(client, make_user(role="staff"))
    response = post_form(client, f"/admin/accounts/{newcomer.id}/invitation/cancel", page="/staff/")
    assert response.status_code == 403
    db.session.refresh(newcomer)
    assert newcomer.is_active


# Team and group matches ------------------------------------------------------------------------


def test_the_match_form_lists_mentors_as_checkboxes_marking_those_already_matched(
    staff_client,
) -> None:
    staff = staff_client.staff
    ana = eligible_mentor(staff.id, name="Ana Able")
    ben = eligible_mentor(staff.id, name="Ben Busy")
    cai = eligible_mentor(staff.id, name="Cai Calm")
    matching.create_match(
        db.session,
        staff.id,
        current_course(),
        model="one_to_one",
        mentor_ids=[ben.id],
        youth_codes=["Y-1001"],
        started_on=utcnow().date(),
        youth_code_pattern=r"Y-\d{4}",
    )
    html = staff_client.get(f"/staff/matches/new?mentor={ana.id}").get_data(as_text=True)
    assert "<select" not in html.split('id="mentors"')[1].split("</fieldset>")[0]
    assert f'type="checkbox" name="mentors" id="mentor-{ana.id}" value="{ana.id}" checked' in html
    busy = re.search(rf'<label for="mentor-{ben.id}">(.*?)</label>', html).group(1)
    assert "already in an open match" in busy
    calm = re.search(rf'<label for="mentor-{cai.id}">(.*?)</label>', html).group(1)
    assert "already in an open match" not in calm
    assert "two or more for a team" in html

    # Filtering (no JavaScript) keeps what was typed and ticked, and always shows ticked mentors.
    filtered = post_form(
        staff_client,
        "/staff/matches/new",
        {
            "model": "team",
            "mentors": str(ana.id),
            "youth_codes": "Y-2001\nY-2002",
            "find": "calm",
            "filter": "yes",
        },
        page="/staff/matches/new",
    )
    page = filtered.get_data(as_text=True)
    assert filtered.status_code == 200 and "Cai Calm" in page and "Ana Able" in page
    assert "Ben Busy" not in page and "Y-2001\nY-2002" in page
    assert "2 of 3 eligible mentors shown" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Match)) == 1

    # A team needs two mentors: one ticked is refused, two are recorded.
    data = {
        "model": "team",
        "youth_codes": "Y-2001\nY-2002",
        "started_on": utcnow().date().isoformat(),
    }
    refused = post_form(staff_client, "/staff/matches/new", {**data, "mentors": str(ana.id)})
    assert refused.status_code == 422 and "A team match needs" in refused.get_data(as_text=True)
    done = staff_client.post(
        "/staff/matches/new",
        data={
            **data,
            "mentors": [str(ana.id), str(cai.id)],
            "csrf_token": csrf_from(page),
        },
    )
    assert done.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Match)) == 2


# Reports for funders ---------------------------------------------------------------------------


def test_the_funder_summary_comes_first_with_a_csv_and_the_chart_has_axis_and_pass_mark(
    staff_client,
) -> None:
    mentor = make_user(now=utcnow() - timedelta(days=3))
    certify(mentor, utcnow() - timedelta(days=1))
    today = utcnow().date()
    query = f"from={(today - timedelta(days=30)).isoformat()}&to={today.isoformat()}"
    html = staff_client.get(f"/staff/reports?{query}").get_data(as_text=True)
    order = [
        html.index(title) for title in ("Funder summary", "Knowledge gain", "Quizzes", "Questions")
    ]
    assert order == sorted(order)
    summary = html.split('id="funder-title"')[1].split("</section>")[0]
    assert "<dt>Mentors recruited</dt><dd><strong>1</strong>" in summary
    assert "<strong>100.0%</strong> (1 of 1)" in summary
    assert "Matches lasting 6 months" in summary and "Matches lasting 12 months" in summary
    chart = html.split('id="pass-chart-title"')[1].split("</svg>")[0]
    assert 'class="chart-pass-mark"' in chart and 'class="chart-axis-line"' in chart
    assert ">0%</text>" in chart and ">100%</text>" in chart
    link = f"/staff/reports/funder-summary.csv?{query}"
    assert link.replace("&", "&amp;") in summary
    response = staff_client.get(link)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    assert rows[0] == ["measure", "count", "out_of", "percent", "definition"]
    assert rows[1][:2] == ["mentors_recruited", "1"] and rows[2][:4] == [
        "completed_training",
        "1",
        "1",
        "100.0",
    ]
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "export.funder-summary")
    )


def test_the_audit_export_streams_every_entry_once_past_one_batch(staff_client) -> None:
    start = utcnow() - timedelta(days=1)
    for number in range(audit.EXPORT_BATCH * 2 + 1):
        audit.record(
            db.session,
            "match.ended",
            actor_id=staff_client.staff.id,
            target=f"match {number}",
            now=start + timedelta(seconds=number),
        )
    db.session.commit()
    text = staff_client.get("/staff/audit.csv?action=match.ended").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1:]
    assert len(rows) == audit.EXPORT_BATCH * 2 + 1
    assert len({row[6] for row in rows}) == len(rows)
    assert rows[0][4] == f"match {audit.EXPORT_BATCH * 2}" and rows[-1][4] == "match 0"
