"""Accounts through the browser: sign up and confirm, sign in and out, change and reset a password."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import AccountToken, User, utcnow
from app.services import accounts, passwords
from tests.conftest import csrf_from
from tests.factories import PASSWORD, last_link, make_user, post_form, queued_mail, sign_in

NEW_PASSWORD = "seven purple lanterns drift home"
REGISTRATION = {
    "name": "Maria Garcia",
    "email": "maria@example.org",
    "password": "quiet rivers know the way",
    "mentor_type": "community_volunteer",
}


# --- helpers ---------------------------------------------------------------------------------


def text_of(response) -> str:
    """The response body with HTML entities decoded, so messages read as typed."""
    return html.unescape(response.get_data(as_text=True))


def user_count() -> int:
    """How many accounts exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def stored(email: str) -> User | None:
    """The account stored under exactly this email, read fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def register(client: FlaskClient, **changes: str | None):
    """Post the registration form; a value of None leaves that field out."""
    data = {**REGISTRATION, **changes}
    return post_form(
        client, "/register", {k: v for k, v in data.items() if v is not None}, page="/register"
    )


def confirm(client: FlaskClient, email: str = REGISTRATION["email"]):
    """Open the newest confirmation link mailed to `email` and press its button."""
    link = last_link(email, "confirm-email")
    return post_form(client, link, page=link)


def sign_up(client: FlaskClient, **changes: str | None) -> None:
    """Register, confirm through the emailed link, and sign in: a usable account."""
    assert register(client, **changes).status_code == 302
    email = accounts.normalise_email(changes.get("email") or REGISTRATION["email"])
    assert confirm(client, email).status_code == 302
    password = changes.get("password") or REGISTRATION["password"]
    assert sign_in_post(client, email, password).status_code == 302


def sign_in_post(client: FlaskClient, email: str, password: str, query: str = ""):
    """Post the sign-in form and return the response without following it."""
    token = csrf_from(client.get("/sign-in" + query).get_data(as_text=True))
    return client.post(
        "/sign-in" + query, data={"email": email, "password": password, "csrf_token": token}
    )


def is_signed_in(client: FlaskClient) -> bool:
    """Whether My training opens for this client (rather than sending it to sign in)."""
    response = client.get("/training")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    return False


def sign_out(client: FlaskClient):
    """Use the sign-out button on My training."""
    return post_form(client, "/sign-out", page="/training")


# --- registration ----------------------------------------------------------------------------


def test_register_asks_to_check_email_and_the_link_opens_my_training(
    app: Flask, client: FlaskClient
) -> None:
    response = register(client, mentor_type="survivor_mentor")
    assert response.status_code == 302
    assert response.location == "/register/check-email"
    assert "Check your email" in text_of(client.get(response.location))
    user = stored("maria@example.org")
    assert user is not None and user.email_confirmed_at is None
    assert (user.name, user.role, user.mentor_type) == ("Maria Garcia", "mentor", "survivor_mentor")
    assert passwords.verify_password(user.password_hash, REGISTRATION["password"])
    assert REGISTRATION["password"] not in user.password_hash
    assert not is_signed_in(client)

    [mail] = queued_mail("maria@example.org")
    assert mail.sent_at is None, "mail is queued, never sent inside the request"
    link = last_link("maria@example.org", "confirm-email")
    page = client.get(link)
    assert page.status_code == 200 and "Confirm my email address" in text_of(page)
    assert stored("maria@example.org").email_confirmed_at is None, "opening the link is not enough"
    done = confirm(client)
    assert done.status_code == 302 and done.location == "/sign-in"
    assert "Your email address is confirmed" in text_of(client.get("/sign-in"))
    assert stored("maria@example.org").email_confirmed_at is not None

    assert sign_in_post(client, "maria@example.org", REGISTRATION["password"]).location == (
        "/training"
    )
    assert is_signed_in(client)
    again = client.get(link)
    assert again.status_code == 404 and "This link no longer works" in text_of(again)


def test_an_unconfirmed_account_cannot_sign_in_and_is_told_why(client: FlaskClient) -> None:
    register(client)
    refused = sign_in_post(client, REGISTRATION["email"], REGISTRATION["password"])
    assert refused.status_code == 422
    page = text_of(refused)
    assert "Confirm your email address first" in page
    assert 'href="/confirm-email/again"' in page
    assert not is_signed_in(client)
    # Only the right password learns that the account waits for confirmation.
    wrong = sign_in_post(client, REGISTRATION["email"], "not the password at all")
    assert "Confirm your email address" not in text_of(wrong)
    assert "That email and password do not match an account." in text_of(wrong)


def test_a_new_confirmation_link_can_be_asked_for_and_ends_the_old_one(
    client: FlaskClient,
) -> None:
    register(client)
    first = last_link(REGISTRATION["email"], "confirm-email")
    response = post_form(
        client,
        "/confirm-email/again",
        {"email": REGISTRATION["email"].upper()},
        page="/confirm-email/again",
    )
    assert response.status_code == 302 and response.location == "/register/check-email"
    second = last_link(REGISTRATION["email"], "confirm-email")
    assert second != first
    assert client.get(first).status_code == 404
    assert confirm(client).status_code == 302
    assert sign_in_post(client, REGISTRATION["email"], REGISTRATION["password"]).status_code == 302


@pytest.mark.parametrize("who", ["unknown", "confirmed"])
def test_asking_for_a_confirmation_link_answers_alike_and_mails_nobody_else(
    client: FlaskClient, who: str
) -> None:
    email = "nobody@example.org" if who == "unknown" else make_user().email
    response = post_form(
        client, "/confirm-email/again", {"email": email}, page="/confirm-email/again"
    )
    assert response.status_code == 302 and response.location == "/register/check-email"
    assert queued_mail() == []


def test_an_expired_confirmation_link_is_refused(client: FlaskClient) -> None:
    register(client, email="late@example.org")
    user = stored("late@example.org")
    db.session.execute(
        sa.update(AccountToken)
        .where(AccountToken.user_id == user.id)
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    link = last_link("late@example.org", "confirm-email")
    page = client.get(link)
    assert page.status_code == 404
    assert 'href="/confirm-email/again"' in page.get_data(as_text=True)
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    assert client.post(link, data={"csrf_token": token}).status_code == 404
    assert stored("late@example.org").email_confirmed_at is None


def test_register_answers_a_known_email_exactly_as_a_new_one(app: Flask) -> None:
    holder = make_user(email="person@example.org", name="Pat Holder")
    before = (holder.password_hash, holder.name, holder.session_token)
    known_client, new_client = app.test_client(), app.test_client()
    known = register(known_client, email="Person@Example.org", name="Someone Else")
    new = register(new_client, email="fresh@example.org")
    assert (known.status_code, known.location) == (new.status_code, new.location)
    assert known.location == "/register/check-email"

    def page_of(client: FlaskClient) -> str:
        # The CSRF token differs per session; everything else must be the same.
        return re.sub(r'value="[^"]+"', "", text_of(client.get("/register/check-email")))

    assert page_of(known_client) == page_of(new_client)
    assert user_count() == 2
    after = stored("person@example.org")
    assert (after.password_hash, after.name, after.session_token) == before
    assert not is_signed_in(known_client)

    [notice] = queued_mail("person@example.org")
    assert "Someone tried to sign up" in notice.subject
    assert "/confirm-email/" not in notice.body
    link = last_link("person@example.org", "reset-password")
    assert post_form(known_client, link, {"password": NEW_PASSWORD}, page=link).status_code == 302
    assert sign_in_post(app.test_client(), "person@example.org", NEW_PASSWORD).status_code == 302


def test_repeated_sign_ups_with_a_known_email_send_one_notice_an_hour(app: Flask) -> None:
    from datetime import UTC, datetime

    make_user(email="person@example.org")
    site = accounts.Site("http://localhost", "Mentor Ready")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for minutes in (0, 20, 59, 60):
        accounts.register_mentor(
            db.session,
            **{**REGISTRATION, "email": "person@example.org"},
            site=site,
            now=start + timedelta(minutes=minutes),
        )
    assert len(queued_mail("person@example.org")) == 2


def test_signing_up_again_before_confirming_keeps_only_the_latest_details(
    client: FlaskClient,
) -> None:
    register(client, name="First Try")
    first = last_link(REGISTRATION["email"], "confirm-email")
    register(client, name="Maria Garcia", password="another quiet river passphrase")
    assert user_count() == 1
    assert client.get(first).status_code == 404
    assert confirm(client).status_code == 302
    assert stored(REGISTRATION["email"]).name == "Maria Garcia"
    assert sign_in_post(client, REGISTRATION["email"], REGISTRATION["password"]).status_code == 422
    response = sign_in_post(client, REGISTRATION["email"], "another quiet river passphrase")
    assert response.status_code == 302


def test_signing_up_with_a_pending_staff_invitations_address_does_not_take_it_over(
    client: FlaskClient,
) -> None:
    from app.services import staff_accounts

    admin = make_user(role="admin")
    staff_accounts.invite_staff(
        db.session,
        admin,
        name="Noor Newcomer",
        email="noor@example.org",
        role="staff",
        site=accounts.Site("http://localhost", "Mentor Ready"),
    )
    register(client, email="noor@example.org")
    invited = stored("noor@example.org")
    assert (invited.role, invited.name) == ("staff", "Noor Newcomer")
    assert not passwords.verify_password(invited.password_hash, REGISTRATION["password"])
    assert "Someone tried to sign up" in queued_mail("noor@example.org")[-1].subject


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter your name."),
        ({"name": "   "}, "Enter your name."),
        ({"name": "M" * 10_000}, "Use at most 200 characters."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"email": ""}, "Enter your email address."),
        ({"mentor_type": "youth_whisperer"}, "Choose one of the kinds of mentor listed."),
        ({"mentor_type": None}, "Choose the kind of mentor you will be."),
        ({"password": "fourteen chars"}, "Use at least 15 characters (this one has 14)."),
        ({"password": ""}, "Choose a password."),
        ({"password": "123456789012345"}, "That password is too common"),
        ({"password": "passwordpassword"}, "That password is too common"),
        ({"password": "x" * 257}, "Use at most 256 characters."),
    ],
    ids=[
        "empty-name",
        "blank-name",
        "10000-character-name",
        "bad-email",
        "no-email",
        "unknown-mentor-type",
        "no-mentor-type",
        "14-character-password",
        "no-password",
        "common-digits",
        "common-passwordpassword",
        "too-long-password",
    ],
)
def test_register_refuses_bad_input_with_a_clear_message_and_creates_nothing(
    client: FlaskClient, changes: dict[str, str | None], message: str
) -> None:
    response = register(client, **changes)
    assert response.status_code == 422
    page = text_of(response)
    assert "There is a problem" in page
    assert message in page
    assert user_count() == 0
    assert not is_signed_in(client)


def test_register_tidies_spaces_around_the_email_and_in_the_name(client: FlaskClient) -> None:
    response = register(client, email=" Maria@Example.org ", name="  Maria   Garcia ")
    assert response.status_code == 302
    user = stored("maria@example.org")
    assert user is not None and user.name == "Maria Garcia"


def test_two_sign_ups_racing_for_one_email_create_one_account(client: FlaskClient) -> None:
    """The second request passed the duplicate check before the first one's row was written."""
    table = User.__table__

    def other_request_wins(session, _context, _instances) -> None:
        with db.engine.begin() as connection:
            connection.execute(
                table.insert().values(
                    email="maria@example.org",
                    name="Maria First",
                    password_hash=passwords.hash_password("another long passphrase"),
                    role="mentor",
                    mentor_type="community_volunteer",
                    session_token="racing-session-token",
                    created_at=utcnow(),
                    password_changed_at=utcnow(),
                )
            )

    sa.event.listen(db.session(), "before_flush", other_request_wins, once=True)
    response = register(client)
    assert response.status_code == 302 and response.location == "/register/check-email"
    assert user_count() == 1
    assert stored("maria@example.org").name == "Maria First"
    assert not is_signed_in(client)


def test_register_ignores_a_posted_role_and_makes_a_mentor(client: FlaskClient) -> None:
    response = register(client, role="admin")
    assert response.status_code == 302
    user = stored("maria@example.org")
    assert user is not None and user.role == "mentor" and not user.is_staff


def test_register_stores_email_nfc_normalised_and_lower_case(client: FlaskClient) -> None:
    decomposed = unicodedata.normalize("NFD", "JOSÉ.Núñez@Example.ORG")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    response = register(client, email=decomposed)
    assert response.status_code == 302
    assert stored("josé.núñez@example.org") is not None
    assert stored(decomposed) is None
    assert confirm(client, "josé.núñez@example.org").status_code == 302
    assert (
        sign_in_post(client, "José.Núñez@example.org", REGISTRATION["password"]).status_code == 302
    )


@pytest.mark.parametrize(
    "password",
    [
        "a1b2c3d4" * 16,  # 128 characters
        "Ça va très bien, merci 🌈 ünïcödé",
    ],
    ids=["128-characters", "non-ascii"],
)
def test_long_and_non_ascii_passwords_work_whole_and_are_never_truncated(
    client: FlaskClient, password: str
) -> None:
    sign_up(client, password=password)
    sign_out(client)
    last_changed = password[:-1] + ("Z" if password[-1] != "Z" else "Y")
    assert sign_in_post(client, REGISTRATION["email"], last_changed).status_code == 422
    assert not is_signed_in(client)
    assert sign_in_post(client, REGISTRATION["email"], password).status_code == 302
    assert is_signed_in(client)


def test_a_password_typed_in_another_unicode_form_still_signs_in(client: FlaskClient) -> None:
    password = "crème brûlée for everyone"
    sign_up(client, password=unicodedata.normalize("NFC", password))
    sign_out(client)
    response = sign_in_post(client, REGISTRATION["email"], unicodedata.normalize("NFD", password))
    assert response.status_code == 302


def test_signed_in_person_visiting_register_goes_to_my_training(client: FlaskClient) -> None:
    sign_in(client, make_user())
    response = client.get("/register")
    assert response.status_code == 302 and response.location == "/training"


# --- sign-in ---------------------------------------------------------------------------------


def test_sign_in_with_the_right_password_opens_my_training(client: FlaskClient) -> None:
    user = make_user()
    response = sign_in_post(client, user.email, PASSWORD)
    assert response.status_code == 302 and response.location == "/training"
    assert is_signed_in(client)


def test_sign_in_ignores_the_case_of_the_email(client: FlaskClient) -> None:
    make_user(email="person@example.org")
    assert sign_in_post(client, "  PERSON@Example.ORG ", PASSWORD).status_code == 302


def test_unknown_email_and_wrong_password_get_the_same_answer(client: FlaskClient) -> None:
    user = make_user()
    unknown = sign_in_post(client, "nobody@example.org", PASSWORD)
    wrong = sign_in_post(client, user.email, PASSWORD + "!")
    assert unknown.status_code == wrong.status_code == 422
    message = "That email and password do not match an account."
    assert message in text_of(unknown) and message in text_of(wrong)

    def errors(response) -> str:
        return re.search(r'<div class="error-summary".*?</div>', text_of(response), re.S).group(0)

    assert errors(unknown) == errors(wrong)
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
    ],
    ids=["protocol-relative", "absolute", "backslash", "tab", "javascript"],
)
def test_sign_in_never_follows_next_off_the_site(client: FlaskClient, target: str) -> None:
    user = make_user()
    response = sign_in_post(client, user.email, PASSWORD, query="?" + _query(target))
    assert response.status_code == 302
    assert response.location == "/training"


def test_sign_in_follows_next_to_a_page_on_this_site(client: FlaskClient) -> None:
    user = make_user()
    response = sign_in_post(client, user.email, PASSWORD, query="?next=/modules/building-trust")
    assert response.status_code == 302
    assert response.location == "/modules/building-trust"


def test_a_private_page_sends_to_sign_in_and_back_again(client: FlaskClient) -> None:
    user = make_user()
    first = client.get("/modules/building-trust")
    assert first.status_code == 302
    assert first.location.startswith("/sign-in?next=")
    query = first.location.removeprefix("/sign-in")
    assert (
        sign_in_post(client, user.email, PASSWORD, query=query).location
        == "/modules/building-trust"
    )


def test_deactivated_account_cannot_sign_in(client: FlaskClient) -> None:
    user = make_user()
    user.deactivated_at = utcnow()
    db.session.commit()
    response = sign_in_post(client, user.email, PASSWORD)
    assert response.status_code == 422
    assert "That email and password do not match an account." in text_of(response)
    assert not is_signed_in(client)


def test_deactivating_an_account_ends_its_open_sessions(client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user)
    user.deactivated_at = utcnow()
    db.session.commit()
    assert not is_signed_in(client)


def test_sign_in_without_csrf_token_is_refused(client: FlaskClient) -> None:
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert not is_signed_in(client)


def _query(target: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": target})


# --- sign-out --------------------------------------------------------------------------------


def test_sign_out_by_get_is_not_allowed_and_keeps_the_session(client: FlaskClient) -> None:
    sign_in(client, make_user())
    response = client.get("/sign-out")
    assert response.status_code == 405
    assert is_signed_in(client)


def test_sign_out_without_csrf_token_is_refused(client: FlaskClient) -> None:
    sign_in(client, make_user())
    response = client.post("/sign-out")
    assert response.status_code == 400
    assert is_signed_in(client)


def test_sign_out_ends_the_session(client: FlaskClient) -> None:
    sign_in(client, make_user())
    response = sign_out(client)
    assert response.status_code == 302 and response.location == "/"
    assert not is_signed_in(client)


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(
    app: Flask, client: FlaskClient
) -> None:
    sign_in(client, make_user())
    copied = client.get_cookie("session").value

    replay = app.test_client()
    replay.set_cookie("session", copied)
    assert is_signed_in(replay), "the copied cookie should work until sign-out"

    sign_out(client)
    late = app.test_client()
    late.set_cookie("session", copied)
    assert not is_signed_in(late)


def test_a_remember_me_cookie_copied_before_sign_out_is_refused_after_it(
    app: Flask, client: FlaskClient
) -> None:
    sign_in(client, make_user(), remember=True)
    remembered = client.get_cookie("remember_token")
    assert remembered is not None and remembered.http_only

    replay = app.test_client()
    replay.set_cookie("remember_token", remembered.value)
    assert is_signed_in(replay), "the remember-me cookie alone should sign in until sign-out"

    sign_out(client)
    late = app.test_client()
    late.set_cookie("remember_token", remembered.value)
    assert not is_signed_in(late)


def test_sign_out_ends_the_sessions_on_every_device(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    other = app.test_client()
    sign_in(client, user)
    sign_in(other, user)
    sign_out(client)
    assert not is_signed_in(other)


# --- changing the password -------------------------------------------------------------------


def change_password(client: FlaskClient, current: str, new: str):
    """Post the change-password form."""
    return post_form(
        client,
        "/account/password",
        {"current_password": current, "password": new},
        page="/account/password",
    )


def test_change_password_keeps_this_session_and_ends_the_others(
    app: Flask, client: FlaskClient
) -> None:
    user = make_user()
    other = app.test_client()
    sign_in(client, user)
    sign_in(other, user)

    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.location == "/training"
    assert is_signed_in(client)
    assert not is_signed_in(other)

    fresh = app.test_client()
    assert sign_in_post(fresh, user.email, PASSWORD).status_code == 422
    assert sign_in_post(fresh, user.email, NEW_PASSWORD).status_code == 302


def test_change_password_keeps_this_devices_remember_me(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    sign_in(client, user, remember=True)
    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 302

    remembered = client.get_cookie("remember_token")
    assert remembered is not None
    restarted = app.test_client()  # the browser was closed: only the remember-me cookie is left
    restarted.set_cookie("remember_token", remembered.value)
    assert is_signed_in(restarted)


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("not my password at all", NEW_PASSWORD, "Your current password is not right."),
        (PASSWORD, "too short", "Use at least 15 characters (this one has 9)."),
        (PASSWORD, "123456789012345", "That password is too common"),
    ],
    ids=["wrong-current", "short-new", "common-new"],
)
def test_change_password_refuses_bad_input_and_changes_nothing(
    app: Flask, client: FlaskClient, current: str, new: str, message: str
) -> None:
    user = make_user()
    before = (user.password_hash, user.session_token, user.password_changed_at)
    other = app.test_client()
    sign_in(client, user)
    sign_in(other, user)

    response = change_password(client, current, new)
    assert response.status_code == 422
    assert message in text_of(response)
    after = stored(user.email)
    assert (after.password_hash, after.session_token, after.password_changed_at) == before
    assert is_signed_in(client) and is_signed_in(other)


def test_change_password_needs_a_signed_in_person(client: FlaskClient) -> None:
    response = client.get("/account/password")
    assert response.status_code == 302 and response.location.startswith("/sign-in")


# --- forgotten password ----------------------------------------------------------------------


def mails() -> list[str]:
    """Every message queued in the outbox so far, as "to: subject" and body."""
    return [f"Mail to {m.to_address}: {m.subject}\n{m.body}" for m in queued_mail()]


def ask_for_reset(client: FlaskClient, email: str):
    """Post the forgot-password form."""
    return post_form(client, "/forgot-password", {"email": email}, page="/forgot-password")


def reset_link() -> str:
    """The path of the reset link in the last mail."""
    match = re.search(r"http://localhost(/reset-password/[A-Za-z0-9_-]+)", mails()[-1])
    assert match, mails()[-1]
    return match.group(1)


def set_new_password(client: FlaskClient, link: str, password: str):
    """Post the reset form behind `link`."""
    return post_form(client, link, {"password": password}, page=link)


def test_forgot_password_answers_the_same_for_known_and_unknown_emails(app: Flask) -> None:
    user = make_user()
    known_client, unknown_client = app.test_client(), app.test_client()
    known = ask_for_reset(known_client, user.email.upper())
    unknown = ask_for_reset(unknown_client, "nobody@example.org")
    assert (
        (known.status_code, known.location)
        == (unknown.status_code, unknown.location)
        == (302, "/sign-in")
    )

    def flashes(client: FlaskClient) -> str:
        page = text_of(client.get("/sign-in"))
        return re.search(r'<div class="flashes".*?</div>', page, re.S).group(0)

    known_flash, unknown_flash = flashes(known_client), flashes(unknown_client)
    assert known_flash == unknown_flash
    assert "If an account uses that address" in known_flash


def test_forgot_password_mails_a_link_only_for_a_known_email(client: FlaskClient) -> None:
    user = make_user()
    ask_for_reset(client, "nobody@example.org")
    assert mails() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)) == 0

    ask_for_reset(client, user.email)
    [mail] = mails()
    assert f"Mail to {user.email}" in mail
    assert "/reset-password/" in mail


def test_forgot_password_mails_nothing_for_a_deactivated_account(client: FlaskClient) -> None:
    user = make_user()
    user.deactivated_at = utcnow()
    db.session.commit()
    assert ask_for_reset(client, user.email).status_code == 302
    assert mails() == []


def test_a_reset_link_works_once(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    ask_for_reset(client, user.email)
    link = reset_link()

    assert client.get(link).status_code == 200
    response = set_new_password(client, link, NEW_PASSWORD)
    assert response.status_code == 302 and response.location == "/sign-in"
    assert sign_in_post(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    assert sign_in_post(app.test_client(), user.email, PASSWORD).status_code == 422

    again = client.get(link)
    assert again.status_code == 404
    assert "This link no longer works" in text_of(again)
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    reuse = client.post(link, data={"password": "another fine password here", "csrf_token": token})
    assert reuse.status_code == 404
    assert sign_in_post(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


def test_a_reset_with_a_weak_password_is_refused_and_the_link_still_works(
    client: FlaskClient,
) -> None:
    user = make_user()
    before = user.password_hash
    ask_for_reset(client, user.email)
    link = reset_link()

    response = set_new_password(client, link, "short")
    assert response.status_code == 422
    assert "Use at least 15 characters (this one has 5)." in text_of(response)
    assert stored(user.email).password_hash == before
    assert set_new_password(client, link, NEW_PASSWORD).status_code == 302


def test_an_expired_reset_link_is_refused(client: FlaskClient) -> None:
    user = make_user()
    before = user.password_hash
    raw = accounts.issue_token(
        db.session, user, "password_reset", timedelta(hours=1), now=utcnow() - timedelta(hours=2)
    )
    db.session.commit()

    page = client.get(f"/reset-password/{raw}")
    assert page.status_code == 404
    assert "This link no longer works" in text_of(page)
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        f"/reset-password/{raw}", data={"password": NEW_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 404
    assert stored(user.email).password_hash == before


@pytest.mark.parametrize("token", ["made-up-token", "x" * 500], ids=["unknown", "very-long"])
def test_an_unknown_reset_link_is_refused(client: FlaskClient, token: str) -> None:
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 404
    assert "This link no longer works" in text_of(response)


def test_a_reset_ends_every_old_session(app: Flask) -> None:
    user = make_user()
    old = app.test_client()
    sign_in(old, user, remember=True)
    copied_remember = old.get_cookie("remember_token").value

    helper = app.test_client()
    ask_for_reset(helper, user.email)
    assert set_new_password(helper, reset_link(), NEW_PASSWORD).status_code == 302

    assert not is_signed_in(old)
    replay = app.test_client()
    replay.set_cookie("remember_token", copied_remember)
    assert not is_signed_in(replay)


def test_forgot_password_queues_the_mail_instead_of_sending_it(client: FlaskClient) -> None:
    user = make_user()
    ask_for_reset(client, user.email)
    [message] = queued_mail(user.email)
    assert message.sent_at is None and message.attempts == 0
    assert "/reset-password/" in message.body


# --- every reset link dies with the password ------------------------------------------------


def test_using_a_newer_reset_link_ends_the_older_ones(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    ask_for_reset(client, user.email)
    older = reset_link()
    ask_for_reset(client, user.email)
    newer = reset_link()
    assert older != newer

    assert set_new_password(client, newer, NEW_PASSWORD).status_code == 302
    page = client.get(older)
    assert page.status_code == 404 and "This link no longer works" in text_of(page)
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    late = client.post(older, data={"password": "a password set too late", "csrf_token": token})
    assert late.status_code == 404
    assert sign_in_post(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


def test_changing_the_password_on_the_account_page_ends_every_reset_link(
    app: Flask, client: FlaskClient
) -> None:
    user = make_user()
    helper = app.test_client()
    ask_for_reset(helper, user.email)
    link = reset_link()
    sign_in(client, user)
    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 302

    assert helper.get(link).status_code == 404
    token = csrf_from(helper.get("/sign-in").get_data(as_text=True))
    late = helper.post(link, data={"password": "a password set too late", "csrf_token": token})
    assert late.status_code == 404
    assert sign_in_post(app.test_client(), user.email, NEW_PASSWORD).status_code == 302


# --- remember-me ------------------------------------------------------------------------------


def test_a_mentor_is_remembered_for_30_days(client: FlaskClient) -> None:
    sign_in(client, make_user(), remember=True)
    remembered = client.get_cookie("remember_token")
    assert remembered is not None and remembered.expires is not None
    lasts = remembered.expires - utcnow()
    assert timedelta(days=29, hours=23) < lasts <= timedelta(days=30)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_are_never_remembered_even_when_they_tick_the_box(
    app: Flask, client: FlaskClient, role: str
) -> None:
    user = make_user(role=role)
    sign_in(client, user, remember=True)
    assert client.get_cookie("remember_token") is None
    assert client.get("/staff/").status_code == 200

    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 302
    assert client.get_cookie("remember_token") is None
    restarted = app.test_client()  # the browser was closed: no cookie carries the sign-in over
    assert restarted.get("/staff/").status_code == 302


def test_the_sign_in_page_says_staff_are_not_kept_signed_in(client: FlaskClient) -> None:
    page = text_of(client.get("/sign-in"))
    assert "Keep me signed in on this device for 30 days" in page
    assert "Staff accounts are never kept signed in" in page


def test_forgot_password_does_the_same_database_work_for_unknown_emails(
    client: FlaskClient,
) -> None:
    """Known or not, a request is recorded and committed, so timing tells little."""
    from app.models import AuditEvent

    user = make_user()
    ask_for_reset(client, user.email)
    ask_for_reset(client, "nobody@example.org")
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "account.password_reset_requested")
        .order_by(AuditEvent.id)
    ).all()
    assert [event.subject_user_id for event in events] == [user.id, None]
    assert all(event.detail is None and event.target is None for event in events)
