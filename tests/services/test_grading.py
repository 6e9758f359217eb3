"""Properties of grading over generated quizzes (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.content.model import Option, Question, Quiz
from app.content.question_types import QUESTION_TYPES
from app.services.grading import grade_attempt


@st.composite
def questions(draw: st.DrawFn, index: int) -> Question:
    kind = draw(st.sampled_from(sorted(QUESTION_TYPES)))
    count = 2 if kind == "true_false" else draw(st.integers(min_value=2, max_value=6))
    if kind == "multiple":
        flags = draw(st.lists(st.booleans(), min_size=count, max_size=count).filter(any))
    else:
        right = draw(st.integers(min_value=0, max_value=count - 1))
        flags = [i == right for i in range(count)]
    options = tuple(
        Option(id=f"o{i}", text_html=f"Option {i}", correct=flag) for i, flag in enumerate(flags)
    )
    assert not QUESTION_TYPES[kind].problems(flags)
    return Question(
        id=f"q{index}",
        type=kind,
        prompt_html="?",
        options=options,
        explanation_html="",
        review=None,
        critical=draw(st.booleans()),
        scenario=False,
    )


@st.composite
def quizzes(draw: st.DrawFn) -> Quiz:
    size = draw(st.integers(min_value=1, max_value=10))
    pool = tuple(draw(questions(i)) for i in range(size))
    return Quiz(
        slug="generated",
        title="Generated",
        pass_mark=draw(st.integers(min_value=1, max_value=100)),
        draw=size,
        shuffle=True,
        max_failures=3,
        cooldown_hours=24,
        questions=pool,
        version="v",
        path="generated.yaml",
    )


def correct_answers(quiz: Quiz) -> dict[str, frozenset[str]]:
    return {question.id: question.correct_ids for question in quiz.questions}


@st.composite
def quiz_and_answers(draw: st.DrawFn) -> tuple[Quiz, dict[str, frozenset[str]]]:
    quiz = draw(quizzes())
    answers = {}
    for question in quiz.questions:
        ids = [option.id for option in question.options]
        if draw(st.booleans()):  # sometimes leave a question unanswered
            answers[question.id] = frozenset(draw(st.lists(st.sampled_from(ids), unique=True)))
    return quiz, answers


@given(quizzes())
def test_the_correct_answer_set_scores_100_and_passes(quiz: Quiz) -> None:
    grade = grade_attempt(quiz, [q.id for q in quiz.questions], correct_answers(quiz))
    assert grade.score == 100
    assert grade.passed
    assert not grade.critical_missed


@given(quiz_and_answers())
def test_any_other_answer_set_scores_less_and_stays_in_range(case) -> None:
    quiz, answers = case
    grade = grade_attempt(quiz, [q.id for q in quiz.questions], answers)
    assert 0 <= grade.score <= 100
    if answers != correct_answers(quiz):
        assert grade.score < 100


@given(quiz_and_answers())
def test_a_wrong_critical_answer_never_passes(case) -> None:
    quiz, answers = case
    grade = grade_attempt(quiz, [q.id for q in quiz.questions], answers)
    missed_critical = any(
        q.critical and answers.get(q.id, frozenset()) != q.correct_ids for q in quiz.questions
    )
    if missed_critical:
        assert not grade.passed
        assert grade.critical_missed


@given(quiz_and_answers())
def test_passing_means_reaching_the_pass_mark(case) -> None:
    quiz, answers = case
    grade = grade_attempt(quiz, [q.id for q in quiz.questions], answers)
    assert grade.passed == (grade.score >= quiz.pass_mark and not grade.critical_missed)


def test_multiple_counts_only_for_the_exact_set() -> None:
    question = Question(
        id="m",
        type="multiple",
        prompt_html="?",
        options=(
            Option("a", "A", True),
            Option("b", "B", False),
            Option("c", "C", True),
        ),
        explanation_html="",
        review=None,
        critical=False,
        scenario=False,
    )
    quiz = Quiz("s", "t", 100, 1, True, 3, 24, (question,), "v", "p")
    assert grade_attempt(quiz, ["m"], {"m": frozenset({"a", "c"})}).score == 100
    assert grade_attempt(quiz, ["m"], {"m": frozenset({"a"})}).score == 0
    assert grade_attempt(quiz, ["m"], {"m": frozenset({"a", "b", "c"})}).score == 0
    assert grade_attempt(quiz, ["m"], {}).score == 0
