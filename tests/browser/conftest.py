"""Browser tests: the real app under a real server, driven in Debian's chromium by Playwright.

Every test here is marked `browser`; skip them locally with `-m "not browser"`. In CI (CI=true) a
missing chromium is a failure, never a silent skip. On a failing test a screenshot and a Playwright
trace are written under test-artifacts/ (open a trace with `.venv/bin/playwright show-trace FILE`).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.conftest import PROJECT, config_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = PROJECT / "test-artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder as a browser test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Remember each phase's outcome so the page fixture can save evidence of a failure."""
    outcome = yield
    setattr(item, f"report_{call.when}", outcome.get_result())


@pytest.fixture(scope="session")
def browser_available() -> None:
    """Chromium must be there; CI treats its absence as a failure."""
    if not Path(CHROMIUM).exists():
        message = (
            f"{CHROMIUM} is missing: install Debian's chromium (make test does this with apt-get)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class LiveServer:
    """Where the app is served, and the app itself for set-up through the CLI and services."""

    url: str
    app: Flask

    def cli(self, *args: str, input: str | None = None):
        """Run a `flask` command against the served app's database."""
        result = self.app.test_cli_runner().invoke(args=list(args), input=input)
        assert result.exit_code == 0, result.output
        return result


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, browser_available: None
) -> Iterator[LiveServer]:
    """The real app on a free 127.0.0.1 port, with a fresh, migrated SQLite database."""
    database = tmp_path_factory.mktemp("browser") / "browser.db"
    app = create_app(config_for(f"sqlite:///{database}"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=url, app=app)
    server.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance, browser_available: None):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser, request: pytest.FixtureRequest):
    """A fresh browser profile per test, traced; evidence is kept when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    context.tracing.start(screenshots=True, snapshots=True)
    yield context
    failed = any(
        getattr(request.node, f"report_{when}", None) is not None
        and getattr(request.node, f"report_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        for index, page in enumerate(context.pages):
            page.screenshot(path=str(ARTIFACTS / f"{name}-{index}.png"), full_page=True)
        context.tracing.stop(path=str(ARTIFACTS / f"{name}-trace.zip"))
    else:
        context.tracing.stop()
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


def clean_artifacts() -> None:
    """Remove evidence from earlier runs (called once per session)."""
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    clean_artifacts()


@dataclass(repr=False)  # keep failure reports short: pytest prints fixture values
class Cast:
    """People and records in every state a page can show, made through the services."""

    emails: dict[str, str]
    newcomer_id: int
    certified_id: int
    certificate_id: int
    certificate_code: str
    first_module: str
    open_attempt_id: int
    failed_attempt_id: int
    passed_attempt_id: int  # the pass that finished the training
    next_module_attempt_id: int  # a pass with a next module to go to
    precheck_attempt_id: int
    reset_token: str
    confirm_token: str


def _answers(attempt, correct: bool) -> dict[str, list[str]]:
    from tests.services.test_quizzes import answers_for

    return answers_for(attempt, correct=correct)


@pytest.fixture(scope="session")
def cast(live_server: LiveServer) -> Cast:
    """A newcomer, a learner part-way, a certified and matched mentor, a flagged one, staff, admin.

    Names and emails are this fixture's own, so the journey tests' searches never meet them.
    """
    from datetime import timedelta

    from app.models import utcnow
    from app.services import (
        accounts,
        certificates,
        in_person,
        matching,
        private_notes,
        progress,
        quizzes,
        screening,
    )
    from app.web import current_course
    from tests.browser.helpers import PASSWORD
    from tests.factories import latest_certificate

    emails = {
        role: f"a11y-{role}@example.org"
        for role in ("newcomer", "learner", "certified", "flagged", "staff", "admin")
    }
    names = {
        "newcomer": "Noor Haddad",
        "learner": "Lena Whitfield",
        "certified": "Camila Ortega",
        "flagged": "Felix Brandt",
        "staff": "Sam Coordinator",
        "admin": "Ada Administrator",
    }
    with live_server.app.app_context():
        session, course = db.session, current_course()
        users = {
            role: accounts.create_account(
                session,
                email=email,
                name=names[role],
                password=PASSWORD,
                role=role if role in ("staff", "admin") else "mentor",
                mentor_type=None if role in ("staff", "admin") else "community_volunteer",
            )
            for role, email in emails.items()
        }
        today = utcnow().date()  # the services judge "not in the future" in UTC
        path = course.modules_for("community_volunteer")
        first = path[0].slug

        def take(user_id: int, slug: str, correct: bool):
            attempt = quizzes.start_attempt(session, user_id, course, slug)
            return quizzes.submit_attempt(
                session, user_id, attempt.id, _answers(attempt, correct), course
            )[0]

        # The learner: a scored pre-check, one failed quiz, and a second attempt left open.
        learner = users["learner"].id
        precheck = quizzes.start_attempt(session, learner, course, first, kind="precheck")
        quizzes.submit_attempt(session, learner, precheck.id, _answers(precheck, True), course)
        progress.mark_read(session, learner, course, first)
        failed = take(learner, first, correct=False)
        open_attempt = quizzes.start_attempt(session, learner, course, first)

        # Two certified mentors, screened and matched; one certificate is then suspended.
        passed, first_passed = {}, {}
        for role in ("certified", "flagged"):
            user_id = users[role].id
            for module in path:
                progress.mark_read(session, user_id, course, module.slug)
                passed[role] = take(user_id, module.slug, correct=True)
                first_passed.setdefault(role, passed[role])
            for step in course.screening_for("community_volunteer"):
                screening.record_result(
                    session,
                    users["staff"].id,
                    user_id,
                    course,
                    step=step,
                    result="cleared",
                    completed_on=today,
                )
            in_person.record_session(
                session,
                users["staff"].id,
                in_person.SessionInput(
                    held_on=today,
                    topic="Meeting youth where they are",
                    hours=f"{course.in_person_hours_for('community_volunteer'):g}",
                    facilitator="Sam Coordinator",
                    mentor_ids=[user_id],
                ),
            )
            matching.create_match(
                session,
                users["staff"].id,
                course,
                model="one_to_one",
                mentor_ids=[user_id],
                youth_codes=[f"AXE-{user_id}"],
                started_on=today,
            )
        certified = users["certified"].id
        certificate = latest_certificate(certified)
        flagged = latest_certificate(users["flagged"].id)
        assert certificate is not None and flagged is not None
        certificates.suspend(session, users["staff"].id, flagged.id, "A concern is looked into.")
        private_notes.save_journal(
            session, certified, course, first, "Steady, patient, there every week."
        )
        private_notes.save_self_care_plan(
            session, certified, {"what_helps": "A walk after every session."}
        )
        reset_token = accounts.issue_token(
            session, users["newcomer"], "password_reset", timedelta(hours=1), utcnow()
        )
        confirm_token = accounts.issue_token(
            session, users["newcomer"], "confirm_email", timedelta(hours=48), utcnow()
        )
        session.commit()
        return Cast(
            emails=emails,
            newcomer_id=users["newcomer"].id,
            certified_id=certified,
            certificate_id=certificate.id,
            certificate_code=certificates.format_code(certificate.code),
            first_module=first,
            open_attempt_id=open_attempt.id,
            failed_attempt_id=failed.id,
            passed_attempt_id=passed["certified"].id,
            next_module_attempt_id=first_passed["certified"].id,
            precheck_attempt_id=precheck.id,
            reset_token=reset_token,
            confirm_token=confirm_token,
        )


@pytest.fixture(scope="session")
def session_cookies(browser, live_server: LiveServer, cast: Cast):
    """Cookies of a signed-in session per cast member, signed in once through the real form."""
    from tests.browser.helpers import sign_in

    signed_in: dict[str, list] = {}

    def cookies(role: str) -> list:
        if role not in signed_in:
            context = browser.new_context()
            page = context.new_page()
            sign_in(page, live_server.url, cast.emails[role])
            page.wait_for_url(re.compile(r"/(training|staff/)$"))
            signed_in[role] = context.cookies()
            context.close()
        return signed_in[role]

    return cookies
