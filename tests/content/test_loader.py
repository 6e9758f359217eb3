"""The content loader: valid files load; every kind of mistake is named with file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content import check_course, load_course
from app.content.loader import ContentError
from tests.conftest import FIXTURE_COURSE


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture course."""
    shutil.copytree(FIXTURE_COURSE, tmp_path / "course")
    return tmp_path / "course"


def problems_in(course_dir: Path) -> list[str]:
    _course, problems = check_course(course_dir / "modules", course_dir / "quizzes")
    return [f"{Path(p.path).name}:{p.line}: {p.message}" for p in problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_fixture_course_loads_into_dataclasses(course_dir: Path) -> None:
    course = load_course(course_dir / "modules", course_dir / "quizzes")
    assert course.title == "Fixture Course"
    assert [m.slug for m in course.ordered_modules()] == ["alpha", "beta", "gamma"]
    alpha = course.module("alpha")
    assert alpha is not None
    assert alpha.content_note == "This fixture mentions hard things."
    assert '<h2 id="first-section">First section</h2>' in alpha.body_html
    assert {"first-section", "second-section", "key-takeaways"} <= alpha.anchors
    assert len(alpha.version) == 12
    assert [m.slug for m in course.modules_for("community_volunteer")] == ["alpha", "beta"]
    assert [m.slug for m in course.modules_for("survivor_mentor")] == ["alpha", "beta", "gamma"]
    assert course.screening_for("survivor_mentor") == (
        "background_check",
        "reference_check",
        "interview",
        "readiness_conversation",
    )
    quiz = course.quiz("alpha")
    assert quiz is not None and quiz.question("a2").correct_ids == {"a", "c"}


def test_markdown_is_rendered_once_at_load_not_per_request(course_dir: Path) -> None:
    course = load_course(course_dir / "modules", course_dir / "quizzes")
    alpha = course.module("alpha")
    assert alpha is not None and isinstance(alpha.body_html, str)
    # The dataclass is frozen: pages read the stored HTML, nothing renders it again.
    with pytest.raises(AttributeError):
        alpha.body_html = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("modules/alpha.md", "title: Alpha module", "title: [unclosed", "alpha.md:3: invalid YAML"),
        ("modules/alpha.md", "title: Alpha module\n", "", "alpha.md:2: missing 'title'"),
        ("modules/alpha.md", "minutes: 10", "minutse: 10", "alpha.md:4: unknown key 'minutse'"),
        (
            "modules/beta.md",
            "requires: [alpha]",
            "requires: [omega]",
            "beta.md:1: 'requires' names no module 'omega'",
        ),
        (
            "modules/course.yaml",
            "required_for: [survivor_mentor]",
            "required_for: [survivor]",
            "course.yaml:11: unknown mentor type 'survivor'",
        ),
        (
            "modules/course.yaml",
            "  - slug: gamma",
            "  - slug: alpha",
            "course.yaml:10: module 'alpha' is listed twice",
        ),
        (
            "modules/course.yaml",
            "  - slug: gamma",
            "  - slug: delta",
            "course.yaml:10: module 'delta' has no file",
        ),
        (
            "modules/course.yaml",
            "title: Fixture Course",
            "title: Fixture: Course: x",
            "course.yaml:1: invalid YAML",
        ),
        (
            "quizzes/alpha.yaml",
            "pass_mark: 75",
            "pass_mark: 0",
            "alpha.yaml:2: 'pass_mark' must be between 1 and 100",
        ),
        (
            "quizzes/alpha.yaml",
            "pass_mark: 75",
            "pass_mark: 101",
            "alpha.yaml:2: 'pass_mark' must be between 1 and 100",
        ),
        (
            "quizzes/alpha.yaml",
            "draw: 4",
            "draw: 6",
            "alpha.yaml:3: 'draw' is 6 but the pool has only 5 questions",
        ),
        (
            "quizzes/alpha.yaml",
            "shuffle: true",
            "shufle: true",
            "alpha.yaml:4: unknown key 'shufle'",
        ),
        (
            "quizzes/alpha.yaml",
            "  - id: a5",
            "  - id: a1",
            "alpha.yaml:45: duplicate question id 'a1'",
        ),
        (
            "quizzes/alpha.yaml",
            "    prompt: Alpha question one?",
            "    promt: Alpha question one?",
            "alpha.yaml:10: unknown key 'promt'",
        ),
        (
            "quizzes/alpha.yaml",
            "      - {id: a, text: Alpha five right A, correct: true}\n",
            "",
            "alpha.yaml:48: question 'a5': a question needs at least 2 options",
        ),
        (
            "quizzes/alpha.yaml",
            '      - {id: b, text: "False", correct: false}',
            '      - {id: b, text: "False", correct: false}\n      - {id: c, text: Maybe, correct: false}',
            "alpha.yaml:30: question 'a3': a 'true_false' question needs exactly 2 options (found 3)",
        ),
        (
            "quizzes/alpha.yaml",
            "{id: b, text: Alpha one right B, correct: true}",
            "{id: b, text: Alpha one right B, correct: false}",
            "alpha.yaml:11: question 'a1': a 'single' question needs exactly one correct option (found 0)",
        ),
        (
            "quizzes/alpha.yaml",
            "{id: a, text: Alpha one wrong A, correct: false}",
            "{id: a, text: Alpha one wrong A, correct: true}",
            "alpha.yaml:11: question 'a1': a 'single' question needs exactly one correct option (found 2)",
        ),
        (
            "quizzes/alpha.yaml",
            "right A, correct: true}\n      - {id: b, text: Alpha two wrong B, correct: false}\n      - {id: c, text: Alpha two right C, correct: true}",
            "right A, correct: false}\n      - {id: b, text: Alpha two wrong B, correct: false}\n      - {id: c, text: Alpha two right C, correct: false}",
            "alpha.yaml:21: question 'a2': a 'multiple' question needs at least one correct option",
        ),
        (
            "quizzes/alpha.yaml",
            "    review: second-section",
            "    review: third-section",
            "alpha.yaml:26: question 'a2': review anchor '#third-section' is not a heading",
        ),
        (
            "quizzes/alpha.yaml",
            "    type: multiple",
            "    type: essay",
            "alpha.yaml:18: question 'a2': unknown type 'essay'",
        ),
    ],
)
def test_each_mistake_is_named_with_file_and_line(
    course_dir: Path, file: str, old: str, new: str, expected: str
) -> None:
    edit(course_dir / file, old, new)
    problems = problems_in(course_dir)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_required_module_with_no_quiz_is_named(course_dir: Path) -> None:
    (course_dir / "quizzes" / "beta.yaml").unlink()
    assert any(
        "course.yaml:8: required module 'beta' has no quiz" in p for p in problems_in(course_dir)
    )


def test_a_quiz_with_no_module_is_named(course_dir: Path) -> None:
    shutil.copy(course_dir / "quizzes" / "gamma.yaml", course_dir / "quizzes" / "omega.yaml")
    assert "omega.yaml:1: quiz 'omega' has no module on the course path" in problems_in(course_dir)


def test_a_module_file_missing_front_matter_is_named(course_dir: Path) -> None:
    (course_dir / "modules" / "gamma.md").write_text("## No front matter\n")
    assert any(
        p.startswith("gamma.md:1: a module must start with front matter")
        for p in problems_in(course_dir)
    )


def test_a_missing_course_file_is_named(course_dir: Path) -> None:
    (course_dir / "modules" / "course.yaml").unlink()
    assert problems_in(course_dir) == ["course.yaml:1: the course path file is missing"]


def test_load_course_raises_with_every_problem(course_dir: Path) -> None:
    edit(course_dir / "quizzes/alpha.yaml", "pass_mark: 75", "pass_mark: 0")
    edit(course_dir / "modules/alpha.md", "minutes: 10", "minutes: many")
    with pytest.raises(ContentError) as raised:
        load_course(course_dir / "modules", course_dir / "quizzes")
    text = str(raised.value)
    assert "alpha.yaml:2:" in text and "alpha.md:4: 'minutes' must be a whole number" in text
