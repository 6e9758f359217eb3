"""planner.yaml is checked like the rest of the content: every mistake named by file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.planner import check_planner
from tests.conftest import FIXTURE_COURSE

SMALL = """\
title: A small planner
questions:
  - id: comfort
    prompt: How do youth feel about one adult?
    choices:
      - id: at_ease
        label: At ease
      - id: uneasy
        label: Uneasy
rules:
  - id: one_to_one
    when:
      comfort: at_ease
    recommend:
      relationships: one_to_one
    reason: At ease with one adult.
  - id: everything_else
    otherwise: true
    recommend:
      form: assigned
      location: site
      purpose: developmental
      relationships: group
      mentor_types: staff_mentor
    reason: A safe start.
examples:
  - id: a_group
    title: A group
    description: Youth meet together.
    when:
      comfort: uneasy
"""


@pytest.fixture
def modules_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "modules"
    shutil.copytree(FIXTURE_COURSE / "modules", folder)
    return folder


def problems_for(folder: Path, text: str) -> list[str]:
    (folder / "planner.yaml").write_text(text, "utf-8")
    planner, problems = check_planner(folder)
    assert planner is None or not problems
    return [f"{Path(p.path).name}:{p.line}: {p.message}" for p in problems]


def test_the_shipped_planner_is_valid() -> None:
    planner, problems = check_planner(Path(__file__).parents[2] / "modules")
    assert problems == []
    assert planner is not None and len(planner.questions) >= 8
    assert {example.id for example in planner.examples} == {
        "psychoeducational_group",
        "ywlp_blended",
        "step_up_team",
    }


def test_a_small_valid_planner_loads(modules_dir: Path) -> None:
    assert problems_for(modules_dir, SMALL) == []
    planner, _ = check_planner(modules_dir)
    assert planner.question("comfort").label_of("uneasy") == "Uneasy"


def test_a_program_without_a_planner_file_has_no_planner(modules_dir: Path) -> None:
    assert check_planner(modules_dir) == (None, [])


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "      comfort: at_ease\n",
            "      comfort: delighted\n",
            "planner.yaml:13: 'when': "
            "question 'comfort' has no choice 'delighted' (choices: at_ease, uneasy)",
        ),
        (
            "      comfort: at_ease\n",
            "      mood: at_ease\n",
            "planner.yaml:13: 'when' names no question 'mood'",
        ),
        (
            "      relationships: one_to_one\n",
            "      relationships: pen_pals\n",
            "planner.yaml:15: relationships: unknown value 'pen_pals' "
            "(use one_to_one, group, team, peer, e_mentoring, blended)",
        ),
        (
            "      mentor_types: staff_mentor\n",
            "      mentor_types: parent\n",
            "planner.yaml:24: mentor_types: unknown value 'parent' (use community_volunteer, "
            "care_provider, staff_mentor, survivor_mentor)",
        ),
        (
            "    reason: At ease with one adult.\n",
            "",
            "planner.yaml:14: rule 'one_to_one' recommends without a 'reason'",
        ),
        (
            "      - id: uneasy\n",
            "      - id: at_ease\n",
            "planner.yaml:8: duplicate choice id 'at_ease' in 'comfort'",
        ),
        (
            "    prompt: How do youth feel about one adult?\n",
            "    prompt: How do youth feel about one adult?\n    weight: 3\n",
            "planner.yaml:5: unknown key 'weight' in a planner question "
            "(allowed: asked_when, choices, hint, id, multiple, prompt)",
        ),
        (
            "        label: Uneasy\n",
            "        label: Uneasy\n        alone: true\n",
            "planner.yaml:10: 'alone' is only for questions with 'multiple: true' ('comfort')",
        ),
        (
            "    otherwise: true\n",
            "    otherwise: yes\n",
            "planner.yaml:18: 'yes' is read as true or false; write true or false, "
            "or put text in quotes",
        ),
        (
            "      comfort: uneasy\n",
            "      comfort: [uneasy\n",
            "planner.yaml:32: invalid YAML: expected ',' or ']', but got '<stream end>'",
        ),
    ],
)
def test_mistakes_are_named_by_file_and_line(
    modules_dir: Path, old: str, new: str, expected: str
) -> None:
    assert old in SMALL
    assert expected in problems_for(modules_dir, SMALL.replace(old, new, 1))


def test_a_question_depends_only_on_an_earlier_one(modules_dir: Path) -> None:
    text = SMALL.replace(
        "    choices:\n", "    asked_when:\n      comfort: uneasy\n    choices:\n", 1
    )
    assert problems_for(modules_dir, text) == [
        "planner.yaml:5: question 'comfort' can only depend on an earlier question, not 'comfort'"
    ]


def test_every_part_needs_a_last_resort(modules_dir: Path) -> None:
    text = SMALL.replace("      purpose: developmental\n", "")
    assert problems_for(modules_dir, text) == [
        "planner.yaml:11: no rule with 'otherwise: true' recommends a purpose "
        "(needed when no other rule applies)"
    ]


def test_flask_content_check_names_planner_mistakes(modules_dir: Path, runner) -> None:
    (modules_dir / "planner.yaml").write_text(SMALL.replace("at_ease\n", "at-ease\n", 1), "utf-8")
    result = runner.invoke(
        args=[
            "content",
            "check",
            "--modules-dir",
            str(modules_dir),
            "--quizzes-dir",
            str(FIXTURE_COURSE / "quizzes"),
        ]
    )
    assert result.exit_code == 1
    assert "planner.yaml:6: each choice needs an 'id' of lowercase letters, digits and _" in (
        result.output
    )


def test_flask_content_check_summarises_a_valid_planner(modules_dir: Path, runner) -> None:
    (modules_dir / "planner.yaml").write_text(SMALL, "utf-8")
    result = runner.invoke(
        args=[
            "content",
            "check",
            "--modules-dir",
            str(modules_dir),
            "--quizzes-dir",
            str(FIXTURE_COURSE / "quizzes"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Planner: 1 questions, 2 rules." in result.output
