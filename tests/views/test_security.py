"""Safe defaults: security headers, cookies, caching, error pages and who may open what."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask, abort
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from app import create_app, current_course
from app.extensions import db
from app.models import QuizAttempt, User
from app.services import progress, quizzes
from config import ProductionConfig
from tests.conftest import csrf_from
from tests.factories import PASSWORD, make_user, post_form, sign_in

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
FIRST_MODULE = "understanding-exploitation"

# Endpoints an anonymous visitor may open. A new public page must be added here on purpose;
# every other endpoint must send anonymous visitors to sign in.
PUBLIC_ENDPOINTS = {
    "static",
    "public.index",
    "public.healthz",
    "auth.register",
    "auth.check_email",
    "auth.confirm_email",
    "auth.resend_confirmation",
    "auth.sign_in",
    "auth.sign_out",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.accept_invite",
    # Anyone holding a certificate code may check it (PRODUCT.md, public interfaces).
    "certificates.verify_form",
    "certificates.verify",
    "certificates.check_name",
    "api.certificate",
    # Open Badges: the issuer's public key, the status lists and the credential check.
    "certificates.issuer_profile",
    "certificates.status_list",
    "certificates.verify_credential",
    # The language switch: a cookie for visitors, the account's choice once signed in.
    "language.choose",
    "language.pick",
}


# --- helpers ---------------------------------------------------------------------------------


def cookie_header(response, name: str) -> str:
    """The Set-Cookie header that sets cookie `name`."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie set; got {response.headers.getlist('Set-Cookie')}")


def cookie_flags(header: str) -> set[str]:
    """The attributes of a Set-Cookie header, lower-cased, without their values for flags."""
    return {part.strip().lower() for part in header.split(";")[1:]}


def assert_site_error_page(response, status: int) -> None:
    """An error page in the site's look, with no stack trace and the usual headers."""
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert "Skip to main content" in page
    assert 'class="site-header"' in page
    assert f"Error {status}." in page
    assert "Traceback" not in page
    assert 'File "' not in page
    assert response.headers["Content-Security-Policy"] == CSP


def started_attempt(user: User) -> QuizAttempt:
    """A quiz attempt `user` has started on the first module, after reading it."""
    course = current_course()
    progress.mark_read(db.session, user.id, course, FIRST_MODULE)
    return quizzes.start_attempt(db.session, user.id, course, FIRST_MODULE)


def production_app(database_url: str, **overrides: object) -> Flask:
    """The app as production builds it, on the test database and with cheap hashing."""
    settings = type(
        "ProductionForTest",
        (ProductionConfig,),
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
            "ARGON2_PARALLELISM": 1,
            **overrides,
        },
    )
    return create_app(settings)


# --- headers and cookies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sign-in",
        "/register",
        "/forgot-password",
        "/healthz",
        "/no-such-page",
        "/static/style.css",
    ],
)
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    response.close()
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_signed_in_pages_carry_the_security_headers_too(client: FlaskClient) -> None:
    sign_in(client, make_user())
    response = client.get("/training")
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_is_http_only_and_same_site_lax(client: FlaskClient) -> None:
    flags = cookie_flags(cookie_header(client.get("/sign-in"), "session"))
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "secure" not in flags  # plain http in development and tests


def test_remember_me_cookie_is_http_only_and_same_site_lax(client: FlaskClient) -> None:
    user = make_user()
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in",
        data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token},
    )
    flags = cookie_flags(cookie_header(response, "remember_token"))
    assert {"httponly", "samesite=lax"} <= flags


def test_production_cookies_are_secure(database_url: str, app: Flask) -> None:
    user = make_user()
    production = production_app(database_url)
    try:
        client = production.test_client()
        page = client.get("/sign-in", base_url="https://localhost")
        session_flags = cookie_flags(cookie_header(page, "session"))
        assert {"secure", "httponly", "samesite=lax"} <= session_flags

        token = csrf_from(page.get_data(as_text=True))
        response = client.post(
            "/sign-in",
            data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": token},
            headers={"Referer": "https://localhost/sign-in"},
            base_url="https://localhost",
        )
        assert response.status_code == 302
        assert {"secure", "httponly", "samesite=lax"} <= cookie_flags(
            cookie_header(response, "remember_token")
        )
    finally:
        with production.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize(
    "path",
    ["/training", f"/modules/{FIRST_MODULE}", f"/modules/{FIRST_MODULE}/quiz", "/account/password"],
)
def test_signed_in_pages_are_never_stored_by_caches(client: FlaskClient, path: str) -> None:
    sign_in(client, make_user())
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.vary


# --- no inline script or style ---------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def assert_no_inline_code(path: str, page: str) -> None:
    """The CSP forbids inline script and style; a page must not rely on either."""
    assert not INLINE_SCRIPT.search(page), f"inline <script> on {path}"
    assert not STYLE_ATTRIBUTE.search(page), f'style="" attribute on {path}'
    assert not EVENT_ATTRIBUTE.search(page), f"inline event handler on {path}"
    assert "javascript:" not in page.lower(), f"javascript: URL on {path}"


def test_no_public_page_has_inline_script_or_style(client: FlaskClient) -> None:
    for path in [
        "/",
        "/sign-in",
        "/register",
        "/forgot-password",
        "/reset-password/unknown",
        "/nope",
    ]:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert_no_inline_code(path, response.get_data(as_text=True))


def test_no_signed_in_page_has_inline_script_or_style(client: FlaskClient) -> None:
    user = make_user()
    attempt = started_attempt(user)
    sign_in(client, user)
    course = current_course()
    paths = ["/training", "/account/password", f"/attempts/{attempt.id}"]
    paths += [f"/modules/{module.slug}" for module in course.ordered_modules()]
    paths += [f"/modules/{slug}/quiz" for slug in course.quizzes]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_no_inline_code(path, response.get_data(as_text=True))


@pytest.mark.parametrize("role", ["mentor", "staff", "admin"])
def test_no_page_a_signed_in_person_can_open_has_inline_script_or_style(
    app: Flask, client: FlaskClient, sample_values: dict[str, object], role: str
) -> None:
    sign_in(client, make_user(role=role))
    opened = 0
    for endpoint, url in get_urls(app, sample_values):
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            assert_no_inline_code(f"{url} ({endpoint})", response.get_data(as_text=True))
            opened += 1
        response.close()
    assert opened >= 5


def test_a_page_with_form_errors_has_no_inline_script_or_style(client: FlaskClient) -> None:
    response = post_form(
        client, "/register", {"name": "", "email": "x", "password": "y"}, page="/register"
    )
    assert response.status_code == 422
    assert_no_inline_code("/register (errors)", response.get_data(as_text=True))


# --- error pages -----------------------------------------------------------------------------


@pytest.fixture
def failing_routes(app: Flask) -> Flask:
    """Routes that fail on purpose, added before the first request."""

    def forbidden() -> str:
        abort(403)

    def broken() -> str:
        raise RuntimeError("secret detail: db password is hunter2")

    app.add_url_rule("/test-only/forbidden", "test_forbidden", forbidden)
    app.add_url_rule("/test-only/broken", "test_broken", broken)
    return app


def test_400_page_for_a_form_without_its_security_token(client: FlaskClient) -> None:
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x"})
    assert_site_error_page(response, 400)
    assert "missing its security token" in response.get_data(as_text=True)


def test_403_page(failing_routes: Flask, client: FlaskClient) -> None:
    assert_site_error_page(client.get("/test-only/forbidden"), 403)


def test_404_page(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert_site_error_page(response, 404)
    assert "We could not find that page" in response.get_data(as_text=True)


def test_405_page_says_which_methods_are_allowed(client: FlaskClient) -> None:
    response = client.get("/sign-out")
    assert_site_error_page(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}


def test_413_page_for_a_body_too_large(client: FlaskClient) -> None:
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x" * 100_000})
    assert_site_error_page(response, 413)


def test_500_page_hides_the_error(failing_routes: Flask, client: FlaskClient) -> None:
    response = client.get("/test-only/broken")
    assert_site_error_page(response, 500)
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "hunter2" not in page and "RuntimeError" not in page


def test_api_errors_are_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["status"] == 404


class TestSignInRateLimit:
    """Sign-in attempts are limited; the refusal is a page in the site's look."""

    @pytest.fixture
    def app_config(self, database_url: str) -> dict[str, object]:
        """Turn rate limiting on, with a tiny sign-in limit."""
        return {"RATELIMIT_ENABLED": True, "SIGN_IN_RATE_LIMIT": "2 per minute"}

    def test_third_sign_in_within_a_minute_gets_the_429_page(self, client: FlaskClient) -> None:
        user = make_user()
        token = csrf_from(client.get("/sign-in").get_data(as_text=True))
        statuses = []
        for _ in range(3):
            response = client.post(
                "/sign-in",
                data={"email": user.email, "password": "wrong password", "csrf_token": token},
            )
            statuses.append(response.status_code)
        assert statuses == [422, 422, 429]
        assert_site_error_page(response, 429)
        assert "Too many requests" in response.get_data(as_text=True)
        assert "Retry-After" in response.headers

    def test_the_limit_holds_even_for_the_right_password(self, client: FlaskClient) -> None:
        user = make_user()
        token = csrf_from(client.get("/sign-in").get_data(as_text=True))
        for _ in range(2):
            client.post(
                "/sign-in", data={"email": user.email, "password": "wrong", "csrf_token": token}
            )
        response = client.post(
            "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 429
        assert client.get("/training").status_code == 302


# --- who may open what -----------------------------------------------------------------------


@pytest.fixture
def sample_values(app: Flask) -> Iterator[dict[str, object]]:
    """Values for URL parameters, pointing at real private data where there is some."""
    owner = make_user()
    attempt = started_attempt(owner)
    yield {
        "slug": FIRST_MODULE,
        "attempt_id": attempt.id,
        "token": "not-a-real-token",
        "filename": "style.css",
        "mentor_id": owner.id,
        "certificate_id": 1,
        "match_id": 1,
        "plan_id": 1,
        "action": "revoke",
        "code": "ABCD-2345",
        "user_id": owner.id,
        "name": "knowledge-gain",
        "section": "what-it-is",
        "purpose": "revocation",
        "list_id": 1,
        "request_id": 1,
    }


def rule_url(app: Flask, rule: Rule, values: dict[str, object]) -> str:
    """The URL of `rule` with sample values for its parameters."""
    missing = rule.arguments - values.keys()
    assert not missing, f"add a sample value for {missing} to sample_values (route {rule.rule})"
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments})


def private_urls(app: Flask, values: dict[str, object]) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every non-public route and method."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = rule_url(app, rule, values)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def get_urls(app: Flask, values: dict[str, object]) -> list[tuple[str, str]]:
    """(endpoint, url) for every route that answers GET, with sample values filled in."""
    return [
        (rule.endpoint, rule_url(app, rule, values))
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set())
    ]


def test_there_are_private_routes_to_check(app: Flask, sample_values: dict[str, object]) -> None:
    endpoints = {endpoint for endpoint, _method, _url in private_urls(app, sample_values)}
    assert {"learn.dashboard", "learn.module", "quiz.take", "auth.change_password"} <= endpoints


def test_anonymous_visitors_are_sent_to_sign_in_from_every_private_page(
    app: Flask, client: FlaskClient, sample_values: dict[str, object]
) -> None:
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    for endpoint, method, url in private_urls(app, sample_values):
        if method == "GET":
            response = client.get(url)
        elif method == "POST":
            refused = client.post(url)
            assert refused.status_code == 400, f"{method} {url} ({endpoint}) without a CSRF token"
            response = client.post(url, data={"csrf_token": token})
        else:
            response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (
            f"{method} {url} ({endpoint}) gave {response.status_code}"
        )
        assert response.location.startswith("/sign-in"), f"{method} {url} ({endpoint})"


def test_public_pages_open_for_anonymous_visitors(client: FlaskClient) -> None:
    for path in ["/", "/sign-in", "/register", "/forgot-password", "/healthz", "/static/style.css"]:
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
    assert client.get("/reset-password/not-a-real-token").status_code == 404


def test_a_mentor_cannot_see_or_answer_another_mentors_attempt(
    app: Flask, client: FlaskClient
) -> None:
    owner, other = make_user(), make_user()
    attempt = started_attempt(owner)
    sign_in(client, other)

    assert client.get(f"/attempts/{attempt.id}").status_code == 404
    assert client.get(f"/attempts/{attempt.id}/result").status_code == 404
    response = post_form(client, f"/attempts/{attempt.id}", {"anything": "x"}, page="/training")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).submitted_at is None

    owner_client = app.test_client()
    sign_in(owner_client, owner)
    assert owner_client.get(f"/attempts/{attempt.id}").status_code == 200


@pytest.mark.parametrize(
    ("role", "closed_areas"),
    [("mentor", ("staff.", "admin.")), ("staff", ("admin.",))],
)
def test_pages_beyond_a_role_are_closed_to_it(
    app: Flask,
    client: FlaskClient,
    sample_values: dict[str, object],
    role: str,
    closed_areas: tuple[str, ...],
) -> None:
    sign_in(client, make_user(role=role))
    closed = [(e, url) for e, url in get_urls(app, sample_values) if e.startswith(closed_areas)]
    for endpoint, url in closed:
        assert client.get(url).status_code in (403, 404), f"{role} opened {url} ({endpoint})"


def test_an_attempt_that_does_not_exist_is_404(client: FlaskClient) -> None:
    sign_in(client, make_user())
    missing = (db.session.scalar(sa.select(sa.func.max(QuizAttempt.id))) or 0) + 1000
    assert client.get(f"/attempts/{missing}").status_code == 404
