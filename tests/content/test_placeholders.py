"""Program placeholders in modules: a fixed set of names, checked with file:line, rendered once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content import load_course
from app.content.placeholders import fill, scan
from tests.conftest import FIXTURE_COURSE, PROJECT
from tests.content.test_loader import edit, problems_in

BODY_LINE = "Alpha body text about safety."  # line 16 of alpha.md


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture course."""
    shutil.copytree(FIXTURE_COURSE, tmp_path / "course")
    return tmp_path / "course"


def with_line(course_dir: Path, text: str) -> list[str]:
    edit(course_dir / "modules/alpha.md", BODY_LINE, text)
    return problems_in(course_dir)


def test_known_placeholders_load_and_are_recorded_with_their_lines(course_dir: Path) -> None:
    assert with_line(course_dir, "Tell {{ program.first_contact }} and {{program.hotline}}.") == []
    alpha = load_course(course_dir / "modules", course_dir / "quizzes").module("alpha")
    assert alpha is not None
    assert alpha.placeholders == (("first_contact", 16), ("hotline", 16))
    assert "{{" not in alpha.body_html and "program." not in alpha.body_html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Call {{ program.pizza }}.", "alpha.md:16: unknown placeholder 'program.pizza'"),
        ("Call {{ program.name }.", "alpha.md:16: '{{' is not closed on the same line"),
        ("Call {{ program.hotline | safe }}.", "alpha.md:16: malformed placeholder"),
        ("Call {{ 1 + 2 }}.", "alpha.md:16: malformed placeholder '{{ 1 + 2 }}'"),
        ("Call {{ config.SECRET_KEY }}.", "alpha.md:16: malformed placeholder"),
        ("Call {{ program.Name }}.", "alpha.md:16: malformed placeholder"),
        ("Call {{ {{ program.name }} }}.", "alpha.md:16: placeholders cannot be nested"),
        ("Call program.name }}.", "alpha.md:16: '}}' without an opening '{{'"),
        ("Call {{}}.", "alpha.md:16: malformed placeholder '{{}}'"),
    ],
)
def test_unknown_nested_and_malformed_placeholders_are_refused(
    course_dir: Path, text: str, message: str
) -> None:
    problems = with_line(course_dir, text)
    assert any(problem.startswith(message) for problem in problems), problems


def test_a_nested_placeholder_is_named_once(course_dir: Path) -> None:
    problems = with_line(course_dir, "{{ {{ program.name }} }} and then text.")
    assert problems == ["alpha.md:16: placeholders cannot be nested"]


def test_placeholders_in_headings_front_matter_and_quizzes_are_refused(course_dir: Path) -> None:
    edit(course_dir / "modules/alpha.md", "## Second section", "## Call {{ program.hotline }}")
    edit(
        course_dir / "modules/alpha.md",
        "summary: The first fixture module.",
        "summary: '{{ program.name }} first fixture module.'",
    )
    edit(
        course_dir / "quizzes/alpha.yaml",
        "prompt: Alpha question one?",
        "prompt: Is it {{ program.hotline }}?",
    )
    problems = problems_in(course_dir)
    assert (
        "alpha.md:3: program placeholders are filled in the module text only, not in the front matter"
        in problems
    )
    assert "alpha.md:18: program placeholders cannot be used in headings" in problems
    assert any(
        p.startswith("alpha.yaml:") and "filled in module pages only" in p for p in problems
    ), problems


def test_markers_are_filled_without_rendering_markdown_again(course_dir: Path) -> None:
    with_line(course_dir, "**Tell** {{ program.first_contact }} *now*.")
    alpha = load_course(course_dir / "modules", course_dir / "quizzes").module("alpha")
    assert alpha is not None
    filled = fill(alpha.body_html, {"first_contact": "&lt;b&gt;Dana&lt;/b&gt;"})
    assert "<p><strong>Tell</strong> &lt;b&gt;Dana&lt;/b&gt; <em>now</em>.</p>" in filled


def test_the_scanner_reads_every_line_of_the_real_course() -> None:
    for path in sorted((PROJECT / "modules").glob("*.md")):
        if path.stem.lower() == "readme":
            continue
        assert all(found.problem is None for found in scan(path.read_text())), path


@pytest.mark.parametrize(
    "slug",
    [
        "boundaries-safety-reporting",
        "youth-in-crisis",
        "building-trust",
        "understanding-exploitation",
        "trauma-informed-mentoring",
    ],
)
def test_the_reporting_modules_use_the_programs_chain(slug: str) -> None:
    text = (PROJECT / "modules" / f"{slug}.md").read_text()
    assert "{{ program.reporting_chain }}" in text
    assert "*[Program procedure:" not in text
