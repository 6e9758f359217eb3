"""The README's first steps work as written: the port, the demo logins, the Python version."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import demo
from app.extensions import db
from app.models import User
from app.services import accounts

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def make_dry_run(*args: str, env: dict[str, str] | None = None) -> str:
    """The commands `make run` would run, without running them."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        [make, "-n", "-W", ".venv/.installed", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return result.stdout


def test_make_run_serves_on_the_port_given_and_base_url_follows_it() -> None:
    lines = make_dry_run("PORT=5301").splitlines()
    [serve] = [line for line in lines if "flask run" in line]
    assert "--port 5301" in serve
    assert 'BASE_URL="${BASE_URL:-http://127.0.0.1:5301}"' in serve
    [default] = [line for line in make_dry_run().splitlines() if "flask run" in line]
    assert "--port 5000" in default and "http://127.0.0.1:5000" in default


def test_a_base_url_that_is_set_wins_over_the_port() -> None:
    serve = next(line for line in make_dry_run("PORT=5301").splitlines() if "flask run" in line)
    completed = subprocess.run(
        ["sh", "-c", serve.replace(".venv/bin/flask run", 'echo "$BASE_URL" #')],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        env={"BASE_URL": "https://training.example.org", "PATH": "/usr/bin:/bin"},
    )
    assert completed.stdout.strip() == "https://training.example.org"


def test_the_readme_prints_the_demo_logins_that_demo_seed_creates(runner) -> None:
    assert f"`{demo.DEMO_PASSWORD}`" in README
    for address in ("coordinator@example.org", "admin@example.org", "mentor1@example.org"):
        assert f"`{address}`" in README
    assert "mentorN@example.org" in README
    result = runner.invoke(args=["demo", "seed", "--mentors", "3"])
    assert result.exit_code == 0, result.output
    emails = set(db.session.scalars(sa.select(User.email)))
    assert emails == {
        "coordinator@example.org",
        "admin@example.org",
        "mentor1@example.org",
        "mentor2@example.org",
        "mentor3@example.org",
    }
    mentor = accounts.find_by_email(db.session, "mentor3@example.org")
    assert accounts.authenticate(db.session, mentor.email, demo.DEMO_PASSWORD) is not None


def test_the_readme_states_the_python_version_the_project_requires() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'requires-python = ">=(3\.\d+)"', pyproject).group(1)
    assert f"Python {version} or newer" in README


def test_the_first_steps_say_to_use_a_second_terminal() -> None:
    first_steps = README[README.index("## First steps") :]
    assert "second terminal" in first_steps[: first_steps.index("```")]
