"""The registry of question types: each checks its own options and grades an answer purely."""

from __future__ import annotations

from collections.abc import Sequence

from app.content.model import Question


class QuestionType:
    """A kind of question: how it is answered, what makes it valid, how it is graded."""

    name: str = ""
    several_answers: bool = False

    def problems(self, correct_flags: Sequence[bool]) -> list[str]:
        """What is wrong with a question of this type whose options have these `correct` flags."""
        problems = []
        if len(correct_flags) < 2:
            problems.append("a question needs at least 2 options")
        return problems

    def grade(self, question: Question, chosen: frozenset[str]) -> bool:
        """Whether the chosen option ids answer `question` correctly."""
        return bool(chosen) and chosen == question.correct_ids


class SingleChoice(QuestionType):
    """Exactly one option is correct and the mentor picks one."""

    name = "single"

    def problems(self, correct_flags: Sequence[bool]) -> list[str]:
        problems = super().problems(correct_flags)
        if sum(correct_flags) != 1:
            problems.append(
                f"a '{self.name}' question needs exactly one correct option "
                f"(found {sum(correct_flags)})"
            )
        return problems


class TrueFalse(SingleChoice):
    """A statement judged true or false: exactly two options, one correct."""

    name = "true_false"

    def problems(self, correct_flags: Sequence[bool]) -> list[str]:
        problems = []
        if len(correct_flags) != 2:
            problems.append(
                f"a 'true_false' question needs exactly 2 options (found {len(correct_flags)})"
            )
        return problems + [p for p in super().problems(correct_flags) if "at least 2" not in p]


class MultipleChoice(QuestionType):
    """One or more options are correct; only the exact correct set counts."""

    name = "multiple"
    several_answers = True

    def problems(self, correct_flags: Sequence[bool]) -> list[str]:
        problems = super().problems(correct_flags)
        if not any(correct_flags):
            problems.append("a 'multiple' question needs at least one correct option")
        return problems


QUESTION_TYPES: dict[str, QuestionType] = {
    kind.name: kind for kind in (SingleChoice(), TrueFalse(), MultipleChoice())
}


def question_type(name: str) -> QuestionType:
    """The registered type called `name`."""
    return QUESTION_TYPES[name]
