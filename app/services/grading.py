"""Pure grading of a drawn attempt: no database, no clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.content.model import Quiz
from app.content.question_types import question_type


@dataclass(frozen=True)
class QuestionResult:
    """How one drawn question was answered."""

    question_id: str
    chosen: frozenset[str]
    correct: bool
    critical: bool


@dataclass(frozen=True)
class Grade:
    """The outcome of grading an attempt."""

    score: int
    passed: bool
    critical_missed: bool
    results: tuple[QuestionResult, ...]


def grade_attempt(
    quiz: Quiz, drawn_ids: Sequence[str], chosen: Mapping[str, frozenset[str]]
) -> Grade:
    """Grade `chosen` (question id to option ids) against the drawn questions of `quiz`.

    Every drawn question is worth the same; an unanswered question is wrong; a missed critical
    question fails the attempt whatever the score.
    """
    results = []
    for question_id in drawn_ids:
        question = quiz.question(question_id)
        answer = chosen.get(question_id, frozenset())
        correct = question_type(question.type).grade(question, answer)
        results.append(QuestionResult(question_id, answer, correct, question.critical))
    right = sum(result.correct for result in results)
    # Floor, so 79.9% never rounds up to a pass mark of 80.
    score = (100 * right) // len(results) if results else 0
    critical_missed = any(result.critical and not result.correct for result in results)
    passed = score >= quiz.pass_mark and not critical_missed
    return Grade(
        score=score, passed=passed, critical_missed=critical_missed, results=tuple(results)
    )
