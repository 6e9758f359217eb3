"""`flask content check` runs as a real command even when broken content stops the app starting."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURE_COURSE, PROJECT

FLASK = str(Path(sys.executable).parent / "flask")


def run_flask(*args: str, course: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "MODULES_DIR": str(course / "modules"),
        "QUIZZES_DIR": str(course / "quizzes"),
        "DATABASE_URL": f"sqlite:///{workdir / 'check.db'}",
    }
    return subprocess.run(
        [FLASK, *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_checker_names_mistakes_while_the_app_refuses_to_start(tmp_path: Path) -> None:
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    quiz = course / "quizzes" / "alpha.yaml"
    quiz.write_text(quiz.read_text().replace("pass_mark: 75", "pass_mark: 0"))

    checked = run_flask("content", "check", course=course, workdir=tmp_path)
    assert checked.returncode == 1
    expected = f"{quiz}:2: 'pass_mark' must be between 1 and 100 (found 0)"
    assert checked.stdout.splitlines() == [expected]

    started = run_flask("db", "upgrade", course=course, workdir=tmp_path)
    assert started.returncode != 0
    assert expected in started.stderr


def test_the_checker_summarises_valid_content_in_one_line(tmp_path: Path) -> None:
    checked = run_flask("content", "check", course=FIXTURE_COURSE, workdir=tmp_path)
    assert checked.returncode == 0
    lines = checked.stdout.splitlines()
    assert lines[0] == "OK: Fixture Course test-1: 3 modules, 3 quizzes, 8 questions."
    # The translation report follows the summary: one line per language, then per module.
    assert lines[1] == "Español (es): 0 of 3 modules translated."
    assert len(lines) == 5


def test_the_checker_refuses_a_module_version_bump_without_a_summary(tmp_path: Path) -> None:
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    path = course / "modules" / "course.yaml"
    path.write_text(
        path.read_text().replace(
            "  - slug: beta\n    required_for: all\n",
            "  - slug: beta\n    required_for: all\n    version: 2\n",
        )
    )
    checked = run_flask("content", "check", course=course, workdir=tmp_path)
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [
        f"{path}:10: version 2 needs a change with a date and a one-line summary for "
        "version 2 (what certified mentors must know)"
    ]
