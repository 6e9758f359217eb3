"""Administrators add colleagues by invitation and manage roles, within guard rails."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, User
from app.services import accounts, staff_accounts
from app.services.errors import NotAllowed
from tests.conftest import csrf_from
from tests.factories import last_link, make_user, post_form, queued_mail, sign_in


@pytest.fixture
def admin_client(app, client):
    admin = make_user(role="admin", name="Avery Admin")
    sign_in(client, admin)
    client.admin = admin
    return client


def invite(client, email: str = "new.staff@example.org", role: str = "staff") -> str:
    """Invite a colleague through the form; the path of the link in the mail queued for them."""
    response = post_form(
        client, "/admin/accounts", {"name": "Noor Newcomer", "email": email, "role": role}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return last_link(email, "invite")


def test_an_admin_adds_a_colleague_who_sets_their_own_password(admin_client, app) -> None:
    link = invite(admin_client)
    newcomer = db.session.scalar(sa.select(User).where(User.email == "new.staff@example.org"))
    assert newcomer.role == "staff"
    fresh = app.test_client()
    page = fresh.get(link)
    assert page.status_code == 200 and "choose your password" in page.get_data(as_text=True)
    response = fresh.post(
        link,
        data={
            "password": "my very own staff passphrase",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    sign_in(fresh, newcomer, password="my very own staff passphrase")
    assert fresh.get("/staff/").status_code == 200
    assert fresh.get(link).status_code == 404  # single use
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"account.invited", "account.invite_used"} <= actions


def test_nobody_can_sign_in_to_an_invited_account_before_the_link_is_used(
    admin_client, app
) -> None:
    invite(admin_client)
    fresh = app.test_client()
    page = fresh.get("/sign-in").get_data(as_text=True)
    response = fresh.post(
        "/sign-in",
        data={"email": "new.staff@example.org", "password": "", "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": "a@example.org", "role": "staff"}, "Enter their name"),
        ({"name": "A", "email": "not-an-email", "role": "staff"}, "valid email"),
        ({"name": "A", "email": "a@example.org", "role": "mentor"}, "Not a valid choice"),
    ],
)
def test_bad_invitations_are_refused_and_nothing_created(admin_client, data, message) -> None:
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    response = post_form(admin_client, "/admin/accounts", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before


def test_inviting_an_existing_email_is_refused(admin_client) -> None:
    existing = make_user()
    response = post_form(
        admin_client,
        "/admin/accounts",
        {"name": "X", "email": existing.email.upper(), "role": "staff"},
    )
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)


def test_roles_change_between_staff_and_admin(admin_client) -> None:
    colleague = make_user(role="staff")
    post_form(
        admin_client, f"/admin/accounts/{colleague.id}/role", {"role": "admin", "confirmed": "yes"}
    )
    db.session.refresh(colleague)
    assert colleague.role == "admin"
    post_form(
        admin_client, f"/admin/accounts/{colleague.id}/role", {"role": "staff", "confirmed": "yes"}
    )
    db.session.refresh(colleague)
    assert colleague.role == "staff"


def test_an_admin_cannot_demote_or_deactivate_themselves(admin_client) -> None:
    admin = admin_client.admin
    post_form(
        admin_client, f"/admin/accounts/{admin.id}/role", {"role": "staff", "confirmed": "yes"}
    )
    post_form(admin_client, f"/staff/accounts/{admin.id}/deactivate", {"confirmed": "yes"})
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.is_active


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(app) -> None:
    last = make_user(role="admin")
    former = make_user(role="admin")
    former.deactivated_at = last.created_at
    db.session.commit()
    for attempt in (
        lambda: staff_accounts.deactivate(db.session, former, last.id),
        lambda: staff_accounts.change_role(db.session, former, last.id, "staff"),
    ):
        with pytest.raises(NotAllowed, match="last active administrator"):
            attempt()
    db.session.refresh(last)
    assert last.role == "admin" and last.is_active


def test_with_two_admins_one_may_step_the_other_down(admin_client) -> None:
    other = make_user(role="admin")
    post_form(
        admin_client, f"/admin/accounts/{other.id}/role", {"role": "staff", "confirmed": "yes"}
    )
    db.session.refresh(other)
    assert other.role == "staff"


def test_deactivated_accounts_cannot_sign_in_and_their_sessions_end(admin_client, app) -> None:
    colleague = make_user(role="staff")
    their_client = app.test_client()
    sign_in(their_client, colleague)
    post_form(admin_client, f"/staff/accounts/{colleague.id}/deactivate", {"confirmed": "yes"})
    assert their_client.get("/staff/").status_code == 302
    page = their_client.get("/sign-in").get_data(as_text=True)
    response = their_client.post(
        "/sign-in",
        data={
            "email": colleague.email,
            "password": "lantern maple orbit river 42",
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 422


def test_the_accounts_page_lists_staff_and_admins_only(admin_client) -> None:
    make_user(name="Mina Mentor")
    make_user(role="staff", name="Stan Staff")
    html = admin_client.get("/admin/accounts").get_data(as_text=True)
    assert "Stan Staff" in html and "Mina Mentor" not in html and "This is you" in html


# --- invitations go through the outbox, survive mail failures, and can be sent again ---------


STAFF_PASSWORD = "my very own staff passphrase"


def choose_password(app, link: str, password: str = STAFF_PASSWORD):
    """A fresh browser opens `link` and chooses a password."""
    fresh = app.test_client()
    page = fresh.get(link)
    if page.status_code != 200:
        return page
    return fresh.post(
        link, data={"password": password, "csrf_token": csrf_from(page.get_data(as_text=True))}
    )


def test_an_invitation_is_queued_not_sent_in_the_request(admin_client) -> None:
    invite(admin_client)
    [message] = queued_mail("new.staff@example.org")
    assert message.sent_at is None and message.attempts == 0
    assert "Avery Admin added you" in message.body


def test_an_invitation_survives_a_mail_server_that_is_down_and_is_sent_later(
    admin_client, app
) -> None:
    import socket
    from datetime import timedelta
    from functools import partial

    from app.models import utcnow
    from app.services import outbox
    from app.services.mail import MailSettings, send_mail

    link = invite(admin_client)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = partial(send_mail, MailSettings("127.0.0.1", port, "", "", False, "x@example.org"))
    now = utcnow()
    assert outbox.send_due(db.session, now, down).retrying == 1
    # The account and its link are intact; the next run, with the server back, delivers it.
    delivered: list[str] = []
    later = now + timedelta(minutes=1)
    sent = outbox.send_due(db.session, later, lambda to, subject, body: delivered.append(body))
    assert sent.sent == 1 and link in delivered[0]
    assert choose_password(app, link).status_code == 302


def test_inviting_a_pending_address_again_sends_a_new_link(admin_client, app) -> None:
    first = invite(admin_client)
    response = post_form(
        admin_client,
        "/admin/accounts",
        {"name": "Noor Newcomer", "email": "New.Staff@example.org", "role": "staff"},
    )
    assert response.status_code == 302
    page = admin_client.get("/admin/accounts").get_data(as_text=True)
    assert "already invited" in page
    second = last_link("new.staff@example.org", "invite")
    assert second != first
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "staff")) == 1
    assert choose_password(app, first).status_code == 404
    assert choose_password(app, second).status_code == 302


def test_an_admin_resends_a_pending_invitation_from_the_accounts_page(admin_client, app) -> None:
    first = invite(admin_client)
    newcomer = db.session.scalar(sa.select(User).where(User.email == "new.staff@example.org"))
    page = admin_client.get("/admin/accounts").get_data(as_text=True)
    assert '<strong>Invited</strong><br><span class="muted">not accepted yet' in page
    assert f"/admin/accounts/{newcomer.id}/invitation" in page

    response = post_form(
        admin_client, f"/admin/accounts/{newcomer.id}/invitation", page="/admin/accounts"
    )
    assert response.status_code == 302
    second = last_link("new.staff@example.org", "invite")
    assert second != first and len(queued_mail("new.staff@example.org")) == 2
    assert choose_password(app, first).status_code == 404
    assert choose_password(app, second).status_code == 302
    actions = list(db.session.scalars(sa.select(AuditEvent.action)))
    assert "account.invitation_resent" in actions

    # Accepted: nothing left to resend.
    post_form(admin_client, f"/admin/accounts/{newcomer.id}/invitation", page="/admin/accounts")
    assert len(queued_mail("new.staff@example.org")) == 2
    assert "not accepted yet" not in admin_client.get("/admin/accounts").get_data(as_text=True)


def test_only_admins_resend_invitations(app, client) -> None:
    admin = make_user(role="admin")
    staff_accounts.invite_staff(
        db.session,
        admin,
        name="Noor Newcomer",
        email="noor@example.org",
        role="staff",
        site=accounts.Site("http://localhost", "Mentor Ready"),
    )
    newcomer = db.session.scalar(sa.select(User).where(User.email == "noor@example.org"))
    sign_in(client, make_user(role="staff"))
    response = post_form(client, f"/admin/accounts/{newcomer.id}/invitation", page="/staff/")
    assert response.status_code == 403
    assert len(queued_mail("noor@example.org")) == 1
