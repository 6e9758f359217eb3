"""Read modules, quizzes and the course path from files; validate them; render Markdown once."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from app.content import placeholders
from app.content.markup import render
from app.content.model import (
    DEFAULT_IN_PERSON_HOURS,
    MENTOR_TYPES,
    Course,
    CourseModule,
    Heading,
    Module,
    ModuleChange,
    Option,
    Question,
    Quiz,
)
from app.content.question_types import QUESTION_TYPES
from app.content.yamlpos import LineDict, LineList, YamlSyntaxError, load_yaml

COURSE_FILE = "course.yaml"
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# Checked before parsing: a content file is a few dozen KB; more is a mistake or an attack.
MAX_FILE_BYTES = 1_000_000

COURSE_KEYS = {
    "title",
    "version",
    "precheck",
    "precheck_questions",
    "screening_steps",
    "screening",
    "in_person_hours",
    "modules",
}
PATH_ENTRY_KEYS = {"slug", "required_for", "version", "changes"}
CHANGE_KEYS = {"version", "date", "summary"}
MAX_MODULE_VERSION = 999
MAX_CHANGE_SUMMARY = 300
MODULE_KEYS = {
    "title",
    "summary",
    "minutes",
    "objectives",
    "content_note",
    "requires",
    "reflection",
}
QUIZ_KEYS = {"title", "pass_mark", "draw", "shuffle", "max_failures", "cooldown_hours", "questions"}
QUESTION_KEYS = {"id", "type", "prompt", "options", "explanation", "review", "critical", "scenario"}
OPTION_KEYS = {"id", "text", "correct"}

DEFAULT_SCREENING_STEPS = {
    "background_check": "Background check",
    "reference_check": "Reference check",
    "interview": "Interview",
    "readiness_conversation": "Readiness conversation",
}
DEFAULT_SCREENING = {
    "all": ["background_check", "reference_check", "interview"],
    "survivor_mentor": ["readiness_conversation"],
}


@dataclass(frozen=True)
class ContentProblem:
    """One mistake in a content file, located by file and line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """The content has mistakes; `problems` names each one."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def display_path(path: Path) -> str:
    """A path as people will look for it: relative to the working directory when inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


class _Problems:
    """Collects problems for one file."""

    def __init__(self, sink: list[ContentProblem], path: Path) -> None:
        self.sink = sink
        self.path = display_path(path)

    def add(self, line: int, message: str) -> None:
        self.sink.append(ContentProblem(self.path, line, message))


def render_markdown(text: str, inline: bool = False) -> str:
    """Render Markdown to sanitised HTML; `inline` drops a lone wrapping paragraph."""
    return render(text.strip(), inline=inline).html


def _checked_markdown(text: str, line: int, problems: _Problems, inline: bool = False) -> str:
    """Sanitised HTML for a quiz text; raw HTML or script links are reported at `line`."""
    rendered = render(text.strip(), inline=inline)
    for problem in rendered.problems:
        problems.add(line, problem.message)
    for found in placeholders.scan(text):
        problems.add(
            line, found.problem or "program placeholders are filled in module pages only, not here"
        )
    return rendered.html


def _too_large(path: Path, problems: _Problems) -> bool:
    """Whether the file is over the size limit (reported), checked before it is read."""
    try:
        size = path.stat().st_size
    except OSError:
        return False  # the read that follows reports it
    if size > MAX_FILE_BYTES:
        problems.add(
            1, f"the file is {size:,} bytes; content files are limited to {MAX_FILE_BYTES:,} bytes"
        )
        return True
    return False


def _add_yaml_problems(error: YamlSyntaxError, problems: _Problems) -> None:
    for line, message in error.problems:
        problems.add(line, message)


def _version(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:12]


def _unknown_keys(data: LineDict, allowed: set[str], what: str, problems: _Problems) -> None:
    for key in data:
        if key not in allowed:
            problems.add(
                data.line_of(key),
                f"unknown key '{key}' in {what} (allowed: {', '.join(sorted(allowed))})",
            )


def _text(data: LineDict, key: str, problems: _Problems, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            problems.add(data.line, f"missing '{key}'")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.add(data.line_of(key), f"'{key}' must be text")
        return None
    text = str(value).strip()
    if required and not text:
        problems.add(data.line_of(key), f"'{key}' must not be empty")
        return None
    return text or None


def _integer(
    data: LineDict, key: str, problems: _Problems, low: int, high: int, default: int | None = None
) -> int | None:
    value = data.get(key, default)
    if value is None:
        problems.add(data.line, f"missing '{key}'")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(data.line_of(key), f"'{key}' must be a whole number")
        return None
    if not low <= value <= high:
        problems.add(data.line_of(key), f"'{key}' must be between {low} and {high} (found {value})")
        return None
    return value


def _boolean(data: LineDict, key: str, problems: _Problems, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        problems.add(data.line_of(key), f"'{key}' must be true or false")
        return default
    return value


def _text_list(data: LineDict, key: str, problems: _Problems, required: bool) -> list[str]:
    value = data.get(key)
    if value is None:
        if required:
            problems.add(data.line, f"missing '{key}'")
        return []
    if not isinstance(value, LineList):
        problems.add(data.line_of(key), f"'{key}' must be a list")
        return []
    items = []
    for index, item in enumerate(value):
        if (
            isinstance(item, bool)
            or not isinstance(item, str | int | float)
            or not str(item).strip()
        ):
            problems.add(value.line_of(index), f"each item of '{key}' must be non-empty text")
            continue
        items.append(str(item).strip())
    return items


def _read_yaml(path: Path, problems: _Problems) -> tuple[Any, bytes] | None:
    if _too_large(path, problems):
        return None
    try:
        raw = path.read_bytes()
    except OSError as error:
        problems.add(1, f"cannot read file: {error.strerror}")
        return None
    try:
        return load_yaml(raw.decode("utf-8")), raw
    except UnicodeDecodeError:
        problems.add(1, "file is not UTF-8 text")
    except YamlSyntaxError as error:
        _add_yaml_problems(error, problems)
    return None


def _load_path(modules_dir: Path, sink: list[ContentProblem]) -> Course | None:
    path = modules_dir / COURSE_FILE
    problems = _Problems(sink, path)
    if not path.is_file():
        problems.add(1, "the course path file is missing")
        return None
    loaded = _read_yaml(path, problems)
    if loaded is None:
        return None
    data, _raw = loaded
    if not isinstance(data, LineDict):
        problems.add(1, "the course path must be a mapping of keys to values")
        return None
    _unknown_keys(data, COURSE_KEYS, "the course path", problems)
    title = _text(data, "title", problems) or ""
    version = _text(data, "version", problems) or ""
    precheck = _boolean(data, "precheck", problems, True)
    precheck_questions = _integer(data, "precheck_questions", problems, 1, 50, default=5) or 5

    steps = dict(DEFAULT_SCREENING_STEPS)
    raw_steps = data.get("screening_steps")
    if raw_steps is not None:
        if not isinstance(raw_steps, LineDict):
            problems.add(data.line_of("screening_steps"), "'screening_steps' must be a mapping")
        else:
            steps = {}
            for key, label in raw_steps.items():
                if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
                    problems.add(
                        raw_steps.line_of(key), f"screening step key {key!r} must be snake_case"
                    )
                elif not isinstance(label, str) or not label.strip():
                    problems.add(raw_steps.line_of(key), f"screening step '{key}' needs a label")
                else:
                    steps[key] = label.strip()

    screening_raw: Any = data.get("screening", DEFAULT_SCREENING)
    screening: dict[str, list[str]] = {mentor_type: [] for mentor_type in MENTOR_TYPES}
    if not isinstance(screening_raw, dict):
        problems.add(data.line_of("screening"), "'screening' must be a mapping of mentor types")
    else:
        for who, step_list in screening_raw.items():
            line = screening_raw.line_of(who) if isinstance(screening_raw, LineDict) else data.line
            if who != "all" and who not in MENTOR_TYPES:
                problems.add(line, f"unknown mentor type '{who}' (use {_types_hint()} or all)")
                continue
            if not isinstance(step_list, list):
                problems.add(line, f"screening for '{who}' must be a list of steps")
                continue
            for step in step_list:
                if step not in steps:
                    problems.add(line, f"unknown screening step '{step}' for '{who}'")
                    continue
                for mentor_type in MENTOR_TYPES if who == "all" else [who]:
                    if step not in screening[mentor_type]:
                        screening[mentor_type].append(step)

    in_person = _in_person_hours(data, problems)

    entries: list[CourseModule] = []
    raw_modules = data.get("modules")
    if not isinstance(raw_modules, LineList) or not raw_modules:
        problems.add(data.line_of("modules"), "'modules' must be a non-empty list")
        raw_modules = LineList()
        raw_modules.line, raw_modules.item_lines = data.line, []
    seen: set[str] = set()
    for index, entry in enumerate(raw_modules):
        line = raw_modules.line_of(index)
        if not isinstance(entry, LineDict):
            problems.add(line, "each module entry needs 'slug' and 'required_for'")
            continue
        _unknown_keys(entry, PATH_ENTRY_KEYS, "a module entry", problems)
        slug = entry.get("slug")
        if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
            problems.add(line, f"module slug {slug!r} must be lowercase letters, digits and dashes")
            continue
        if slug in seen:
            problems.add(line, f"module '{slug}' is listed twice")
            continue
        seen.add(slug)
        required_raw = entry.get("required_for", "all")
        required: set[str] = set()
        if required_raw == "all":
            required = set(MENTOR_TYPES)
        elif isinstance(required_raw, list) and required_raw:
            for mentor_type in required_raw:
                if mentor_type not in MENTOR_TYPES:
                    problems.add(
                        entry.line_of("required_for"),
                        f"unknown mentor type '{mentor_type}' (use {_types_hint()})",
                    )
                else:
                    required.add(mentor_type)
        else:
            problems.add(
                entry.line_of("required_for"),
                "'required_for' must be 'all' or a list of mentor types",
            )
        module_version, changes = _module_versions(entry, problems)
        entries.append(
            CourseModule(
                slug=slug,
                required_for=frozenset(required),
                version=module_version,
                changes=changes,
            )
        )

    return Course(
        title=title,
        version=version,
        precheck=precheck,
        precheck_questions=precheck_questions,
        screening_steps=steps,
        screening={key: tuple(value) for key, value in screening.items()},
        path=tuple(entries),
        in_person_hours=in_person,
    )


def _module_versions(entry: LineDict, problems: _Problems) -> tuple[int, tuple[ModuleChange, ...]]:
    """A module's author-bumped version and one dated summary for each version after the first.

    Certified mentors take a refresher for each change, so a bump with nothing to tell them, or
    a summary for a version that does not exist, is a mistake the checker names.
    """
    version = _integer(entry, "version", problems, 1, MAX_MODULE_VERSION, default=1) or 1
    raw: Any = entry.get("changes")
    if raw is None:
        raw = LineList()
        raw.line, raw.item_lines = entry.line_of("version"), []
    elif not isinstance(raw, LineList):
        problems.add(entry.line_of("changes"), "'changes' must be a list of versions")
        return version, ()
    changes: list[ModuleChange] = []
    previous: ModuleChange | None = None
    for index, item in enumerate(raw):
        line = raw.line_of(index)
        if not isinstance(item, LineDict):
            problems.add(line, "each change needs 'version', 'date' and 'summary'")
            continue
        _unknown_keys(item, CHANGE_KEYS, "a change", problems)
        number = _integer(item, "version", problems, 2, MAX_MODULE_VERSION)
        summary = _text(item, "summary", problems)
        day = _change_date(item, problems)
        if summary is not None and len(summary) > MAX_CHANGE_SUMMARY:
            problems.add(
                item.line_of("summary"),
                f"a change summary is one line of at most {MAX_CHANGE_SUMMARY} characters",
            )
            summary = None
        if number is None or summary is None or day is None:
            continue
        if number > version:
            problems.add(
                item.line_of("version"),
                f"a change for version {number}, but the module is at version {version}",
            )
            continue
        if previous is not None and number <= previous.version:
            problems.add(
                item.line_of("version"),
                f"versions must increase: {number} comes after {previous.version}",
            )
            continue
        if previous is not None and day < previous.date:
            problems.add(
                item.line_of("date"),
                f"version {number} takes effect before version {previous.version} ({previous.date})",
            )
            continue
        previous = ModuleChange(version=number, date=day, summary=summary)
        changes.append(previous)
    named = {item.get("version") for item in raw if isinstance(item, LineDict)}
    missing = [str(number) for number in range(2, version + 1) if number not in named]
    if missing:
        problems.add(
            entry.line_of("version"),
            f"version {version} needs a change with a date and a one-line summary for "
            f"version {', '.join(missing)} (what certified mentors must know)",
        )
    return version, tuple(changes)


def _change_date(item: LineDict, problems: _Problems) -> date | None:
    value = item.get("date")
    if value is None:
        problems.add(item.line, "missing 'date' (the day the change takes effect)")
        return None
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.add(item.line_of("date"), f"'date' must be a date like 2026-12-01 (found {value!r})")
    return None


IN_PERSON_MAX_HOURS = 200


def _in_person_hours(data: LineDict, problems: _Problems) -> dict[str, float]:
    """Hours of in-person training each mentor type needs before matching (default 2 for all)."""
    hours = {mentor_type: DEFAULT_IN_PERSON_HOURS for mentor_type in MENTOR_TYPES}
    raw: Any = data.get("in_person_hours")
    if raw is None:
        return hours
    if not isinstance(raw, LineDict):
        problems.add(
            data.line_of("in_person_hours"),
            "'in_person_hours' must be a mapping of mentor types (or all) to hours",
        )
        return hours
    # 'all' first, so that a mentor type named beside it overrides it.
    for who in sorted(raw, key=lambda key: key != "all"):
        value = raw[who]
        line = raw.line_of(who)
        if who != "all" and who not in MENTOR_TYPES:
            problems.add(line, f"unknown mentor type '{who}' (use {_types_hint()} or all)")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.add(line, f"in-person hours for '{who}' must be a number")
            continue
        if not 0 <= value <= IN_PERSON_MAX_HOURS:
            problems.add(
                line, f"in-person hours for '{who}' must be between 0 and {IN_PERSON_MAX_HOURS}"
            )
            continue
        for mentor_type in MENTOR_TYPES if who == "all" else [who]:
            hours[mentor_type] = float(value)
    return hours


def _types_hint() -> str:
    return ", ".join(MENTOR_TYPES)


def _flatten_toc(tokens: list[dict[str, Any]]) -> list[Heading]:
    headings = []
    for token in tokens:
        headings.append(Heading(anchor=token["id"], title=token["name"], level=token["level"]))
        headings.extend(_flatten_toc(token.get("children", [])))
    return headings


@dataclass(frozen=True)
class FrontMatter:
    """A Markdown file's YAML front matter (with its own text) and the body after it."""

    data: LineDict
    text: str
    body: str
    body_line: int  # the file line the body starts on


def split_front_matter(text: str, problems: _Problems, what: str) -> FrontMatter | None:
    """The front matter between the opening '---' lines, parsed, and the body; or None, with
    the mistakes reported. `what` names the file in the first message ("a module")."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.add(1, f"{what} must start with front matter between '---' lines")
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.add(1, "the front matter has no closing '---' line")
        return None
    front_text = "\n".join(lines[1:end])
    try:
        front = load_yaml(front_text, first_line=2)
    except YamlSyntaxError as error:
        _add_yaml_problems(error, problems)
        return None
    if not isinstance(front, LineDict):
        problems.add(2, "the front matter must be a mapping of keys to values")
        return None
    return FrontMatter(front, front_text, "\n".join(lines[end + 1 :]), end + 2)


def _load_module(path: Path, slug: str, sink: list[ContentProblem]) -> Module | None:
    problems = _Problems(sink, path)
    if _too_large(path, problems):
        return None
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as error:
        problems.add(1, f"cannot read file: {error.strerror}")
        return None
    except UnicodeDecodeError:
        problems.add(1, "file is not UTF-8 text")
        return None
    matter = split_front_matter(text, problems, "a module")
    if matter is None:
        return None
    front = matter.data
    before = len(sink)
    _unknown_keys(front, MODULE_KEYS, "module front matter", problems)
    title = _text(front, "title", problems)
    summary = _text(front, "summary", problems)
    minutes = _integer(front, "minutes", problems, 1, 240)
    objectives = _text_list(front, "objectives", problems, required=True)
    content_note = _text(front, "content_note", problems, required=False)
    requires = _text_list(front, "requires", problems, required=False)
    reflection = _text_list(front, "reflection", problems, required=False)
    if "objectives" in front and not objectives:
        problems.add(front.line_of("objectives"), "'objectives' must list at least one objective")

    for found in placeholders.scan(matter.text, first_line=2):
        problems.add(
            found.line,
            found.problem
            or "program placeholders are filled in the module text only, not in the front matter",
        )
    body = matter.body
    used = _placeholders_in_body(body, matter.body_line, problems)
    rendered = render(placeholders.mark(body), first_line=matter.body_line)
    for problem in rendered.problems:
        problems.add(problem.line, problem.message)
    body_html = rendered.html
    headings = _flatten_toc(rendered.toc_tokens)
    word_count = len(re.findall(r"[\w'’-]+", body))
    if len(sink) > before:
        return None
    return Module(
        slug=slug,
        title=title or "",
        summary=summary or "",
        minutes=minutes or 0,
        objectives=tuple(objectives),
        content_note=content_note,
        requires=tuple(requires),
        reflection=tuple(reflection),
        body_html=body_html,
        headings=tuple(headings),
        word_count=word_count,
        version=_version(raw),
        path=display_path(path),
        placeholders=tuple(used),
    )


def _placeholders_in_body(body: str, first_line: int, problems: _Problems) -> list[tuple[str, int]]:
    """The placeholders a module's text uses, by line; mistakes in them are reported."""
    used = []
    lines = body.splitlines()
    for found in placeholders.scan(body, first_line):
        if found.problem:
            problems.add(found.line, found.problem)
        elif lines[found.line - first_line].lstrip().startswith("#"):
            problems.add(found.line, "program placeholders cannot be used in headings")
        elif found.name:
            used.append((found.name, found.line))
    return used


def _load_option(
    raw: Any, line: int, seen: set[str], problems: _Problems
) -> tuple[Option | None, bool]:
    if not isinstance(raw, LineDict):
        problems.add(line, "each option needs 'id', 'text' and 'correct'")
        return None, False
    _unknown_keys(raw, OPTION_KEYS, "an option", problems)
    option_id = raw.get("id")
    if isinstance(option_id, bool) or not isinstance(option_id, str | int):
        problems.add(line, "each option needs an 'id' (quote ids such as 'yes' or 'no')")
        return None, False
    option_id = str(option_id)
    if option_id in seen:
        problems.add(raw.line_of("id"), f"duplicate option id '{option_id}'")
    seen.add(option_id)
    text = _text(raw, "text", problems)
    correct = raw.get("correct")
    if not isinstance(correct, bool):
        problems.add(
            raw.line_of("correct"), "each option needs 'correct: true' or 'correct: false'"
        )
        return None, False
    if text is None:
        return None, correct
    text_html = _checked_markdown(text, raw.line_of("text"), problems, inline=True)
    return Option(id=option_id, text_html=text_html, correct=correct), correct


def _load_question(
    raw: Any, line: int, module: Module | None, seen: set[str], problems: _Problems
) -> Question | None:
    if not isinstance(raw, LineDict):
        problems.add(line, "each question must be a mapping of keys to values")
        return None
    before = len(problems.sink)
    _unknown_keys(raw, QUESTION_KEYS, "a question", problems)
    question_id = raw.get("id")
    if not isinstance(question_id, str) or not ID_PATTERN.match(question_id):
        problems.add(line, "each question needs an 'id' of letters, digits, dashes or underscores")
        return None
    if question_id in seen:
        problems.add(raw.line_of("id"), f"duplicate question id '{question_id}'")
    seen.add(question_id)
    kind = raw.get("type")
    if kind not in QUESTION_TYPES:
        problems.add(
            raw.line_of("type"),
            f"question '{question_id}': unknown type {kind!r} (use {', '.join(QUESTION_TYPES)})",
        )
    prompt = _text(raw, "prompt", problems)
    explanation = _text(raw, "explanation", problems)
    critical = _boolean(raw, "critical", problems, False)
    scenario = _boolean(raw, "scenario", problems, False)
    review = _text(raw, "review", problems, required=False)
    if review is not None and module is not None and review not in module.anchors:
        problems.add(
            raw.line_of("review"),
            f"question '{question_id}': review anchor '#{review}' is not a heading in "
            f"{module.path}",
        )
    raw_options = raw.get("options")
    options: list[Option] = []
    flags: list[bool] = []
    if not isinstance(raw_options, LineList):
        problems.add(raw.line_of("options"), f"question '{question_id}' needs a list of 'options'")
    else:
        option_ids: set[str] = set()
        for index, raw_option in enumerate(raw_options):
            option, flag = _load_option(
                raw_option, raw_options.line_of(index), option_ids, problems
            )
            flags.append(flag)
            if option:
                options.append(option)
        if kind in QUESTION_TYPES:
            for message in QUESTION_TYPES[kind].problems(flags):
                problems.add(raw.line_of("options"), f"question '{question_id}': {message}")
    prompt_html = _checked_markdown(prompt or "", raw.line_of("prompt"), problems)
    explanation_html = _checked_markdown(explanation or "", raw.line_of("explanation"), problems)
    if len(problems.sink) > before:
        return None
    return Question(
        id=question_id,
        type=str(kind),
        prompt_html=prompt_html,
        options=tuple(options),
        explanation_html=explanation_html,
        review=review,
        critical=critical,
        scenario=scenario,
    )


def _load_quiz(path: Path, module: Module | None, sink: list[ContentProblem]) -> Quiz | None:
    problems = _Problems(sink, path)
    loaded = _read_yaml(path, problems)
    if loaded is None:
        return None
    data, raw = loaded
    if not isinstance(data, LineDict):
        problems.add(1, "a quiz must be a mapping of keys to values")
        return None
    before = len(sink)
    _unknown_keys(data, QUIZ_KEYS, "a quiz", problems)
    title = _text(data, "title", problems)
    pass_mark = _integer(data, "pass_mark", problems, 1, 100)
    draw = _integer(data, "draw", problems, 1, 200)
    shuffle = _boolean(data, "shuffle", problems, True)
    max_failures = _integer(data, "max_failures", problems, 1, 100, default=3)
    cooldown_hours = _integer(data, "cooldown_hours", problems, 0, 24 * 30, default=24)
    raw_questions = data.get("questions")
    questions: list[Question] = []
    if not isinstance(raw_questions, LineList) or not raw_questions:
        problems.add(data.line_of("questions"), "'questions' must be a non-empty list")
    else:
        seen: set[str] = set()
        for index, raw_question in enumerate(raw_questions):
            question = _load_question(
                raw_question, raw_questions.line_of(index), module, seen, problems
            )
            if question:
                questions.append(question)
        if draw is not None and draw > len(raw_questions):
            problems.add(
                data.line_of("draw"),
                f"'draw' is {draw} but the pool has only {len(raw_questions)} questions",
            )
    if len(sink) > before:
        return None
    return Quiz(
        slug=path.stem,
        title=title or "",
        pass_mark=pass_mark or 0,
        draw=draw or 0,
        shuffle=shuffle,
        max_failures=max_failures or 3,
        cooldown_hours=cooldown_hours if cooldown_hours is not None else 24,
        questions=tuple(questions),
        version=_version(raw),
        path=display_path(path),
    )


def check_course(
    modules_dir: str | Path, quizzes_dir: str | Path
) -> tuple[Course | None, list[ContentProblem]]:
    """Load the whole course; return it (when valid) and every problem found."""
    modules_dir, quizzes_dir = Path(modules_dir), Path(quizzes_dir)
    problems: list[ContentProblem] = []
    course = _load_path(modules_dir, problems)
    if course is None:
        return None, problems
    course_file = _Problems(problems, modules_dir / COURSE_FILE)
    path_slugs = [entry.slug for entry in course.path]
    for slug in path_slugs:
        module_path = modules_dir / f"{slug}.md"
        if not module_path.is_file():
            course_file.add(
                _path_line(modules_dir, slug),
                f"module '{slug}' has no file {display_path(module_path)}",
            )
            continue
        module = _load_module(module_path, slug, problems)
        entry = course.entry(slug)
        if module and entry is not None and entry.version > 1:
            # A bumped module is a new reading even if its file did not change, so a mentor's
            # "I have read this" is recorded again for the refresher.
            module = replace(module, version=_version(f"{module.version}:{entry.version}".encode()))
        if module:
            course.modules[slug] = module
    for module_path in sorted(modules_dir.glob("*.md")):
        if _is_overlay(module_path):
            continue  # a translation: checked with the others once the English is valid
        if module_path.stem.lower() != "readme" and module_path.stem not in path_slugs:
            _Problems(problems, module_path).add(
                1, f"module '{module_path.stem}' is not on the course path in {COURSE_FILE}"
            )
    for slug, module in course.modules.items():
        module_problems = _Problems(problems, modules_dir / f"{slug}.md")
        for required in module.requires:
            if required == slug:
                module_problems.add(1, f"module '{slug}' cannot require itself")
            elif required not in path_slugs:
                module_problems.add(1, f"'requires' names no module '{required}'")
            elif path_slugs.index(required) > path_slugs.index(slug):
                module_problems.add(
                    1, f"'requires' names '{required}', which comes later on the path"
                )

    quiz_paths = {
        path.stem: path
        for path in sorted(Path(quizzes_dir).glob("*.yaml"))
        if not _is_overlay(path)
    }
    for slug, quiz_path in quiz_paths.items():
        if slug not in path_slugs:
            _Problems(problems, quiz_path).add(1, f"quiz '{slug}' has no module on the course path")
            continue
        quiz = _load_quiz(quiz_path, course.modules.get(slug), problems)
        if quiz:
            course.quizzes[slug] = quiz
    for entry in course.path:
        if entry.required_for and entry.slug not in quiz_paths:
            course_file.add(
                _path_line(modules_dir, entry.slug),
                f"required module '{entry.slug}' has no quiz {display_path(Path(quizzes_dir) / (entry.slug + '.yaml'))}",
            )
    if problems:
        return None, problems
    from app.content.translations import load_translations

    # Translations are a state of the course, not its validity: an invalid or stale one is
    # served as the English, and `flask content check` names its mistakes.
    translations = load_translations(
        modules_dir, Path(quizzes_dir), course.modules, course.quizzes, path_slugs
    )
    return replace(course, translations=translations), problems


def _is_overlay(path: Path) -> bool:
    """Whether `path` is named like a translation (`alpha.es.md`) rather than an English file."""
    from app.content.translations import overlay_name

    return overlay_name(path) is not None


def _path_line(modules_dir: Path, slug: str) -> int:
    """The line of course.yaml that names `slug`, for messages about that module."""
    try:
        for number, line in enumerate(
            (modules_dir / COURSE_FILE).read_text("utf-8").splitlines(), 1
        ):
            if re.search(rf"slug:\s*['\"]?{re.escape(slug)}['\"]?\s*$", line):
                return number
    except OSError:
        pass
    return 1


def unset_placeholders(course: Course, unset: set[str]) -> list[ContentProblem]:
    """A problem for each use of a placeholder the program profile requires but has not set."""
    return [
        ContentProblem(
            module.path,
            line,
            f"'program.{name}' is required by the program profile but not set yet; "
            "fill it in on the Program profile page",
        )
        for module in course.ordered_modules()
        for name, line in module.placeholders
        if name in unset
    ]


def load_course(modules_dir: str | Path, quizzes_dir: str | Path) -> Course:
    """Load the course, or raise ContentError naming every problem."""
    course, problems = check_course(modules_dir, quizzes_dir)
    if problems or course is None:
        raise ContentError(problems)
    return course
