"""Staff set up an authenticator app at their first sign-in, and an administrator resets a
colleague's lost one, in the real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.helpers import axe_problems, set_up_authenticator, sign_in

ADMIN_PASSWORD = "an administrator's long passphrase"
STAFF_PASSWORD = "a coordinator's own long passphrase"


def test_staff_enrol_and_an_admin_resets_a_lost_authenticator(
    live_server: LiveServer, page: Page, browser
) -> None:
    base = live_server.url
    for email, name, role, password in [
        ("tfa-admin@example.org", "Tess Admin", "admin", ADMIN_PASSWORD),
        ("tfa-staff@example.org", "Rafael Staff", "staff", STAFF_PASSWORD),
    ]:
        live_server.cli(
            "users",
            "create",
            email,
            "--name",
            name,
            "--role",
            role,
            "--password-stdin",
            input=f"{password}\n",
        )

    # The password alone leads to the set-up page, which passes axe; nothing of staff is open.
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill("tfa-admin@example.org")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    assert axe_problems(page) == []
    page.get_by_label("Code from your app").fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That code is not right").first).to_be_visible()
    codes = set_up_authenticator(page, "tfa-admin@example.org")
    assert len(codes) == 10
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    colleague = browser.new_context().new_page()
    sign_in(colleague, base, "tfa-staff@example.org", STAFF_PASSWORD)
    colleague.goto(base + "/staff/")
    assert colleague.url.endswith("/staff/")

    # The colleague lost their phone: the admin resets their second factor.
    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("button", name="Reset second factor of Rafael Staff").click()
    # A dangerous action asks first, on a page of its own.
    page.get_by_role("button", name="Yes, reset Rafael Staff’s second factor").click()
    expect(page.get_by_text("second factor is reset")).to_be_visible()

    colleague.goto(base + "/staff/")
    assert "/sign-in" in colleague.url
    colleague.get_by_label("Email address").fill("tfa-staff@example.org")
    colleague.get_by_label("Password").fill(STAFF_PASSWORD)
    colleague.get_by_role("button", name="Sign in").click()
    expect(colleague.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    colleague.context.close()

    # Confirming the password again is a plain, accessible form.
    page.goto(base + "/account/confirm-password?next=/staff/")
    expect(page.get_by_role("heading", name="Confirm your password")).to_be_visible()
    assert axe_problems(page) == []
