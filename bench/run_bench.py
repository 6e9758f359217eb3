"""Measure Mentor Ready under gunicorn, loaded from a second process on 127.0.0.1 only.

Usage: .venv/bin/python bench/run_bench.py [--mentors 300] [--seconds 5] [--concurrency 8]

It builds a fresh SQLite database (or uses BENCH_DATABASE_URL), fills it with `flask demo seed`,
starts gunicorn on a free loopback port, signs in a mentor and a coordinator, then loads each page
for a fixed time. Every result is printed as a ratio against the bare /healthz route measured in the
same run, so numbers from different machines can be compared.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pyotp

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
FIND_CODE = (
    "import sqlalchemy as sa\n"
    "from app import create_app\n"
    "from app.extensions import db\n"
    "from app.models import Certificate\n"
    "with create_app().app_context():\n"
    "    print(db.session.scalar(sa.select(Certificate.code).limit(1)) or '')\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Client:
    """A tiny cookie-keeping HTTP client for loopback only."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, dict(response.getheaders()), text

    def sign_in(self, email: str, password: str) -> None:
        _, _, page = self.request("GET", "/sign-in")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, headers, _ = self.request(
            "POST", "/sign-in", {"email": email, "password": password, "csrf_token": token}
        )
        if status != 302:
            raise SystemExit(f"could not sign in as {email} (status {status})")
        if headers.get("Location", "").endswith("/sign-in/code"):
            self.set_up_authenticator(token)

    def set_up_authenticator(self, token: str) -> None:
        """Staff in a fresh database set up their second factor at the first sign-in."""
        _, _, page = self.request("GET", "/sign-in/set-up-app")
        key = re.search(r'id="second-factor-key">([A-Z2-7 ]+)<', page)
        if key is None:
            raise SystemExit("the staff account has a second factor already; use a fresh database")
        code = pyotp.TOTP(key.group(1).replace(" ", "")).now()
        status, _, _ = self.request(
            "POST", "/sign-in/set-up-app", {"code": code, "csrf_token": token}
        )
        if status != 200:
            raise SystemExit(f"could not set up the second factor (status {status})")


def load(
    port: int, path: str, cookies: dict[str, str], seconds: float, concurrency: int
) -> dict[str, float]:
    """Requests per second and latency percentiles for GET `path`."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())

    def worker() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
    }


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="mentor-ready-bench-"))
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}"),
        "RATELIMIT_ENABLED": "false",
        "SECRET_KEY": "bench-" + "x" * 40,
    }
    flask = str(BIN / "flask")
    subprocess.run([flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    print(f"Seeding {args.mentors} mentors...", flush=True)
    subprocess.run(
        [flask, "demo", "seed", "--mentors", str(args.mentors)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(args.workers),
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
            "app:create_app()",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_for(port)
        mentor, staff = Client(port), Client(port)
        mentor.sign_in("mentor1@example.org", "demo mentor password 2026")
        staff.sign_in("coordinator@example.org", "demo mentor password 2026")
        code = subprocess.run(
            [str(BIN / "python"), "-c", FIND_CODE],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        _, _, training = mentor.request("GET", "/training")
        module = re.search(r'href="(/modules/[a-z0-9-]+)"', training).group(1)

        targets = [
            ("bare route /healthz", "/healthz", {}),
            ("landing page", "/", {}),
            ("My training (mentor)", "/training", mentor.cookies),
            ("module page (mentor)", module, mentor.cookies),
            ("staff dashboard", "/staff/", staff.cookies),
            (f"staff roster ({args.mentors} mentors)", "/staff/mentors", staff.cookies),
        ]
        if code:
            targets += [
                ("public verification page", f"/verify/{code}", {}),
                ("verification API", f"/api/v1/certificates/{code}", {}),
            ]
        results = {}
        for label, path, cookies in targets:
            results[label] = load(port, path, cookies, args.seconds, args.concurrency)
        bare = results["bare route /healthz"]["rps"]
        print(f"\n{'page':38} {'req/s':>8} {'x bare':>7} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
        for label, result in results.items():
            print(
                f"{label:38} {result['rps']:8.1f} {result['rps'] / bare:7.2f} "
                f"{result['p50_ms']:8.1f} {result['p95_ms']:8.1f} {result['errors']:7d}"
            )
        print(
            f"\n{args.workers} gunicorn workers, {args.concurrency} concurrent clients, {args.seconds:.0f} s per page, "
            f"{os.cpu_count()} CPUs; ratios are throughput relative to /healthz in this same run."
        )
        if args.json:
            print(json.dumps(results, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
