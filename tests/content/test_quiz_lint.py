"""Quizzes measure reading, not test-wisdom: measures computed from the real quiz and module files.

Each rule here is one a reviewer found broken once. The measures are computed from the files as an
author writes them, so a future edit that slides back fails with the file and question named.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.content import Course, load_course
from app.content.translations import overlay_name
from tests.conftest import PROJECT

# The English files: translations (`<slug>.es.md`) are held to their own checks, not to these.
QUIZ_FILES = sorted(p for p in (PROJECT / "quizzes").glob("*.yaml") if not overlay_name(p))
MODULE_FILES = sorted(
    p for p in (PROJECT / "modules").glob("*.md") if p.name != "README.md" and not overlay_name(p)
)
SPELLING_FILES = [
    path
    for path in [
        *sorted((PROJECT / "modules").glob("*.md")),
        *sorted((PROJECT / "modules").glob("*.yaml")),
        *sorted((PROJECT / "quizzes").glob("*.yaml")),
        *sorted((PROJECT / "quizzes").glob("*.md")),
        *sorted((PROJECT / "app" / "templates").rglob("*.html")),
    ]
    if not overlay_name(path)
]

SHARE_LIMIT = 0.35
PROGRAM_CUE = re.compile(
    r"\b(coordinator|program|staff|supervisor|case manager|caseworker|agency)\b", re.IGNORECASE
)
GIVE_AWAY = re.compile(r"\b(only|always)\b", re.IGNORECASE)
# "Name, 16," is how a youth's age is given at first mention; the comma after the age is part of it.
NAME_AGE = re.compile(r"\b([A-Z][a-z]+),\s+(\d{1,2}),")
# British spellings, as whole words with their usual endings. "emphasis" and "specialist" are US
# words too, so only the verb forms are listed; "aria-labelledby" is an HTML attribute, not a word.
BRITISH = re.compile(
    r"\b("
    r"(behaviour|colour|favour|honour|neighbour|humour|labour|rumour|endeavour|saviour|vigour"
    r"|harbour)(s|ed|ing|ite|ites|able|al|ally|hood|hoods)?"
    r"|(recogni|organi|apologi|reali|critici|emphasi|sexuali|normali|prioriti|minimi|summari"
    r"|sensiti|stigmati|traumati|victimi|memori|familiari|categori|speciali|utili|authori"
    r"|customi|personali|optimi|maximi|finali|visuali|sociali|sympathi|mobili|legali|criminali"
    r"|marginali|internali|sensationali|romantici|glamori)s(e|es|ed|ing|ation|ations|er|ers)"
    r"|analys(e|ed|ing)"
    r"|centre|centres|centred|programme|programmes|judgement|judgements"
    r"|counsellor|counsellors|counselling|counselled|licence|licences"
    r"|travell(ed|ing|er|ers)|cancell(ed|ing)|labell(ed|ing)|modell(ed|ing)|signall(ed|ing)"
    r"|fuell(ed|ing)|practis(e|es|ed|ing)|defence|defences|offence|offences"
    r"|whilst|amongst|towards|learnt|spelt|grey|ageing|enrol|enrols|enrolment|fulfil|fulfilment"
    r"|catalogue|catalogues|paediatric|paediatrician|manoeuvre|manoeuvres"
    r")\b",
    re.IGNORECASE,
)


def quiz_id(path: Path) -> str:
    """The test id of a quiz or module file: its slug."""
    return path.stem


def read_quiz(path: Path) -> dict[str, Any]:
    """The quiz as the author wrote it (option texts before Markdown rendering)."""
    return yaml.safe_load(path.read_text())


def single_questions(quiz: dict[str, Any]) -> list[dict[str, Any]]:
    """The quiz's single-choice questions."""
    return [q for q in quiz["questions"] if q.get("type") == "single"]


def correct_is_strictly_longest(question: dict[str, Any]) -> bool:
    """Whether the correct option is longer (in characters) than every other option."""
    correct = [len(str(o["text"]).strip()) for o in question["options"] if o["correct"]]
    wrong = [len(str(o["text"]).strip()) for o in question["options"] if not o["correct"]]
    return bool(correct) and min(correct) > max(wrong, default=0)


def program_cue_gives_it_away(question: dict[str, Any]) -> bool:
    """Whether the correct option is the only option that involves the program or its staff."""
    cued = [bool(PROGRAM_CUE.search(str(o["text"]))) for o in question["options"]]
    correct = [o["correct"] for o in question["options"]]
    return sum(cued) == 1 and cued == correct


@pytest.fixture(scope="module")
def course() -> Course:
    return load_course(PROJECT / "modules", PROJECT / "quizzes")


def test_there_are_quizzes_and_modules_to_lint() -> None:
    assert MODULE_FILES and len(MODULE_FILES) == len(QUIZ_FILES)


@pytest.mark.parametrize("path", QUIZ_FILES, ids=quiz_id)
def test_the_correct_option_is_rarely_the_longest(path: Path) -> None:
    singles = single_questions(read_quiz(path))
    longest = [q["id"] for q in singles if correct_is_strictly_longest(q)]
    assert len(longest) <= SHARE_LIMIT * len(singles), (
        f"{path.name}: the correct option is the longest in {len(longest)} of {len(singles)} "
        f"single-choice questions (at most 35%): {', '.join(longest)}"
    )


@pytest.mark.parametrize("path", QUIZ_FILES, ids=quiz_id)
def test_involving_the_program_alone_does_not_give_the_answer_away(path: Path) -> None:
    singles = single_questions(read_quiz(path))
    cued = [q["id"] for q in singles if program_cue_gives_it_away(q)]
    assert len(cued) <= SHARE_LIMIT * len(singles), (
        f"{path.name}: the correct option is the only one naming the program or its staff in "
        f"{len(cued)} of {len(singles)} single-choice questions (at most 35%): {', '.join(cued)}"
    )


@pytest.mark.parametrize("path", QUIZ_FILES, ids=quiz_id)
def test_multiple_choice_has_four_or_five_options_and_two_or_three_correct(path: Path) -> None:
    wrong = []
    for question in read_quiz(path)["questions"]:
        if question.get("type") != "multiple":
            continue
        options = question["options"]
        correct = sum(1 for o in options if o["correct"])
        if not (4 <= len(options) <= 5 and 2 <= correct <= 3):
            wrong.append(f"{question['id']} ({correct} correct of {len(options)})")
    assert not wrong, f"{path.name}: multiple-choice shape: {', '.join(wrong)}"


@pytest.mark.parametrize("path", QUIZ_FILES, ids=quiz_id)
def test_critical_is_kept_for_three_to_six_safety_actions(path: Path) -> None:
    critical = [q["id"] for q in read_quiz(path)["questions"] if q.get("critical")]
    assert 3 <= len(critical) <= 6, (
        f"{path.name}: {len(critical)} critical questions (3 to 6): {', '.join(critical)}"
    )


@pytest.mark.parametrize("path", QUIZ_FILES, ids=quiz_id)
def test_true_false_statements_carry_no_give_away_words(path: Path) -> None:
    found = [
        f"{q['id']} ({', '.join(GIVE_AWAY.findall(q['prompt']))})"
        for q in read_quiz(path)["questions"]
        if q.get("type") == "true_false" and GIVE_AWAY.search(q["prompt"])
    ]
    assert not found, f"{path.name}: true/false give-away wording: {', '.join(found)}"


@pytest.mark.parametrize("path", QUIZ_FILES, ids=quiz_id)
def test_every_question_teaches_and_points_back(path: Path) -> None:
    missing = [
        q["id"]
        for q in read_quiz(path)["questions"]
        if not str(q.get("explanation", "")).strip() or not q.get("review")
    ]
    assert not missing, f"{path.name}: questions without explanation or review: {missing}"


@pytest.mark.parametrize("path", MODULE_FILES, ids=quiz_id)
def test_stated_minutes_are_reading_time_plus_reflection(course: Course, path: Path) -> None:
    module = course.module(path.stem)
    assert module is not None, f"{path.name} is not on the course path"
    honest = module.word_count / 200 + 2 * len(module.reflection)
    assert abs(module.minutes - honest) <= 0.25 * honest, (
        f"{path.name}: minutes is {module.minutes}, but {module.word_count} words / 200 + "
        f"2 x {len(module.reflection)} reflection prompts is {honest:.0f} (±25%)"
    )


def test_each_named_person_has_one_age_across_the_course() -> None:
    ages: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in [*MODULE_FILES, *QUIZ_FILES]:
        for match in NAME_AGE.finditer(path.read_text()):
            ages[match.group(1)][match.group(2)].add(path.name)
    clashes = [
        f"{name}: " + "; ".join(f"{age} in {', '.join(sorted(files))}" for age, files in by.items())
        for name, by in sorted(ages.items())
        if len(by) > 1
    ]
    assert not clashes, "one name, several ages:\n" + "\n".join(clashes)


@pytest.mark.parametrize("path", SPELLING_FILES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_us_spelling(path: Path) -> None:
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if path.suffix == ".md" and line.startswith("## Sources"):
            break  # cited titles keep their original spelling
        found += [f"{path.name}:{number}: {m.group(0)}" for m in BRITISH.finditer(line)]
    assert not found, "British spelling (use US English):\n" + "\n".join(found)
