"""Plain dataclasses for the course as read from files: no Flask, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.content.translations import Translations

MENTOR_TYPES: dict[str, str] = {
    "community_volunteer": "Community volunteer",
    "care_provider": "Trained care provider",
    "staff_mentor": "Staff mentor",
    "survivor_mentor": "Survivor mentor",
}
# National guidance: at least two hours of in-person training before a match.
DEFAULT_IN_PERSON_HOURS = 2.0
# Days a certified mentor has to take a refresher once a module's change takes effect.
DEFAULT_REFRESHER_GRACE_DAYS = 60
# What each type means, shown beside the choice when a mentor registers.
MENTOR_TYPE_DESCRIPTIONS: dict[str, str] = {
    "community_volunteer": "A volunteer from the community, giving a few hours a week.",
    "care_provider": "Someone whose training or work is in caring for people, such as social work, counseling or nursing.",
    "staff_mentor": "A member of the program's or a partner agency's staff who also mentors.",
    "survivor_mentor": "Someone with lived experience of exploitation who mentors young people.",
}
# Who sees the type: a survivor mentor needs to know before choosing it.
MENTOR_TYPE_VISIBILITY = (
    "Only your program's staff see the kind of mentor you chose. It is not printed on your "
    "certificate or shown to anyone who checks it, and whether you share your own story with a "
    "young person is always your choice."
)


_SECTION_START = re.compile(r"(?=<h2[ >])")
_HEADING_ID = re.compile(r'<h2[^>]*\bid="([^"]+)"')


@dataclass(frozen=True)
class Heading:
    """A section of a module page, for the table of contents and quiz review links."""

    anchor: str
    title: str
    level: int


@dataclass(frozen=True)
class Module:
    """One module: front matter plus the body rendered to HTML once at start."""

    slug: str
    title: str
    summary: str
    minutes: int
    objectives: tuple[str, ...]
    content_note: str | None
    requires: tuple[str, ...]
    reflection: tuple[str, ...]
    body_html: str
    headings: tuple[Heading, ...]
    word_count: int
    version: str
    path: str
    # Program placeholders the text uses, with their lines; the HTML holds markers for them.
    placeholders: tuple[tuple[str, int], ...] = ()

    @property
    def anchors(self) -> frozenset[str]:
        """Every heading anchor the module page has."""
        return frozenset(heading.anchor for heading in self.headings)

    @property
    def sections(self) -> tuple[Heading, ...]:
        """The sections a reader moves through: the level-2 headings, in order."""
        return tuple(heading for heading in self.headings if heading.level == 2)

    def split_body(
        self, body_html: str | None = None
    ) -> tuple[str, tuple[tuple[Heading, str], ...]]:
        """The body (or `body_html`, the same body with placeholders filled) as the text before
        the first section and each section with its HTML.

        The sanitised body starts each section with `<h2 id="...">`, so the split is exact.
        """
        by_anchor = {heading.anchor: heading for heading in self.sections}
        parts = _SECTION_START.split(self.body_html if body_html is None else body_html)
        intro, chunks = parts[0], parts[1:]
        sections: list[tuple[Heading, str]] = []
        for chunk in chunks:
            match = _HEADING_ID.match(chunk)
            heading = by_anchor.get(match.group(1)) if match else None
            if heading is None and sections:
                previous, html = sections[-1]
                sections[-1] = (previous, html + chunk)
            elif heading is None:
                intro += chunk
            else:
                sections.append((heading, chunk))
        return intro, tuple(sections)

    def heading_title(self, anchor: str) -> str | None:
        """The title of the section with `anchor`, if there is one."""
        for heading in self.headings:
            if heading.anchor == anchor:
                return heading.title
        return None


@dataclass(frozen=True)
class Option:
    """One answer option; `correct` never leaves the server."""

    id: str
    text_html: str
    correct: bool


@dataclass(frozen=True)
class Question:
    """One question in a quiz pool."""

    id: str
    type: str
    prompt_html: str
    options: tuple[Option, ...]
    explanation_html: str
    review: str | None
    critical: bool
    scenario: bool

    @property
    def correct_ids(self) -> frozenset[str]:
        """The ids of the options that are correct."""
        return frozenset(option.id for option in self.options if option.correct)

    def option(self, option_id: str) -> Option:
        """The option with `option_id`."""
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)


@dataclass(frozen=True)
class Quiz:
    """A module's quiz: the rules of an attempt and the question pool."""

    slug: str
    title: str
    pass_mark: int
    draw: int
    shuffle: bool
    max_failures: int
    cooldown_hours: int
    questions: tuple[Question, ...]
    version: str
    path: str

    def question(self, question_id: str) -> Question:
        """The question with `question_id`."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def has_question(self, question_id: str) -> bool:
        """Whether the pool has a question with `question_id`."""
        return any(question.id == question_id for question in self.questions)


@dataclass(frozen=True)
class ModuleChange:
    """What changed in a module at one version, and the day the change takes effect."""

    version: int
    date: date
    summary: str

    @property
    def effective_at(self) -> datetime:
        """The moment the change takes effect: the start of its day, UTC."""
        return datetime.combine(self.date, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class CourseModule:
    """A module's place on the course path, with its author-bumped version and change history."""

    slug: str
    required_for: frozenset[str]
    version: int = 1
    changes: tuple[ModuleChange, ...] = ()

    def version_at(self, now: datetime) -> int:
        """The version in effect at `now`: a change counts from its date on."""
        return max(
            (change.version for change in self.changes if change.effective_at <= now), default=1
        )

    def changes_since(self, version: int, now: datetime) -> tuple[ModuleChange, ...]:
        """The changes in effect at `now` that came after `version`, oldest first."""
        return tuple(
            change
            for change in self.changes
            if change.version > version and change.effective_at <= now
        )


@dataclass(frozen=True)
class Course:
    """The whole course: path, screening steps, modules and quizzes."""

    title: str
    version: str
    precheck: bool
    precheck_questions: int
    screening_steps: dict[str, str]
    screening: dict[str, tuple[str, ...]]
    path: tuple[CourseModule, ...]
    modules: dict[str, Module] = field(default_factory=dict)
    quizzes: dict[str, Quiz] = field(default_factory=dict)
    in_person_hours: dict[str, float] = field(default_factory=dict)
    # A setting rather than content: the app sets it from REFRESHER_GRACE_DAYS.
    refresher_grace: timedelta = timedelta(days=DEFAULT_REFRESHER_GRACE_DAYS)
    # Every module's state in every other language (app/content/translations.py); texts only.
    translations: Translations | None = None

    def entry(self, slug: str) -> CourseModule | None:
        """The module's place on the path (version, changes), or None."""
        return next((entry for entry in self.path if entry.slug == slug), None)

    def module_versions(self, slugs: list[str] | tuple[str, ...], now: datetime) -> dict[str, int]:
        """The version of each module in effect at `now`, as a certificate records them."""
        versions = {}
        for slug in slugs:
            entry = self.entry(slug)
            versions[slug] = entry.version_at(now) if entry else 1
        return versions

    def module(self, slug: str) -> Module | None:
        """The module with `slug`, or None."""
        return self.modules.get(slug)

    def quiz(self, slug: str) -> Quiz | None:
        """The quiz of the module with `slug`, or None."""
        return self.quizzes.get(slug)

    def modules_for(self, mentor_type: str | None) -> list[Module]:
        """Required modules for a mentor type, in course order."""
        return [
            self.modules[entry.slug]
            for entry in self.path
            if mentor_type in entry.required_for and entry.slug in self.modules
        ]

    def ordered_modules(self) -> list[Module]:
        """Every module on the path, in course order."""
        return [self.modules[entry.slug] for entry in self.path if entry.slug in self.modules]

    def screening_for(self, mentor_type: str | None) -> tuple[str, ...]:
        """The screening step keys a mentor type needs, in order."""
        return self.screening.get(mentor_type or "", ())

    def in_person_hours_for(self, mentor_type: str | None) -> float:
        """Hours of in-person training a mentor type needs before a match."""
        return self.in_person_hours.get(mentor_type or "", DEFAULT_IN_PERSON_HOURS)

    def total_minutes(self, mentor_type: str) -> int:
        """Estimated minutes of reading on a mentor type's path."""
        return sum(module.minutes for module in self.modules_for(mentor_type))
