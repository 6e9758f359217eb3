"""The `flask` commands: users create, and content check (plus start-up on broken content)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskCliRunner

from app import StartupError, create_app
from app.extensions import db
from app.models import User
from app.services import passwords
from tests.conftest import FIXTURE_COURSE, PROJECT, config_for
from tests.factories import make_user

GOOD_PASSWORD = "granite tulip comet harbour"


def user_count() -> int:
    """How many accounts exist."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def stored(email: str) -> User | None:
    """The account stored under exactly this email."""
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def create_user(runner: FlaskCliRunner, *args: str, password: str = GOOD_PASSWORD):
    """Run `flask users create ... --password-stdin` with `password` on standard input."""
    return runner.invoke(args=["users", "create", *args, "--password-stdin"], input=password + "\n")


# --- flask users create ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["mentor", "staff", "admin"])
def test_users_create_makes_an_account_with_that_role(runner: FlaskCliRunner, role: str) -> None:
    result = create_user(
        runner, "Coordinator@Example.org", "--name", "Ana Coordinator", "--role", role
    )
    assert result.exit_code == 0, result.output
    assert f"Created {role} account coordinator@example.org" in result.output
    user = stored("coordinator@example.org")
    assert user is not None
    assert (user.name, user.role) == ("Ana Coordinator", role)
    assert passwords.verify_password(user.password_hash, GOOD_PASSWORD)


def test_users_create_gives_a_mentor_a_mentor_type(runner: FlaskCliRunner) -> None:
    result = create_user(
        runner,
        "m@example.org",
        "--name",
        "Sam Mentor",
        "--role",
        "mentor",
        "--mentor-type",
        "care_provider",
    )
    assert result.exit_code == 0, result.output
    assert stored("m@example.org").mentor_type == "care_provider"


def test_users_create_makes_a_community_volunteer_when_no_mentor_type_is_given(
    runner: FlaskCliRunner,
) -> None:
    result = create_user(runner, "v@example.org", "--name", "Val Volunteer")
    assert result.exit_code == 0, result.output
    user = stored("v@example.org")
    assert (user.role, user.mentor_type) == ("mentor", "community_volunteer")


def test_users_create_refuses_an_unknown_mentor_type(runner: FlaskCliRunner) -> None:
    result = create_user(runner, "m@example.org", "--name", "Sam Mentor", "--mentor-type", "guru")
    assert result.exit_code == 2
    assert "Invalid value for '--mentor-type'" in result.output
    assert user_count() == 0


def test_users_create_reads_the_password_from_a_prompt(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "p@example.org", "--name", "Pat Staff", "--role", "staff"],
        input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert GOOD_PASSWORD not in result.output
    assert passwords.verify_password(stored("p@example.org").password_hash, GOOD_PASSWORD)


def test_users_create_refuses_an_unknown_role(runner: FlaskCliRunner) -> None:
    result = create_user(runner, "boss@example.org", "--name", "Big Boss", "--role", "superuser")
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert "'superuser' is not one of 'mentor', 'staff', 'admin'" in result.output
    assert user_count() == 0


def test_users_create_refuses_an_email_already_used_in_another_case(runner: FlaskCliRunner) -> None:
    make_user(email="taken@example.org", role="staff")
    result = create_user(runner, "TAKEN@example.org", "--name", "Second Person", "--role", "admin")
    assert result.exit_code == 1
    assert "Error: An account with this email already exists." in result.output
    assert user_count() == 1
    assert stored("taken@example.org").role == "staff"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("fourteen chars", "Use at least 15 characters (this one has 14)."),
        ("", "Use at least 15 characters (this one has 0)."),
        ("123456789012345", "That password is too common"),
    ],
    ids=["short", "empty", "common"],
)
def test_users_create_refuses_a_weak_password(
    runner: FlaskCliRunner, password: str, message: str
) -> None:
    result = create_user(
        runner, "weak@example.org", "--name", "Weak Password", "--role", "admin", password=password
    )
    assert result.exit_code == 1
    assert message in result.output
    assert user_count() == 0


def test_users_create_refuses_a_bad_email(runner: FlaskCliRunner) -> None:
    result = create_user(runner, "not-an-email", "--name", "No Email", "--role", "staff")
    assert result.exit_code == 1
    assert "Enter a valid email address." in result.output
    assert user_count() == 0


def test_users_create_needs_a_name(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--password-stdin"], input=GOOD_PASSWORD + "\n"
    )
    assert result.exit_code == 2
    assert "Missing option '--name'" in result.output
    assert user_count() == 0


# --- flask content check ---------------------------------------------------------------------


@pytest.fixture
def broken_course(tmp_path: Path) -> Path:
    """A copy of the fixture course with two mistakes in one quiz file."""
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    quiz = course / "quizzes" / "alpha.yaml"
    text = quiz.read_text()
    assert "pass_mark: 75" in text and "shuffle: true" in text
    quiz.write_text(
        text.replace("pass_mark: 75", "pass_mark: 0").replace("shuffle: true", "shufle: true")
    )
    return course


def expected_problems(course: Path) -> list[str]:
    """How the checker's lines for `broken_course` begin (the wording may add detail after)."""
    quiz = course / "quizzes" / "alpha.yaml"
    return [
        f"{quiz}:2: 'pass_mark' must be between 1 and 100",
        f"{quiz}:4: unknown key 'shufle'",
    ]


def check(runner: FlaskCliRunner, course: Path):
    """Run `flask content check` on `course`."""
    return runner.invoke(
        args=[
            "content",
            "check",
            "--modules-dir",
            str(course / "modules"),
            "--quizzes-dir",
            str(course / "quizzes"),
        ]
    )


def assert_names_each_problem(lines: list[str], course: Path) -> None:
    """Exactly one `file:line: message` line per mistake."""
    assert len(lines) == 2, lines
    for start in expected_problems(course):
        assert sum(line.startswith(start) for line in lines) == 1, (start, lines)


def test_content_check_passes_the_real_content_with_a_one_line_summary(
    runner: FlaskCliRunner,
) -> None:
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("OK: Mentor Ready ")
    assert "10 modules, 10 quizzes" in lines[0]
    # Then, per language, a line for each of the ten modules.
    assert lines[1].startswith("Español (es): ") and len(lines) == 12, lines


def test_content_check_passes_the_fixture_course(runner: FlaskCliRunner) -> None:
    result = check(runner, FIXTURE_COURSE)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: Fixture Course test-1: 3 modules, 3 quizzes")
    assert result.output.splitlines()[1:] == [
        "Español (es): 0 of 3 modules translated.",
        *(
            f"  {slug}: missing (no {course}/modules/{slug}.es.md, {course}/quizzes/{slug}.es.yaml)"
            for slug in ("alpha", "beta", "gamma")
            for course in [FIXTURE_COURSE.relative_to(PROJECT)]
        ),
    ]


def test_content_check_reports_each_translation_state(
    runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE.parent / "course_es", course)
    monkeypatch.chdir(tmp_path)
    result = check(runner, course)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "Español (es): 1 of 3 modules translated.",
        "  alpha: translated",
        "  beta: missing (no course/quizzes/beta.es.yaml)",
        "  gamma: missing (no course/modules/gamma.es.md, course/quizzes/gamma.es.yaml)",
    ]
    # A changed English file makes the translation stale: a state, not a failure.
    english = course / "modules" / "alpha.md"
    english.write_text(english.read_text() + "\nOne more English line.\n")
    result = check(runner, course)
    assert result.exit_code == 0, result.output
    assert "  alpha: stale (course/modules/alpha.md changed since it was translated)" in (
        result.output.splitlines()
    )
    # A mistake in an overlay fails the check and is named by file and line.
    overlay = course / "quizzes" / "alpha.es.yaml"
    overlay.write_text(overlay.read_text().replace("  a1:\n", "  a0:\n"))
    result = check(runner, course)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "  alpha: invalid (2 problems, listed below)" in lines
    assert "course/quizzes/alpha.es.yaml:4: unknown question id 'a0'" in " ".join(lines)
    assert "course/quizzes/alpha.es.yaml:3: missing question 'a1'" in " ".join(lines)


def test_content_check_names_file_and_line_of_every_mistake(
    runner: FlaskCliRunner, broken_course: Path
) -> None:
    result = check(runner, broken_course)
    assert result.exit_code == 1
    assert_names_each_problem(result.stdout.splitlines(), broken_course)
    assert result.stderr.strip() == "2 problems found."


def test_the_app_refuses_to_start_on_broken_content_with_the_same_lines(
    runner: FlaskCliRunner, database_url: str, broken_course: Path
) -> None:
    settings = config_for(
        database_url,
        MODULES_DIR=str(broken_course / "modules"),
        QUIZZES_DIR=str(broken_course / "quizzes"),
    )
    with pytest.raises(StartupError) as raised:
        create_app(settings)
    first, *problems = str(raised.value).splitlines()
    assert "flask content check" in first
    assert_names_each_problem(problems, broken_course)
    assert problems == check(runner, broken_course).stdout.splitlines()
