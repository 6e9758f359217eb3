"""Measure Mentor Ready's pages against a bare Flask route, both under gunicorn, loaded by wrk.

Usage: .venv/bin/python bench/run_bench.py [--mentors 100,10000] [--rounds 3] [--seconds 5]

For each database (SQLite; PostgreSQL too when BENCH_POSTGRES_URL names a server) and each size it
fills a bench database with bench/generate.py (kept under bench/.data and reused; --fresh
rebuilds), counts the SQL queries of one request of each page in-process, starts the app and the
bare route (bench/bare.py) with the same gunicorn settings on free 127.0.0.1 ports, then for each
page runs wrk against the bare route and the page in turn: a warm-up, then ROUNDS rounds, each
giving a ratio (page req/s / bare req/s in that round); the median is printed. The quiz cycle
(start + page + submit) is driven by a small Python client instead (see bench/README.md).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyotp
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
SECRET_KEY = "bench-only-secret-7d0c4f2a9b1e8a63c5d4"  # noqa: S105 - loopback bench databases
DATA = ROOT / "bench" / ".data"
STAFF_PAGES = ("staff roster", "staff dashboard", "roster CSV", "mentor detail")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on port {port} did not start")


# Databases ---------------------------------------------------------------------------------------


def database_url(backend: str, mentors: int, fresh: bool) -> str:
    """The bench database for `backend` and size, created and filled when missing."""
    if backend == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        path = DATA / f"bench-{mentors}.db"
        if fresh and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
    else:
        server = os.environ["BENCH_POSTGRES_URL"]
        name = f"bench_scale_{mentors}"
        parts = urlsplit(server)
        maintenance = urlunsplit(parts._replace(path="/postgres"))
        engine = sa.create_engine(
            maintenance.replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )
        with engine.connect() as connection:
            exists = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if exists and fresh:
                connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                exists = None
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = urlunsplit(parts._replace(path=f"/{name}"))
    env = server_env(url)
    check = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate.py"),
            "--mentors",
            str(mentors),
            "--if-empty",
        ],
        env=env,
        cwd=ROOT,
        text=True,
        capture_output=True,
    )
    if check.returncode != 0:
        raise SystemExit(f"generating {mentors} mentors failed:\n{check.stdout}\n{check.stderr}")
    print(check.stdout.rstrip(), flush=True)
    tidy(url)
    return url


def tidy(url: str) -> None:
    """VACUUM and ANALYZE the database before measuring, as autovacuum does on a production
    server: a reused bench database carries the rows earlier runs rewrote (a change of course
    re-evaluates every stored standing), and this machine's PostgreSQL runs with autovacuum off."""
    engine = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as connection:
        connection.execute(sa.text("VACUUM"))
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()


def server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "FLASK_APP": "app",
        "MENTOR_READY_ENV": "development",
        "DATABASE_URL": url,
        "RATELIMIT_ENABLED": "false",
        "SECRET_KEY": SECRET_KEY,
    }


# In-process: sign-ins, query counts, targets ------------------------------------------------------


@dataclass
class Probe:
    """What the load step needs from the app: cookies, paths, query counts, single-request times."""

    mentor_cookie: str = ""
    staff_cookie: Callable[[], str] = lambda: ""
    paths: dict[str, str] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    quiz: Callable[[int], list[QuizMentor]] = lambda n: []


@dataclass
class QuizMentor:
    cookie: str
    csrf: str
    slug: str
    answers: Callable[[int], dict[str, list[str]]]


class _FreshGlobalsClient(FlaskClient):
    """Each request starts with an empty `g`, as in production, though an app context stays open.

    Without this Flask-Login's user would carry from one client's request to the next.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        values = g._get_current_object().__dict__
        saved = dict(values)
        values.clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            values.clear()
            values.update(saved)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def probe(url: str) -> tuple[Probe, Callable[[], None]]:
    """Build the app in this process on `url` and learn what each page costs once."""
    from app import create_app
    from app.extensions import db
    from app.models import Certificate, QuizAttempt, StaffSecondFactor, User
    from app.services import quizzes, second_factor
    from app.web import current_course
    from config import DevelopmentConfig

    config = type(
        "BenchConfig",
        (DevelopmentConfig,),
        {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "SECRET_KEY": SECRET_KEY},
    )
    app = create_app(config)
    app.test_client_class = _FreshGlobalsClient
    context = app.app_context()
    context.push()
    counter = {"n": 0}

    @sa.event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        counter["n"] += 1

    def sign_in(client, email: str) -> None:
        html = client.get("/sign-in").get_data(as_text=True)
        response = client.post(
            "/sign-in",
            data={
                "email": email,
                "password": "demo mentor password 2026",
                "csrf_token": _csrf(html),
            },
        )
        assert response.status_code == 302, (email, response.status_code)
        if not response.location.endswith("/sign-in/code"):
            return
        user = db.session.scalar(sa.select(User).where(User.email == email))
        key = app.config.get("SECOND_FACTOR_KEY") or app.config["SECRET_KEY"]
        factor = second_factor.factor_for(db.session, user.id)
        if factor is None or factor.enrolled_at is None:
            secret = second_factor.begin_enrolment(db.session, user, key)
            second_factor.confirm_enrolment(db.session, user.id, pyotp.TOTP(secret).now(), key)
        # A bench signs in more often than every 30 s: forget the last step used (bench data only).
        db.session.execute(
            sa.update(StaffSecondFactor)
            .where(StaffSecondFactor.user_id == user.id)
            .values(last_used_step=None, failed_attempts=0, locked_until=None)
        )
        db.session.commit()
        factor = second_factor.factor_for(db.session, user.id)
        db.session.refresh(factor)
        secret = second_factor._secret(factor, key)
        html = client.get("/sign-in/code").get_data(as_text=True)
        response = client.post(
            "/sign-in/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": _csrf(html)}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    def cookie_of(client) -> str:
        return f"session={client.get_cookie('session').value}"

    def count(client, method: str, path: str, **kwargs: object) -> tuple[int, float, object]:
        db.session.remove()
        counter["n"] = 0
        began = time.perf_counter()
        response = client.open(path, method=method, **kwargs)
        response.get_data()
        return counter["n"], time.perf_counter() - began, response

    result = Probe()
    course = current_course()
    # A certified mentor of the largest type: their pages show the most.
    holder = db.session.execute(
        sa.select(User.email, User.id, Certificate.code)
        .join(Certificate, Certificate.user_id == User.id)
        .where(User.mentor_type == "community_volunteer", Certificate.valid_until > sa.func.now())
        .order_by(Certificate.id.desc())
        .limit(1)
    ).one()
    mentor = app.test_client()
    sign_in(mentor, holder.email)
    result.mentor_cookie = cookie_of(mentor)
    module = course.modules_for("community_volunteer")[0].slug
    staff = app.test_client()
    sign_in(staff, "coordinator@example.org")

    def staff_cookie() -> str:
        fresh = app.test_client()
        sign_in(fresh, "coordinator@example.org")
        return cookie_of(fresh)

    result.staff_cookie = staff_cookie
    result.paths = {
        "module page, signed in": f"/modules/{module}",
        "My training": "/training",
        "public verify page": f"/verify/{holder.code}",
        "verify API": f"/api/v1/certificates/{holder.code}",
        "staff roster": "/staff/mentors",
        "staff dashboard": "/staff/",
        "roster CSV": "/staff/mentors.csv",
        "mentor detail": f"/staff/mentors/{holder.id}",
    }
    for label, path in result.paths.items():
        client = staff if label in STAFF_PAGES else mentor
        if label.startswith(("public", "verify")):
            client = app.test_client()
        count(client, "GET", path)  # warm caches (content, program profile) first
        queries, seconds, response = count(client, "GET", path)
        assert response.status_code == 200, (label, response.status_code)
        result.queries[label], result.seconds[label] = queries, seconds

    # The quiz cycle: a certified mentor retakes a quiz they passed (start, page, submit).
    quiz_slug = next(
        m.slug for m in course.modules_for("community_volunteer") if course.quiz(m.slug)
    )
    quiz = course.quiz(quiz_slug)

    def answers(attempt_id: int) -> dict[str, list[str]]:
        with app.app_context():
            attempt = db.session.get(QuizAttempt, attempt_id)
            form = {
                item.field: [
                    quizzes._token(attempt.salt, item.question.id, option_id)
                    for option_id in sorted(item.question.correct_ids)
                ]
                for item in quizzes.drawn_questions(attempt, quiz)
            }
            db.session.remove()
            return form

    def quiz_mentors(number: int) -> list[QuizMentor]:
        emails = db.session.scalars(
            sa.select(User.email)
            .join(Certificate, Certificate.user_id == User.id)
            .where(
                User.mentor_type == "community_volunteer", Certificate.valid_until > sa.func.now()
            )
            .order_by(Certificate.id)
            .limit(number)
        ).all()
        found = []
        for email in emails:
            client = app.test_client()
            sign_in(client, email)
            html = client.get(f"/modules/{quiz_slug}/quiz").get_data(as_text=True)
            found.append(QuizMentor(cookie_of(client), _csrf(html), quiz_slug, answers))
        return found

    result.quiz = quiz_mentors
    cycle_client = app.test_client()
    [cycler] = quiz_mentors(1)
    cycle_client.set_cookie("session", cycler.cookie.split("=", 1)[1])
    started, seconds_start, response = count(
        cycle_client, "POST", f"/modules/{quiz_slug}/quiz", data={"csrf_token": cycler.csrf}
    )
    attempt_path = response.location
    page, seconds_page, _ = count(cycle_client, "GET", attempt_path)
    attempt_id = int(attempt_path.rstrip("/").rsplit("/", 1)[1])
    submitted, seconds_submit, response = count(
        cycle_client,
        "POST",
        attempt_path,
        data={"csrf_token": cycler.csrf, **answers(attempt_id)},
    )
    assert response.status_code == 302 and "/result" in response.location, response.status_code
    result.queries["quiz cycle"] = started + page + submitted
    result.seconds["quiz cycle"] = seconds_start + seconds_page + seconds_submit
    db.session.remove()

    def close() -> None:
        db.session.remove()
        db.engine.dispose()
        context.pop()

    return result, close


# Load ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str, seconds: float, connections: int, threads: int, cookie: str = "", timeout: float = 10
) -> Run:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        f"--timeout={max(2, round(timeout))}s",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        bad += sum(int(n) for n in errors.groups())
    return Run(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(latency["50"]) if "50" in latency else float("nan"),
        p99_ms=_ms(latency["99"]) if "99" in latency else float("nan"),
        requests=requests,
        bad=bad,
    )


def nearest_rank(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values (the largest of two for p99)."""
    return ordered[max(0, min(len(ordered), math.ceil(share * len(ordered))) - 1)]


def quiz_load(port: int, mentors: list[QuizMentor], seconds: float) -> Run:
    """Each client thread is one mentor retaking a quiz: start, the attempt page, a passing submit."""
    latencies: list[float] = []
    bad = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(mentor: QuizMentor) -> None:
        nonlocal bad
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        mine: list[float] = []
        failed = 0

        def call(method: str, path: str, body: dict[str, list[str]] | None = None):
            headers = {"Cookie": mentor.cookie}
            data = None
            if body is not None:
                from urllib.parse import urlencode

                data = urlencode(body, doseq=True)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            began = time.perf_counter()
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - began)
            return response

        while time.monotonic() < deadline:
            start = call("POST", f"/modules/{mentor.slug}/quiz", {"csrf_token": [mentor.csrf]})
            location = start.getheader("Location", "")
            if start.status != 302 or "/attempts/" not in location:
                failed += 1
                break
            path = urlsplit(location).path
            page = call("GET", path)
            if page.status != 200:
                failed += 1
            attempt_id = int(path.rstrip("/").rsplit("/", 1)[1])
            submit = call("POST", path, {"csrf_token": [mentor.csrf], **mentor.answers(attempt_id)})
            if submit.status != 302 or "/result" not in submit.getheader("Location", ""):
                failed += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            bad += failed

    threads = [threading.Thread(target=worker, args=(m,)) for m in mentors]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return Run(
        rps=len(latencies) / elapsed,
        p50_ms=1000 * statistics.median(latencies) if latencies else float("nan"),
        p99_ms=1000 * nearest_rank(latencies, 0.99) if latencies else float("nan"),
        requests=len(latencies),
        bad=bad,
    )


def counted_load(port: int, path: str, cookie: str, clients: int, each: int) -> Run:
    """`clients` clients at once, each making `each` requests in turn: for pages taking seconds."""
    latencies: list[float] = []
    bad = 0
    lock = threading.Lock()

    def client() -> None:
        nonlocal bad
        for _ in range(each):
            connection = http.client.HTTPConnection(HOST, port, timeout=600)
            began = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            with lock:
                latencies.append(time.perf_counter() - began)
                bad += response.status != 200
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return Run(
        rps=len(latencies) / elapsed,
        p50_ms=1000 * statistics.median(latencies),
        p99_ms=1000 * nearest_rank(latencies, 0.99),
        requests=len(latencies),
        bad=bad,
    )


def first_byte(port: int, path: str, cookie: str) -> tuple[float, float]:
    """Seconds to the first body byte and to the last, one request alone."""
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    began = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    response.read(1)
    first = time.perf_counter() - began
    response.read()
    total = time.perf_counter() - began
    connection.close()
    return first, total


def drain(port: int, workers: int) -> None:
    """Wait until requests wrk left queued are done, so they do not slow the next round."""
    for _ in range(workers):
        first_byte(port, "/healthz", "")


def start_gunicorn(app_spec: str, env: dict[str, str], workers: int, chdir: Path) -> tuple:
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(chdir),
            app_spec,
        ],
        env=env,
        cwd=ROOT,
    )
    wait_for(port)
    # Workers import the app after the socket opens: wait until both answer.
    for _ in range(2 * workers):
        connection = http.client.HTTPConnection(HOST, port, timeout=120)
        connection.request("GET", "/")
        connection.getresponse().read()
        connection.close()
    return process, port


@dataclass
class Row:
    page: str
    ratio: float
    rps: float
    bare_rps: float
    p50_ms: float
    p99_ms: float
    queries: int
    bad: int
    rounds: int
    note: str = ""


def measure(backend: str, mentors: int, args: argparse.Namespace) -> list[Row]:
    url = database_url(backend, mentors, args.fresh)
    found, close = probe(url)
    env = server_env(url)
    app_server, app_port = start_gunicorn("app:create_app()", env, args.workers, ROOT)
    bare_server, bare_port = start_gunicorn("bare:app", env, args.workers, ROOT / "bench")
    bare_url = f"http://{HOST}:{bare_port}/"
    rows: list[Row] = []
    try:
        pages = [*found.paths.items(), ("quiz cycle", "")]
        for label, path in pages:
            if args.pages and not any(p in label for p in args.pages):
                continue
            alone = found.seconds[label]
            slow = alone > 0.5
            # A page that takes seconds alone gets a fixed number of requests from 2 clients at
            # once (a timed wrk run could end before any finished); the bare route is loaded by
            # wrk with the same 2 connections in the same round.
            connections, threads = (2, 1) if slow else (args.connections, args.threads)
            seconds, rounds = args.seconds, args.slow_rounds if slow else args.rounds
            cookie = ""
            if label in STAFF_PAGES:
                cookie = found.staff_cookie()
            elif not label.startswith(("public", "verify")):
                cookie = found.mentor_cookie
            target = f"http://{HOST}:{app_port}{path}"
            quiz_mentors = found.quiz(args.quiz_clients) if label == "quiz cycle" else []

            def load(
                duration: float,
                target: str = target,
                connections: int = connections,
                threads: int = threads,
                cookie: str = cookie,
                alone: float = alone,
                slow: bool = slow,
                path: str = path,
                quiz_mentors: list[QuizMentor] = quiz_mentors,
            ) -> Run:
                if quiz_mentors:
                    return quiz_load(app_port, quiz_mentors, duration)
                if slow:
                    return counted_load(app_port, path, cookie, connections, args.slow_requests)
                run = wrk(
                    target, duration, connections, threads, cookie, timeout=max(10, 3 * alone + 5)
                )
                drain(app_port, args.workers)
                return run

            # Warm-up; a page that takes seconds is warm after its first request of the round.
            wrk(bare_url, args.warmup, connections, threads)
            if not slow:
                load(args.warmup)
            ratios, runs, bares = [], [], []
            for _ in range(rounds):
                bare = wrk(bare_url, seconds, connections, threads)
                run = load(seconds)
                ratios.append(run.rps / bare.rps if bare.rps else float("nan"))
                runs.append(run)
                bares.append(bare.rps)
            note = f"{connections} conn, {seconds:.0f} s x {rounds}"
            if slow:
                note = (
                    f"{connections} clients x {args.slow_requests} request(s) x {rounds} "
                    "(Python client)"
                )
            if label == "roster CSV":
                ttfb, total = first_byte(app_port, path, cookie)
                note += f"; alone: first byte {1000 * ttfb:.0f} ms, all {1000 * total:.0f} ms"
            if label == "quiz cycle":
                note = (
                    f"Python client, {len(quiz_mentors)} mentors at once, {seconds:.0f} s x "
                    f"{rounds}, per request"
                )
            rows.append(
                Row(
                    page=label,
                    ratio=statistics.median(ratios),
                    rps=statistics.median(r.rps for r in runs),
                    bare_rps=statistics.median(bares),
                    p50_ms=statistics.median(r.p50_ms for r in runs),
                    p99_ms=statistics.median(r.p99_ms for r in runs),
                    queries=found.queries[label],
                    bad=sum(r.bad for r in runs),
                    rounds=rounds,
                    note=note,
                )
            )
            print(f"  {format_row(rows[-1])}", flush=True)
    finally:
        for server in (app_server, bare_server):
            server.terminate()
            server.wait(timeout=30)
        close()
    return rows


def sig3(value: float) -> str:
    return "nan" if value != value else f"{value:.3g}"


HEADER = (
    f"| {'page':24} | {'ratio':>7} | {'req/s':>7} | {'bare req/s':>10} | {'p50 ms':>7} | "
    f"{'p99 ms':>7} | {'queries':>7} | {'bad':>4} | notes |"
)


def format_row(row: Row) -> str:
    return (
        f"| {row.page:24} | {sig3(row.ratio):>7} | {sig3(row.rps):>7} | {row.bare_rps:10.0f} | "
        f"{row.p50_ms:7.1f} | {row.p99_ms:7.1f} | {row.queries:7d} | {row.bad:4d} | {row.note} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", default="100", help="sizes, comma-separated (100,10000)")
    parser.add_argument(
        "--backends",
        default="",
        help="sqlite,postgresql (default: sqlite, and postgresql when BENCH_POSTGRES_URL is set)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="per round and page")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--slow-rounds", type=int, default=1, help="rounds for pages that take over 0.5 s alone"
    )
    parser.add_argument(
        "--slow-requests",
        type=int,
        default=1,
        help="requests per client and round for those pages",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quiz-clients", type=int, default=4)
    parser.add_argument("--pages", default="", help="only pages whose label has one of these")
    parser.add_argument("--fresh", action="store_true", help="regenerate the bench databases")
    parser.add_argument("--json", default="", help="also write the results to this file")
    args = parser.parse_args()
    args.pages = [p for p in args.pages.split(",") if p]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make bench` installs Debian's package")
    backends = [b for b in args.backends.split(",") if b] or (
        ["sqlite", "postgresql"] if os.environ.get("BENCH_POSTGRES_URL") else ["sqlite"]
    )
    if "postgresql" in backends and not os.environ.get("BENCH_POSTGRES_URL"):
        raise SystemExit("set BENCH_POSTGRES_URL=postgresql://user@host:port/ for PostgreSQL")
    sizes = [int(n) for n in args.mentors.split(",")]
    machine = (
        f"{platform.node()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}; load average "
        + ", ".join(f"{n:.1f}" for n in os.getloadavg())
    )
    print(
        f"gunicorn {args.workers} sync workers for the app and the bare route; wrk "
        f"-t{args.threads} -c{args.connections}, {args.rounds} rounds of {args.seconds:g} s "
        "after a warm-up; ratio = page req/s / bare req/s in the same round (median)"
    )
    results: dict[str, dict[int, list[Row]]] = {}
    for backend in backends:
        for size in sizes:
            print(f"\n## {backend}, {size} mentors", flush=True)
            print(HEADER)
            results.setdefault(backend, {})[size] = measure(backend, size, args)
            print("load average after: " + ", ".join(f"{n:.1f}" for n in os.getloadavg()))
    print()
    for backend, by_size in results.items():
        print(f"\n## {backend}\n{HEADER}")
        for size, rows in by_size.items():
            for row in rows:
                print(format_row(Row(**{**row.__dict__, "page": f"{row.page} ({size})"})))
        smallest = min(by_size)
        for size in sorted(by_size):
            if size == smallest:
                continue
            base = {r.page: r for r in by_size[smallest]}
            costs = [
                f"{row.page} {sig3(base[row.page].ratio / row.ratio)}x"
                for row in by_size[size]
                if row.page in STAFF_PAGES and row.page in base and row.ratio
            ]
            print(f"cost {size}/{smallest} (per request, from the ratios): " + ", ".join(costs))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    b: {s: [r.__dict__ for r in rows] for s, rows in v.items()}
                    for b, v in results.items()
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
