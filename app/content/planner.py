"""The mentoring-model planner's questions, rules and worked examples, read from planner.yaml.

The planner turns a program's answers into a recommended form, location, purpose, relationship
types and mentor types, each with reasons and cautions taken from the CSEC mentoring-models
toolkit. The rules are data so a program's trainer can revise them; this module only reads and
checks them (file:line for every mistake). Like the rest of the package it never imports Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.content.loader import (
    ContentProblem,
    _Problems,
    _read_yaml,
    _text,
    _unknown_keys,
    _version,
)
from app.content.model import MENTOR_TYPES
from app.content.yamlpos import LineDict, LineList

PLANNER_FILE = "planner.yaml"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# The toolkit's own vocabulary: what a plan can recommend in each of its five parts.
DIMENSIONS: dict[str, dict[str, str]] = {
    "form": {"assigned": "Assigned (formal)", "natural": "Natural (informal)"},
    "location": {"site": "Site-based", "community": "Community-based"},
    "purpose": {"developmental": "Developmental", "prescriptive": "Prescriptive"},
    "relationships": {
        "one_to_one": "One adult, one youth",
        "group": "Group (one adult, up to four youth)",
        "team": "Team (several adults, several youth)",
        "peer": "Peer mentoring",
        "e_mentoring": "E-mentoring",
        "blended": "Blended (one-to-one inside a group)",
    },
    "mentor_types": dict(MENTOR_TYPES),
}
DIMENSION_TITLES = {
    "form": "Form",
    "location": "Location",
    "purpose": "Purpose",
    "relationships": "Relationship types",
    "mentor_types": "Mentor types",
}

TOP_KEYS = {"title", "introduction", "questions", "rules", "examples"}
QUESTION_KEYS = {"id", "prompt", "hint", "multiple", "asked_when", "choices"}
CHOICE_KEYS = {"id", "label", "alone"}
RULE_KEYS = {"id", "when", "unless", "otherwise", "recommend", "reason", "caution"}
EXAMPLE_KEYS = {"id", "title", "description", "when", "unless"}


@dataclass(frozen=True)
class Choice:
    """One answer a question offers."""

    id: str
    label: str
    alone: bool = False  # on a several-answer question: cannot be chosen with another ("None yet")


@dataclass(frozen=True)
class PlannerQuestion:
    """A question; `asked_when` limits it to programs whose other answers match."""

    id: str
    prompt: str
    hint: str | None
    multiple: bool
    choices: tuple[Choice, ...]
    asked_when: tuple[tuple[str, frozenset[str]], ...]

    def label_of(self, choice_id: str) -> str:
        """The label of one of this question's choices."""
        return next(choice.label for choice in self.choices if choice.id == choice_id)


@dataclass(frozen=True)
class Rule:
    """Adds recommendations (and a caution) when every `when` matches and no `unless` does."""

    id: str
    when: tuple[tuple[str, frozenset[str]], ...]
    unless: tuple[tuple[str, frozenset[str]], ...]
    otherwise: bool
    recommend: tuple[tuple[str, tuple[str, ...]], ...]
    reason: str | None
    caution: str | None
    line: int


@dataclass(frozen=True)
class Example:
    """One of the toolkit's worked examples, shown when its conditions match."""

    id: str
    title: str
    description: str
    when: tuple[tuple[str, frozenset[str]], ...]
    unless: tuple[tuple[str, frozenset[str]], ...]


@dataclass(frozen=True)
class Planner:
    """The questionnaire and its rules, as read from planner.yaml."""

    title: str
    introduction: str
    questions: tuple[PlannerQuestion, ...]
    rules: tuple[Rule, ...]
    examples: tuple[Example, ...]
    version: str
    path: str

    def question(self, question_id: str) -> PlannerQuestion:
        """The question with this id."""
        return next(question for question in self.questions if question.id == question_id)


def _conditions(
    data: LineDict,
    key: str,
    questions: dict[str, PlannerQuestion],
    problems: _Problems,
) -> tuple[tuple[str, frozenset[str]], ...]:
    """`question: choice` or `question: [choice, ...]` pairs, each checked against the questions."""
    raw = data.get(key)
    if raw is None:
        return ()
    if not isinstance(raw, LineDict) or not raw:
        problems.add(data.line_of(key), f"'{key}' must map question ids to choices")
        return ()
    found = []
    for question_id, wanted in raw.items():
        line = raw.line_of(question_id)
        question = questions.get(question_id) if isinstance(question_id, str) else None
        if question is None:
            problems.add(line, f"'{key}' names no question {question_id!r}")
            continue
        values = list(wanted) if isinstance(wanted, LineList) else [wanted]
        known = {choice.id for choice in question.choices}
        choices = set()
        for value in values:
            if not isinstance(value, str) or value not in known:
                problems.add(
                    line,
                    f"'{key}': question '{question_id}' has no choice {value!r} "
                    f"(choices: {', '.join(sorted(known))})",
                )
            else:
                choices.add(value)
        if choices:
            found.append((question_id, frozenset(choices)))
    return tuple(found)


def _load_question(raw: Any, line: int, seen: set[str], problems: _Problems) -> Any:
    if not isinstance(raw, LineDict):
        problems.add(line, "each question needs 'id', 'prompt' and 'choices'")
        return None
    _unknown_keys(raw, QUESTION_KEYS, "a planner question", problems)
    question_id = raw.get("id")
    if not isinstance(question_id, str) or not ID_PATTERN.match(question_id):
        problems.add(line, "each question needs an 'id' of lowercase letters, digits and _")
        return None
    if question_id in seen:
        problems.add(raw.line_of("id"), f"duplicate question id '{question_id}'")
    seen.add(question_id)
    prompt = _text(raw, "prompt", problems)
    hint = _text(raw, "hint", problems, required=False)
    multiple = raw.get("multiple", False)
    if not isinstance(multiple, bool):
        problems.add(raw.line_of("multiple"), "'multiple' must be true or false")
        multiple = False
    raw_choices = raw.get("choices")
    choices: list[Choice] = []
    if not isinstance(raw_choices, LineList) or len(raw_choices) < 2:
        problems.add(raw.line_of("choices"), f"question '{question_id}' needs at least 2 choices")
    else:
        choice_ids: set[str] = set()
        for index, raw_choice in enumerate(raw_choices):
            choice_line = raw_choices.line_of(index)
            if not isinstance(raw_choice, LineDict):
                problems.add(choice_line, "each choice needs 'id' and 'label'")
                continue
            _unknown_keys(raw_choice, CHOICE_KEYS, "a choice", problems)
            choice_id = raw_choice.get("id")
            if not isinstance(choice_id, str) or not ID_PATTERN.match(choice_id):
                problems.add(
                    choice_line, "each choice needs an 'id' of lowercase letters, digits and _"
                )
                continue
            if choice_id in choice_ids:
                problems.add(choice_line, f"duplicate choice id '{choice_id}' in '{question_id}'")
                continue
            choice_ids.add(choice_id)
            label = _text(raw_choice, "label", problems)
            alone = raw_choice.get("alone", False)
            if not isinstance(alone, bool):
                problems.add(raw_choice.line_of("alone"), "'alone' must be true or false")
                alone = False
            elif alone and not multiple:
                problems.add(
                    raw_choice.line_of("alone"),
                    f"'alone' is only for questions with 'multiple: true' ('{question_id}')",
                )
            if label:
                choices.append(Choice(id=choice_id, label=label, alone=alone))
    return raw, PlannerQuestion(
        id=question_id,
        prompt=prompt or "",
        hint=hint,
        multiple=multiple,
        choices=tuple(choices),
        asked_when=(),
    )


def _recommend(raw: LineDict, problems: _Problems) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = raw.get("recommend")
    if value is None:
        return ()
    if not isinstance(value, LineDict) or not value:
        problems.add(raw.line_of("recommend"), "'recommend' must map parts of a plan to values")
        return ()
    found = []
    for dimension, wanted in value.items():
        line = value.line_of(dimension)
        if dimension not in DIMENSIONS:
            problems.add(
                line,
                f"'recommend' names no part {dimension!r} (use {', '.join(DIMENSIONS)})",
            )
            continue
        values = list(wanted) if isinstance(wanted, LineList) else [wanted]
        good = []
        for item in values:
            if item not in DIMENSIONS[dimension]:
                problems.add(
                    line,
                    f"{dimension}: unknown value {item!r} (use {', '.join(DIMENSIONS[dimension])})",
                )
            else:
                good.append(item)
        if good:
            found.append((dimension, tuple(good)))
    return tuple(found)


def _load_rule(
    raw: Any, line: int, seen: set[str], questions: dict[str, PlannerQuestion], problems: _Problems
) -> Rule | None:
    if not isinstance(raw, LineDict):
        problems.add(line, "each rule needs 'id', 'when' and 'recommend' or 'caution'")
        return None
    _unknown_keys(raw, RULE_KEYS, "a rule", problems)
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not ID_PATTERN.match(rule_id):
        problems.add(line, "each rule needs an 'id' of lowercase letters, digits and _")
        return None
    if rule_id in seen:
        problems.add(raw.line_of("id"), f"duplicate rule id '{rule_id}'")
    seen.add(rule_id)
    otherwise = raw.get("otherwise", False)
    if not isinstance(otherwise, bool):
        problems.add(raw.line_of("otherwise"), "'otherwise' must be true or false")
        otherwise = False
    recommend = _recommend(raw, problems)
    reason = _text(raw, "reason", problems, required=False)
    caution = _text(raw, "caution", problems, required=False)
    if "recommend" in raw and not reason:
        problems.add(raw.line_of("recommend"), f"rule '{rule_id}' recommends without a 'reason'")
    if not recommend and not caution and "recommend" not in raw:
        problems.add(line, f"rule '{rule_id}' needs 'recommend' (with a 'reason') or a 'caution'")
    if otherwise and not recommend:
        problems.add(raw.line_of("otherwise"), f"rule '{rule_id}': 'otherwise' needs 'recommend'")
    return Rule(
        id=rule_id,
        when=_conditions(raw, "when", questions, problems),
        unless=_conditions(raw, "unless", questions, problems),
        otherwise=otherwise,
        recommend=recommend,
        reason=reason,
        caution=caution,
        line=line,
    )


def check_planner(modules_dir: str | Path) -> tuple[Planner | None, list[ContentProblem]]:
    """Read `planner.yaml` from the modules folder; (None, []) when the program has none."""
    path = Path(modules_dir) / PLANNER_FILE
    sink: list[ContentProblem] = []
    if not path.is_file():
        return None, sink
    problems = _Problems(sink, path)
    loaded = _read_yaml(path, problems)
    if loaded is None:
        return None, sink
    data, raw_bytes = loaded
    if not isinstance(data, LineDict):
        problems.add(1, "the planner file must be a mapping of keys to values")
        return None, sink
    _unknown_keys(data, TOP_KEYS, "the planner file", problems)
    title = _text(data, "title", problems) or ""
    introduction = _text(data, "introduction", problems, required=False) or ""

    raw_questions = data.get("questions")
    loaded_questions: list[tuple[LineDict, PlannerQuestion]] = []
    if not isinstance(raw_questions, LineList) or not raw_questions:
        problems.add(data.line_of("questions"), "'questions' must be a non-empty list")
    else:
        seen: set[str] = set()
        for index, raw in enumerate(raw_questions):
            result = _load_question(raw, raw_questions.line_of(index), seen, problems)
            if result:
                loaded_questions.append(result)
    by_id = {question.id: question for _raw, question in loaded_questions}
    questions = []
    for raw, question in loaded_questions:
        asked_when = _conditions(raw, "asked_when", by_id, problems)
        earlier = {done.id for done in questions}
        for other, _choices in asked_when:
            # Answers are settled in order, so a question can only depend on one already asked.
            if other not in earlier:
                problems.add(
                    raw.line_of("asked_when"),
                    f"question '{question.id}' can only depend on an earlier question, "
                    f"not '{other}'",
                )
        questions.append(
            PlannerQuestion(
                id=question.id,
                prompt=question.prompt,
                hint=question.hint,
                multiple=question.multiple,
                choices=question.choices,
                asked_when=asked_when,
            )
        )

    rules: list[Rule] = []
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, LineList) or not raw_rules:
        problems.add(data.line_of("rules"), "'rules' must be a non-empty list")
    else:
        seen_rules: set[str] = set()
        for index, raw in enumerate(raw_rules):
            rule = _load_rule(raw, raw_rules.line_of(index), seen_rules, by_id, problems)
            if rule:
                rules.append(rule)
        # Every part of a plan needs a last resort, so no answer set leaves a part empty.
        covered = {dimension for rule in rules if rule.otherwise for dimension, _ in rule.recommend}
        for dimension in DIMENSIONS:
            if dimension not in covered:
                problems.add(
                    raw_rules.line,
                    f"no rule with 'otherwise: true' recommends a {dimension} "
                    "(needed when no other rule applies)",
                )

    examples: list[Example] = []
    raw_examples = data.get("examples", LineList())
    if not isinstance(raw_examples, LineList):
        problems.add(data.line_of("examples"), "'examples' must be a list")
    else:
        seen_examples: set[str] = set()
        for index, raw in enumerate(raw_examples):
            line = raw_examples.line_of(index)
            if not isinstance(raw, LineDict):
                problems.add(line, "each example needs 'id', 'title', 'description' and 'when'")
                continue
            _unknown_keys(raw, EXAMPLE_KEYS, "an example", problems)
            example_id = raw.get("id")
            if not isinstance(example_id, str) or not ID_PATTERN.match(example_id):
                problems.add(line, "each example needs an 'id' of lowercase letters, digits and _")
                continue
            if example_id in seen_examples:
                problems.add(raw.line_of("id"), f"duplicate example id '{example_id}'")
            seen_examples.add(example_id)
            when = _conditions(raw, "when", by_id, problems)
            if not when:
                problems.add(line, f"example '{example_id}' needs 'when'")
            examples.append(
                Example(
                    id=example_id,
                    title=_text(raw, "title", problems) or "",
                    description=_text(raw, "description", problems) or "",
                    when=when,
                    unless=_conditions(raw, "unless", by_id, problems),
                )
            )
    if sink:
        return None, sink
    return (
        Planner(
            title=title,
            introduction=introduction,
            questions=tuple(questions),
            rules=tuple(rules),
            examples=tuple(examples),
            version=_version(raw_bytes),
            path=problems.path,
        ),
        sink,
    )
