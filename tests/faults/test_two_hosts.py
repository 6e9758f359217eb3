"""Two app hosts on one PostgreSQL and one Redis: nothing relies on a single process.

Two gunicorn instances on two ports share the test database and the Redis on 6379 (under a key
prefix of their own). A session started on one works on the other, a rate limit counts requests
to both, twenty final quiz submissions split across both issue exactly one certificate, two
`flask outbox send` run at once send each message once, and two `flask standing refresh` run at
once evaluate each stored standing once.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Certificate, MentorStanding, OutboxMessage, User, utcnow
from app.services import outbox, passwords, progress, quizzes
from app.web import current_course
from tests.conftest import FIXTURE_COURSE, PROJECT
from tests.factories import PASSWORD, make_user
from tests.faults.servers import _wait_for_port, free_port
from tests.services.test_quizzes import answers_for
from tests.smtp_server import LocalSmtpServer

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
REDIS = ("127.0.0.1", 6379)
# A Redis database of its own, so other users of the shared Redis are not disturbed.
REDIS_DB = 11
SECRET = "two-hosts-secret-" + "4f9c2a7e1b8d3c6a"


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def app_config(fixture_app_config, database_url: str) -> dict[str, object]:
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "!!! TWO-HOST TEST NOT RUN: it needs PostgreSQL (several hosts never share a SQLite "
            "file); run the PostgreSQL leg (MENTOR_READY_TEST_DB=postgresql) to prove it !!!"
        )
    if not _redis_answers():
        pytest.skip("!!! TWO-HOST TEST NOT RUN: no Redis answers on 127.0.0.1:6379 !!!")
    return fixture_app_config


class Host:
    """One gunicorn instance of the app."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "app:create_app()",
            ],
            env=env,
            cwd=PROJECT,
        )

    def ready(self) -> None:
        _wait_for_port(self.port, up=True, seconds=60)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Browser:
    """A cookie-keeping client that may talk to any host, as a browser behind a proxy would."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.lock = threading.Lock()

    def request(
        self, host: Host, method: str, path: str, form: dict[str, object] | None = None
    ) -> tuple[int, str, str]:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", host.port, timeout=60)
        with self.lock:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        with self.lock:
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
        connection.close()
        return response.status, urlsplit(response.getheader("Location", "")).path, text


def on_both_hosts(command: list[str], env: dict[str, str], timeout: int) -> list[str]:
    """Run one `flask` command as two hosts' timers would, at the same moment; their outputs."""
    runs = [
        subprocess.Popen(
            [str(BIN / "flask"), *command],
            env=env,
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = []
    for run in runs:
        out, err = run.communicate(timeout=timeout)
        assert run.returncode == 0, err.decode()
        outputs.append(out.decode())
    return outputs


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.fixture
def hosts(app, database_url: str) -> Iterator[tuple[Host, Host]]:
    env = {
        **os.environ,
        "MENTOR_READY_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "MODULES_DIR": str(FIXTURE_COURSE / "modules"),
        "QUIZZES_DIR": str(FIXTURE_COURSE / "quizzes"),
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "VERIFY_RATE_LIMIT": "4 per minute",
        "SIGN_IN_RATE_LIMIT": "100 per minute",
    }
    # Counters of an earlier run in the same minute would lower the budget: start from none.
    _forget_limits()
    pair = (Host(env), Host(env))
    try:
        for host in pair:
            host.ready()
        yield pair
    finally:
        for host in pair:
            host.stop()
        _forget_limits()


def _forget_limits() -> None:
    import redis

    client = redis.Redis(*REDIS, db=REDIS_DB, socket_timeout=2)
    found = list(client.scan_iter("LIMITS*"))
    if found:
        client.delete(*found)
    client.close()


def _sign_in(browser: Browser, host: Host, email: str) -> None:
    _, _, page = browser.request(host, "GET", "/sign-in")
    status, location, _ = browser.request(
        host, "POST", "/sign-in", {"email": email, "password": PASSWORD, "csrf_token": _csrf(page)}
    )
    assert status == 302 and location == "/training", (status, location)


def test_two_hosts_share_sessions_limits_certificates_and_the_outbox(
    app, hosts: tuple[Host, Host], database_url: str
) -> None:
    a, b = hosts
    course = current_course()
    mentor = make_user(name="Rowan Two-Hosts")
    mentor_id = mentor.id

    # A session started on one host works on the other.
    browser = Browser()
    _sign_in(browser, a, mentor.email)
    status, _, page = browser.request(b, "GET", "/training")
    assert status == 200 and "Rowan" in page

    # A rate limit counts requests to both hosts: 4 a minute, alternating, the fifth is refused.
    visitor = Browser()
    answers = [
        visitor.request(host, "GET", "/verify/ABCD-EFGH-JKMN-PQRS")[0] for host in (a, b, a, b, a)
    ]
    assert answers == [404, 404, 404, 404, 429], answers

    # Twenty final submissions of one attempt, split across both hosts: one certificate.
    progress.mark_read(db.session, mentor_id, course, "alpha")
    first = quizzes.start_attempt(db.session, mentor_id, course, "alpha")
    quizzes.submit_attempt(db.session, mentor_id, first.id, answers_for(first), course)
    progress.mark_read(db.session, mentor_id, course, "beta")
    last = quizzes.start_attempt(db.session, mentor_id, course, "beta")
    form = {**answers_for(last)}
    _, _, page = browser.request(a, "GET", f"/attempts/{last.id}")
    form["csrf_token"] = _csrf(page)
    barrier = threading.Barrier(20)
    outcomes: list[tuple[int, str]] = []

    def submit(host: Host) -> None:
        barrier.wait()
        status, location, _ = browser.request(host, "POST", f"/attempts/{last.id}", form)
        outcomes.append((status, location))

    threads = [threading.Thread(target=submit, args=((a, b)[n % 2],)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 20
    assert {status for status, _ in outcomes} == {302}, outcomes
    assert {location for _, location in outcomes} == {f"/attempts/{last.id}/result"}, outcomes
    db.session.expire_all()
    issued = db.session.scalars(sa.select(Certificate).where(Certificate.user_id == mentor_id))
    assert len(issued.all()) == 1

    # Two `flask outbox send` at once (as on two hosts): every message goes out exactly once.
    subjects = [f"Two hosts {n} {uuid.uuid4().hex[:6]}" for n in range(30)]
    for subject in subjects:
        outbox.enqueue(db.session, "someone@example.org", subject, "Hello.")
    db.session.commit()
    with LocalSmtpServer() as sink:
        env = {
            **os.environ,
            "FLASK_APP": "app",
            "MENTOR_READY_ENV": "development",
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(sink.port),
            "MAIL_USE_TLS": "false",
        }
        on_both_hosts(["outbox", "send"], env, timeout=60)
        received = sink.subjects()
    mine = sorted(s for s in received if s.startswith("Two hosts"))
    assert mine == sorted(subjects), (len(mine), len(subjects))
    db.session.expire_all()
    unsent = db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))
    )
    assert unsent == 0


def test_two_hosts_refreshing_stored_standings_at_once_evaluate_each_row_once(
    app, database_url: str
) -> None:
    """`flask standing refresh` from a timer on every host: the rows due are shared out, never
    evaluated twice, and a run after them finds nothing to do."""
    hashed = passwords.hash_password("not used by these mentors")
    now = utcnow()
    count = 1_500  # three batches: both hosts get some
    db.session.execute(
        sa.insert(User),
        [
            {
                "email": f"refresh{i}@example.org",
                "name": f"Refresh Mentor{i:05d}",
                "password_hash": hashed,
                "role": "mentor",
                "mentor_type": "community_volunteer",
                "session_token": f"refresh-token-{i}",
                "created_at": now,
                "password_changed_at": now,
            }
            for i in range(count)
        ],
    )
    db.session.commit()
    due = db.session.scalar(sa.select(sa.func.count()).where(MentorStanding.changes_at <= utcnow()))
    assert due >= count
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "MENTOR_READY_ENV": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "MODULES_DIR": str(FIXTURE_COURSE / "modules"),
        "QUIZZES_DIR": str(FIXTURE_COURSE / "quizzes"),
    }

    def refresh_on_both() -> list[int]:
        counts = []
        for out in on_both_hosts(["standing", "refresh"], env, timeout=300):
            found = re.search(r"Refreshed (\d+) standing", out)
            counts.append(int(found.group(1)) if found else 0)
        return counts

    counts = refresh_on_both()
    assert sum(counts) == due, counts
    assert refresh_on_both() == [0, 0]
    db.session.expire_all()
    assert not db.session.scalar(
        sa.select(sa.func.count()).where(MentorStanding.changes_at <= utcnow())
    )
