"""The course as files: modules, quizzes and the course path, read into dataclasses.

This package never imports Flask, so the checker, the app and the tests share one loader.
"""

from app.content.loader import (
    ContentError,
    ContentProblem,
    check_course,
    load_course,
    unset_placeholders,
)
from app.content.model import MENTOR_TYPES, Course, Module, Question, Quiz

__all__ = [
    "MENTOR_TYPES",
    "ContentError",
    "ContentProblem",
    "Course",
    "Module",
    "Question",
    "Quiz",
    "check_course",
    "load_course",
    "unset_placeholders",
]
