"""Module versions in course.yaml: each bump after the first carries a dated one-line summary."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.content import load_course
from tests.conftest import FIXTURE_COURSE
from tests.content.test_loader import problems_in

REVISED = FIXTURE_COURSE.parent / "course_v2"
BETA_ENTRY = """  - slug: beta
    required_for: all
"""


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture course (every module at version 1)."""
    shutil.copytree(FIXTURE_COURSE, tmp_path / "course")
    return tmp_path / "course"


def with_beta(course_dir: Path, extra: str) -> Path:
    """course.yaml with `extra` lines added to beta's entry (line 8 is `- slug: beta`)."""
    path = course_dir / "modules" / "course.yaml"
    text = path.read_text()
    assert BETA_ENTRY in text
    path.write_text(text.replace(BETA_ENTRY, BETA_ENTRY + extra, 1))
    return path


def test_a_module_without_a_version_is_at_version_1(course_dir: Path) -> None:
    course = load_course(course_dir / "modules", course_dir / "quizzes")
    beta = course.entry("beta")
    assert beta is not None and beta.version == 1 and beta.changes == ()
    assert course.module_versions(("alpha", "beta"), datetime(2030, 1, 1, tzinfo=UTC)) == {
        "alpha": 1,
        "beta": 1,
    }


def test_a_bumped_module_has_its_dated_summary_and_counts_from_that_day() -> None:
    course = load_course(REVISED / "modules", REVISED / "quizzes")
    beta = course.entry("beta")
    assert beta is not None and beta.version == 2
    [change] = beta.changes
    assert change.date == date(2026, 6, 1)
    assert change.summary == "A youth missing from care who walks in: tell staff at once."
    assert beta.version_at(datetime(2026, 5, 31, 23, 59, tzinfo=UTC)) == 1
    assert beta.version_at(datetime(2026, 6, 1, tzinfo=UTC)) == 2
    # A bump is a new reading of the module, so "I have read this" is recorded again.
    original = load_course(FIXTURE_COURSE / "modules", FIXTURE_COURSE / "quizzes")
    assert course.module("beta").version != original.module("beta").version


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "    version: 2\n",
            "course.yaml:10: version 2 needs a change with a date and a one-line summary for "
            "version 2 (what certified mentors must know)",
        ),
        (
            "    version: 2\n    changes:\n      - version: 2\n        date: 2026-12-01\n",
            "course.yaml:12: missing 'summary'",
        ),
        (
            '    version: 2\n    changes:\n      - version: 2\n        summary: "New"\n',
            "course.yaml:12: missing 'date' (the day the change takes effect)",
        ),
        (
            '    version: 2\n    changes:\n      - version: 2\n        date: soon\n        summary: "New"\n',
            "course.yaml:13: 'date' must be a date like 2026-12-01 (found 'soon')",
        ),
        (
            '    version: 2\n    changes:\n      - version: 2\n        date: "2026-02-30"\n        summary: "New"\n',
            "course.yaml:13: 'date' must be a date like 2026-12-01 (found '2026-02-30')",
        ),
        (
            '    version: 2\n    changes:\n      - version: 2\n        date: 2026-02-30\n        summary: "New"\n',
            "course.yaml:13: 'date' must be a date like 2026-12-01 (found '2026-02-30')",
        ),
        (
            '    changes:\n      - version: 2\n        date: 2026-12-01\n        summary: "New"\n',
            "course.yaml:11: a change for version 2, but the module is at version 1",
        ),
        (
            "    version: 3\n    changes:\n"
            '      - version: 3\n        date: 2026-12-01\n        summary: "Three"\n'
            '      - version: 2\n        date: 2026-12-01\n        summary: "Two"\n',
            "course.yaml:15: versions must increase: 2 comes after 3",
        ),
        (
            "    version: 3\n    changes:\n"
            '      - version: 2\n        date: 2026-12-01\n        summary: "Two"\n'
            '      - version: 3\n        date: 2026-11-01\n        summary: "Three"\n',
            "course.yaml:16: version 3 takes effect before version 2 (2026-12-01)",
        ),
        (
            "    version: 0\n",
            "course.yaml:10: 'version' must be between 1 and 999 (found 0)",
        ),
        (
            '    version: 2\n    changes: "New"\n',
            "course.yaml:11: 'changes' must be a list of versions",
        ),
        (
            "    version: 2\n    changes:\n"
            '      - version: 2\n        date: 2026-12-01\n        summary: "New"\n        by: me\n',
            "course.yaml:15: unknown key 'by' in a change (allowed: date, summary, version)",
        ),
    ],
    ids=[
        "bump-without-summary",
        "change-without-summary",
        "change-without-date",
        "date-not-a-date",
        "impossible-date-quoted",
        "impossible-date",
        "summary-for-a-version-that-does-not-exist",
        "versions-not-increasing",
        "dates-going-back",
        "version-zero",
        "changes-not-a-list",
        "unknown-key",
    ],
)
def test_version_mistakes_are_named_with_file_and_line(
    course_dir: Path, extra: str, expected: str
) -> None:
    with_beta(course_dir, extra)
    problems = problems_in(course_dir)
    assert expected in problems, problems


def test_a_two_step_bump_needs_a_summary_for_each_version(course_dir: Path) -> None:
    with_beta(
        course_dir,
        '    version: 3\n    changes:\n      - version: 3\n        date: 2026-12-01\n        summary: "Three"\n',
    )
    assert problems_in(course_dir) == [
        "course.yaml:10: version 3 needs a change with a date and a one-line summary for "
        "version 2 (what certified mentors must know)"
    ]
