"""`flask content check` reads the program profile: a required placeholder left empty is refused."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from app.content.translations import overlay_name
from app.extensions import db
from app.services import program
from tests.conftest import PROJECT
from tests.factories import make_user
from tests.services.test_program import FILLED
from tests.test_content_check_command import run_flask

MODULES = PROJECT / "modules"


def test_a_required_placeholder_left_empty_is_refused_with_file_and_line(app, runner) -> None:
    admin = make_user(role="admin")
    program.update_profile(
        db.session,
        admin.id,
        replace(FILLED, hotline="", required_placeholders=["reporting_chain", "coordinator"]),
    )
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert re.search(
        r"modules/boundaries-safety-reporting\.md:\d+: 'program\.reporting_chain' is required "
        r"by the program profile but not set yet",
        result.output,
    ), result.output
    # Every use of the placeholder in the course.
    uses = sum(
        path.read_text().count("{{ program.reporting_chain }}")
        for path in MODULES.glob("*.md")
        if path.name != "README.md" and not overlay_name(path)
    )
    assert sum("program.reporting_chain" in line for line in lines) == uses == 8
    assert not any("program.coordinator" in line for line in lines), "the coordinator is set"

    program.update_profile(db.session, admin.id, FILLED)
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output


def test_placeholders_that_are_not_required_may_stay_empty(app, runner) -> None:
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output


def test_without_a_database_file_the_checker_checks_the_files_alone(tmp_path: Path) -> None:
    from tests.conftest import FIXTURE_COURSE

    result = run_flask("content", "check", course=FIXTURE_COURSE, workdir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "check.db").exists()
