"""Translations of the course: overlay files beside the English, checked and rendered once.

A module's translation is two files next to the English ones: `modules/<slug>.<lang>.md` (front
matter with the translated texts, then the translated body) and `quizzes/<slug>.<lang>.yaml`
(prompts, option texts and explanations keyed by the English question and option ids). An
overlay only ever changes texts: ids, answers, types, flags, minutes and versions come from the
English, so grading, draws, reports and knowledge gain never depend on the language.

Each overlay records `source_sha256`, the SHA-256 of the English file it translates. When the
English file changes the translation is *stale*: not a mistake, a state, and the reader is shown
the English until a translator catches up. A module is offered in a language only when both its
overlays are present, valid and not stale.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.content import placeholders
from app.content.loader import (
    ContentProblem,
    _checked_markdown,
    _flatten_toc,
    _placeholders_in_body,
    _Problems,
    _read_yaml,
    _text,
    _text_list,
    _too_large,
    display_path,
    split_front_matter,
)
from app.content.markup import render
from app.content.model import Course, Heading, Module, Option, Question, Quiz
from app.content.yamlpos import LineDict

# The languages the site offers, each named in itself. The first is the one the course is
# written in; every other one is read from overlay files.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
SOURCE_LANGUAGE = "en"
OVERLAY_LANGUAGES: tuple[str, ...] = tuple(code for code in LANGUAGES if code != SOURCE_LANGUAGE)

# `<slug>.<lang>.md`: a language code of two or three letters, optionally with a region.
OVERLAY_NAME = re.compile(r"^(?P<slug>[^.]+)\.(?P<language>[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MODULE_TEXT_KEYS = ("title", "summary", "objectives", "content_note", "reflection")
MODULE_OVERLAY_KEYS = {"source_sha256", *MODULE_TEXT_KEYS}
QUIZ_OVERLAY_KEYS = {"source_sha256", "title", "questions"}
QUESTION_OVERLAY_KEYS = {"prompt", "options", "explanation"}
# Front-matter texts are shown escaped, but a translation holding markup is a mistake to name.
_HTML_IN_TEXT = re.compile(r"<\s*/?\s*[A-Za-z!?]")

TRANSLATED, STALE, MISSING, INVALID = "translated", "stale", "missing", "invalid"


def overlay_name(path: Path) -> tuple[str, str] | None:
    """(slug, language) when `path` is named like a translation (`alpha.es.md`), else None."""
    match = OVERLAY_NAME.match(path.stem)
    return (match.group("slug"), match.group("language")) if match else None


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes, as overlays record it in `source_sha256`."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class ModuleText:
    """A module's translated texts, the body rendered once like the English."""

    title: str
    summary: str
    objectives: tuple[str, ...]
    content_note: str | None
    reflection: tuple[str, ...]
    body_html: str
    headings: tuple[Heading, ...]


@dataclass(frozen=True)
class QuestionText:
    """One question's translated prompt, explanation and option texts (HTML, sanitised)."""

    prompt_html: str
    explanation_html: str
    options: dict[str, str]


@dataclass(frozen=True)
class QuizText:
    """A quiz's translated title and questions, keyed by the English question ids."""

    title: str
    questions: dict[str, QuestionText]


@dataclass(frozen=True)
class Translation:
    """One module in one language: its state, and its texts when it is offered."""

    slug: str
    language: str
    state: str
    # English files changed since they were translated (stale), or overlay files not written.
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    problems: tuple[ContentProblem, ...] = ()
    module: ModuleText | None = None
    quiz: QuizText | None = None

    @property
    def offered(self) -> bool:
        """Whether readers of this language get this module in it."""
        return self.state == TRANSLATED

    def apply_module(self, module: Module) -> Module:
        """The English module with this translation's texts (ids, versions and minutes kept)."""
        if self.module is None:
            return module
        text = self.module
        return replace(
            module,
            title=text.title,
            summary=text.summary,
            objectives=text.objectives,
            content_note=text.content_note,
            reflection=text.reflection,
            body_html=text.body_html,
            headings=text.headings,
        )

    def apply_quiz(self, quiz: Quiz) -> Quiz:
        """The English quiz with this translation's texts; a question it lacks stays English.

        Only the program's own question is ever absent (the checker requires every question in
        the file), and it is written by the program in its own words.
        """
        if self.quiz is None:
            return quiz
        texts = self.quiz.questions
        return replace(
            quiz,
            title=self.quiz.title,
            questions=tuple(
                _translated_question(question, texts[question.id])
                if question.id in texts
                else question
                for question in quiz.questions
            ),
        )


def _translated_question(question: Question, text: QuestionText) -> Question:
    return replace(
        question,
        prompt_html=text.prompt_html,
        explanation_html=text.explanation_html,
        options=tuple(
            Option(id=option.id, text_html=text.options[option.id], correct=option.correct)
            for option in question.options
        ),
    )


@dataclass
class Translations:
    """Every module's translation in every overlay language, and the problems found."""

    by_language: dict[str, dict[str, Translation]] = field(default_factory=dict)
    problems: list[ContentProblem] = field(default_factory=list)

    def get(self, language: str, slug: str) -> Translation | None:
        """The translation of `slug` into `language`, or None for the English or no such module."""
        return self.by_language.get(language, {}).get(slug)

    def offered(self, language: str, slug: str) -> bool:
        """Whether `slug` is offered in `language` (the English always is)."""
        if language == SOURCE_LANGUAGE:
            return True
        translation = self.get(language, slug)
        return translation is not None and translation.offered


def load_translations(
    modules_dir: Path,
    quizzes_dir: Path,
    modules: dict[str, Module],
    quizzes: dict[str, Quiz],
    path_slugs: list[str],
) -> Translations:
    """Read every overlay beside the English course; validate and render each once."""

    result = Translations()
    sink: list[ContentProblem] = result.problems
    found: dict[tuple[str, str], dict[str, Path]] = {}
    for folder, kind, suffix in ((modules_dir, "module", ".md"), (quizzes_dir, "quiz", ".yaml")):
        for path in sorted(folder.glob(f"*{suffix}")):
            named = overlay_name(path)
            if named is None:
                continue
            slug, language = named
            if slug.lower() == "readme":
                continue  # a translated guide for translators, not course content
            if language not in OVERLAY_LANGUAGES:
                _Problems(sink, path).add(
                    1,
                    f"'{language}' is not a language of the course (translations: "
                    f"{', '.join(OVERLAY_LANGUAGES)}; add it to LANGUAGES in "
                    "app/content/translations.py)",
                )
                continue
            if slug not in path_slugs:
                _Problems(sink, path).add(
                    1, f"a translation of '{slug}', which is not a module on the course path"
                )
                continue
            found.setdefault((language, slug), {})[kind] = path

    for language in OVERLAY_LANGUAGES:
        states: dict[str, Translation] = {}
        for slug in path_slugs:
            module, quiz = modules.get(slug), quizzes.get(slug)
            if module is None:
                continue
            files = found.get((language, slug), {})
            before = len(sink)
            module_text = quiz_text = None
            changed: list[str] = []
            module_path = modules_dir / f"{slug}.md"
            quiz_path = quizzes_dir / f"{slug}.yaml"
            if "module" in files:
                loaded = _load_module_overlay(files["module"], module, sink)
                if loaded is not None:
                    module_text, source = loaded
                    if source != sha256_of(module_path):
                        changed.append(display_path(module_path))
            if "quiz" in files:
                if quiz is None:
                    _Problems(sink, files["quiz"]).add(
                        1, f"module '{slug}' has no quiz to translate"
                    )
                else:
                    loaded_quiz = _load_quiz_overlay(files["quiz"], quiz, sink)
                    if loaded_quiz is not None:
                        quiz_text, source = loaded_quiz
                        if source != sha256_of(quiz_path):
                            changed.append(display_path(quiz_path))
            missing = [
                display_path(folder / f"{slug}.{language}{suffix}")
                for kind, folder, suffix in (
                    ("module", modules_dir, ".md"),
                    ("quiz", quizzes_dir, ".yaml"),
                )
                if kind not in files and (kind == "module" or quiz is not None)
            ]
            problems = tuple(sink[before:])
            if problems:
                state = INVALID
            elif missing:
                state = MISSING
            elif changed:
                state = STALE
            else:
                state = TRANSLATED
            states[slug] = Translation(
                slug=slug,
                language=language,
                state=state,
                changed=tuple(changed),
                missing=tuple(missing),
                problems=problems,
                module=module_text if state == TRANSLATED else None,
                quiz=quiz_text if state == TRANSLATED else None,
            )
        result.by_language[language] = states
    return result


def _front_matter(text: str, problems: Any) -> tuple[LineDict, str, int] | None:
    """The front matter as a mapping, the body, and the body's first line."""
    matter = split_front_matter(text, problems, "a translated module")
    return None if matter is None else (matter.data, matter.body, matter.body_line)


def _source_hash(data: LineDict, problems: Any) -> str:
    value = data.get("source_sha256")
    if value is None:
        problems.add(
            data.line,
            "missing 'source_sha256' (the SHA-256 of the English file this translates, "
            "as `sha256sum` prints it)",
        )
        return ""
    if not isinstance(value, str) or not SHA256.match(value.strip()):
        problems.add(
            data.line_of("source_sha256"),
            "'source_sha256' must be 64 lowercase hexadecimal characters (as `sha256sum` prints)",
        )
        return ""
    return value.strip()


def _plain(data: LineDict, key: str, problems: Any, line: int | None = None) -> str | None:
    """A translated plain text (title, summary, ...): present, text, no markup, no placeholders."""

    text = _text(data, key, problems)
    if text is None:
        return None
    return text if _clean_plain(text, key, line or data.line_of(key), problems) else None


def _clean_plain(text: str, what: str, line: int, problems: Any) -> bool:
    ok = True
    if _HTML_IN_TEXT.search(text):
        problems.add(line, f"HTML is not allowed in '{what}'; write plain text")
        ok = False
    for found in placeholders.scan(text):
        problems.add(
            line,
            found.problem
            or "program placeholders are filled in the module text only, not in the front matter",
        )
        ok = False
    return ok


def _plain_list(
    data: LineDict, key: str, english: tuple[str, ...], problems: Any
) -> tuple[str, ...]:

    raw = data.get(key)
    items = _text_list(data, key, problems, required=True)
    if raw is not None and len(items) == len(raw) and len(items) != len(english):
        problems.add(
            data.line_of(key),
            f"'{key}' has {len(items)} item{'s' if len(items) != 1 else ''}; "
            f"the English has {len(english)}, in the same order",
        )
    lines = getattr(raw, "item_lines", [])
    for index, item in enumerate(items):
        _clean_plain(item, key, lines[index] if index < len(lines) else data.line_of(key), problems)
    return tuple(items)


def _load_module_overlay(
    path: Path, english: Module, sink: list[Any]
) -> tuple[ModuleText, str] | None:
    """A module overlay's texts and recorded source hash, or None (problems reported)."""

    problems = _Problems(sink, path)
    if _too_large(path, problems):
        return None
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        problems.add(1, f"cannot read file: {error.strerror}")
        return None
    except UnicodeDecodeError:
        problems.add(1, "file is not UTF-8 text")
        return None
    parsed = _front_matter(text, problems)
    if parsed is None:
        return None
    front, body, body_line = parsed
    before = len(sink)
    for key in front:
        if key not in MODULE_OVERLAY_KEYS:
            problems.add(
                front.line_of(key),
                f"unknown key '{key}' in a translated module (allowed: "
                f"{', '.join(sorted(MODULE_OVERLAY_KEYS))}); minutes and the rest come from "
                "the English",
            )
    source = _source_hash(front, problems)
    title = _plain(front, "title", problems)
    summary = _plain(front, "summary", problems)
    objectives = _plain_list(front, "objectives", english.objectives, problems)
    content_note: str | None = None
    if english.content_note:
        content_note = _plain(front, "content_note", problems)
    elif "content_note" in front:
        problems.add(front.line_of("content_note"), "the English module has no 'content_note'")
    reflection: tuple[str, ...] = ()
    if english.reflection:
        reflection = _plain_list(front, "reflection", english.reflection, problems)
    elif "reflection" in front:
        problems.add(front.line_of("reflection"), "the English module has no 'reflection'")

    used = _placeholders_in_body(body, body_line, problems)
    expected = Counter(name for name, _line in english.placeholders)
    if Counter(name for name, _line in used) != expected:
        extra = Counter(name for name, _line in used) - expected
        lacking = expected - Counter(name for name, _line in used)
        line = next((line for name, line in used if name in extra), body_line)
        parts = []
        if lacking:
            parts.append("lacks " + ", ".join(_placeholder_list(lacking)))
        if extra:
            parts.append("adds " + ", ".join(_placeholder_list(extra)))
        problems.add(
            line,
            "the program placeholders differ from the English: the translation "
            + " and ".join(parts)
            + " (copy each {{ program.NAME }} exactly as the English has it)",
        )
    rendered = render(placeholders.mark(body), first_line=body_line)
    for problem in rendered.problems:
        problems.add(problem.line, problem.message)
    headings = tuple(_flatten_toc(rendered.toc_tokens))
    _compare_headings(headings, english.headings, body, body_line, problems)
    if len(sink) > before:
        return None
    return (
        ModuleText(
            title=title or "",
            summary=summary or "",
            objectives=objectives,
            content_note=content_note,
            reflection=reflection,
            body_html=rendered.html,
            headings=headings,
        ),
        source,
    )


def _placeholder_list(names: Counter[str]) -> list[str]:
    return [
        f"{{{{ program.{name} }}}}" + (f" ×{count}" if count > 1 else "")
        for name, count in sorted(names.items())
    ]


def _compare_headings(
    headings: tuple[Heading, ...],
    english: tuple[Heading, ...],
    body: str,
    first_line: int,
    problems: Any,
) -> None:
    """Each heading keeps the English anchor and level, in the English order."""
    ours = [(heading.level, heading.anchor) for heading in headings]
    theirs = [(heading.level, heading.anchor) for heading in english]
    if ours == theirs:
        return
    index = next(
        (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
        min(len(ours), len(theirs)),
    )
    lines = body.splitlines()
    heading_lines = [
        number
        for number, line in enumerate(lines, first_line)
        if re.match(r"^#{1,6}\s", line.lstrip())
    ]
    line = heading_lines[index] if index < len(heading_lines) else first_line
    if index >= len(ours):
        level, anchor = theirs[index]
        message = f"the translation ends before the English heading {{#{anchor}}} (level {level})"
    elif index >= len(theirs):
        message = f"heading {{#{ours[index][1]}}} is not in the English module"
    else:
        level, anchor = theirs[index]
        message = (
            f"this heading's anchor is {{#{ours[index][1]}}} (level {ours[index][0]}); the "
            f"English has {{#{anchor}}} (level {level}) here: keep the English "
            f"{{#{anchor}}} after the translated heading"
        )
    problems.add(line, "heading anchors differ from the English: " + message)


def _load_quiz_overlay(path: Path, english: Quiz, sink: list[Any]) -> tuple[QuizText, str] | None:
    """A quiz overlay's texts and recorded source hash, or None (problems reported)."""

    problems = _Problems(sink, path)
    loaded = _read_yaml(path, problems)
    if loaded is None:
        return None
    data, _raw = loaded
    if not isinstance(data, LineDict):
        problems.add(1, "a translated quiz must be a mapping of keys to values")
        return None
    before = len(sink)
    for key in data:
        if key not in QUIZ_OVERLAY_KEYS:
            problems.add(
                data.line_of(key),
                f"unknown key '{key}' in a translated quiz (allowed: "
                f"{', '.join(sorted(QUIZ_OVERLAY_KEYS))}); pass marks, answers and the rest "
                "come from the English",
            )
    source = _source_hash(data, problems)
    title = _text(data, "title", problems)
    if title is not None:
        _clean_plain(title, "title", data.line_of("title"), problems)
    raw_questions = data.get("questions")
    texts: dict[str, QuestionText] = {}
    if not isinstance(raw_questions, LineDict):
        problems.add(
            data.line_of("questions"),
            "'questions' must be a mapping of the English question ids to their texts",
        )
        return None
    english_ids = [question.id for question in english.questions]
    for key in raw_questions:
        if str(key) not in english_ids:
            problems.add(
                raw_questions.line_of(key),
                f"unknown question id '{key}': {english.path} has no such question",
            )
    for question in english.questions:
        if question.id not in raw_questions:
            problems.add(
                data.line_of("questions"),
                f"missing question '{question.id}' (every question is needed)",
            )
            continue
        raw = raw_questions[question.id]
        line = raw_questions.line_of(question.id)
        if not isinstance(raw, LineDict):
            problems.add(line, f"question '{question.id}' needs 'prompt', 'options', 'explanation'")
            continue
        # A missing key is named at the question's id, not at its first key.
        raw.line = line
        for key in raw:
            if key not in QUESTION_OVERLAY_KEYS:
                problems.add(
                    raw.line_of(key),
                    f"unknown key '{key}' in question '{question.id}' (allowed: "
                    f"{', '.join(sorted(QUESTION_OVERLAY_KEYS))}); answers come from the English",
                )
        prompt = _text(raw, "prompt", problems)
        explanation = _text(raw, "explanation", problems)
        options = _option_texts(raw, question, problems)
        if prompt is None or explanation is None or options is None:
            continue
        texts[question.id] = QuestionText(
            prompt_html=_checked_markdown(prompt, raw.line_of("prompt"), problems),
            explanation_html=_checked_markdown(explanation, raw.line_of("explanation"), problems),
            options={
                option_id: _checked_markdown(text, line, problems, inline=True)
                for option_id, (text, line) in options.items()
            },
        )
    if len(sink) > before:
        return None
    return QuizText(title=title or "", questions=texts), source


def _option_texts(
    raw: LineDict, question: Question, problems: Any
) -> dict[str, tuple[str, int]] | None:
    """Each English option id with its translated text and line, or None (reported)."""
    options = raw.get("options")
    if not isinstance(options, LineDict):
        problems.add(
            raw.line_of("options"),
            f"question '{question.id}' needs 'options': a mapping of the English option ids "
            "to their texts",
        )
        return None
    english_ids = [option.id for option in question.options]
    ok = True
    if len(options) != len(english_ids):
        problems.add(
            options.line,
            f"question '{question.id}' has {len(options)} options; the English has "
            f"{len(english_ids)} ({', '.join(english_ids)})",
        )
        ok = False
    texts: dict[str, tuple[str, int]] = {}
    for key, value in options.items():
        option_id = str(key)
        if isinstance(key, bool) or option_id not in english_ids:
            problems.add(
                options.line_of(key),
                f"unknown option id '{key}' in question '{question.id}' "
                f"(the English ids: {', '.join(english_ids)})",
            )
            ok = False
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            problems.add(
                options.line_of(key),
                f"option '{option_id}' of question '{question.id}' must be text"
                + (' (quote it: "Verdadero")' if isinstance(value, bool) else ""),
            )
            ok = False
            continue
        if not str(value).strip():
            problems.add(options.line_of(key), f"option '{option_id}' must not be empty")
            ok = False
            continue
        texts[option_id] = (str(value).strip(), options.line_of(key))
    for option_id in english_ids:
        if option_id not in texts and option_id not in {str(key) for key in options}:
            problems.add(options.line, f"missing option '{option_id}' in question '{question.id}'")
            ok = False
    return texts if ok else None


# Courses as shown in a language, per course object (program.course_for makes one per profile
# version); content is read once at start, so this only ever holds a few.
_SHOWN: dict[tuple[int, str], tuple[Course, Course]] = {}
_SHOWN_LIMIT = 32


def shown_in(course: Course, language: str) -> Course:
    """`course` with the texts of every module offered in `language`; the rest stay English.

    Only texts change: the path, ids, answers and versions are the English course's, so the
    result can be handed to anything that renders a module or a quiz.
    """
    if language == SOURCE_LANGUAGE or course.translations is None:
        return course
    key = (id(course), language)
    cached = _SHOWN.get(key)
    if cached is not None and cached[0] is course:
        return cached[1]
    modules, quizzes = dict(course.modules), dict(course.quizzes)
    for slug, translation in course.translations.by_language.get(language, {}).items():
        if not translation.offered:
            continue
        if slug in modules:
            modules[slug] = translation.apply_module(modules[slug])
        if slug in quizzes:
            quizzes[slug] = translation.apply_quiz(quizzes[slug])
    shown = replace(course, modules=modules, quizzes=quizzes)
    if len(_SHOWN) >= _SHOWN_LIMIT:
        _SHOWN.clear()
    _SHOWN[key] = (course, shown)
    return shown
