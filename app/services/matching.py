"""Matches between eligible mentors and youth known only by pseudonymous codes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Session, selectinload

from app.content.model import Course
from app.models import MATCH_MODELS, Match, MatchMentor, MatchYouth, MentorStanding, User, utcnow
from app.services import audit, certificates, standing, standing_store, words
from app.services.errors import DomainError, NotFound
from app.services.text import has_invisible

# The program's format (setting YOUTH_CODE_PATTERN), matched against the code in capitals.
DEFAULT_YOUTH_CODE_PATTERN = r"^[A-Z]{1,4}-[0-9]{1,6}$"
# Whatever the format, codes that look like a date, a phone number or a name are refused.
_DATE_SHAPED = re.compile(
    r"(?<![0-9])([0-9]{4}[-/._ ][0-9]{1,2}[-/._ ][0-9]{1,2}|[0-9]{1,2}[-/._ ][0-9]{1,2}[-/._ ][0-9]{2,4})(?![0-9])"
)
# "Jane", "Doe": a capital, then lower case with a vowel. "MARIA", "GARCIA": five or more letters
# in a row with two vowels. Random letter codes rarely have either; names usually have one.
_CAPITALISED_WORD = re.compile(r"[A-Z](?=[a-z]*[aeiouy])[a-z]{2,}")
_LONG_WORD = re.compile(r"[A-Z]{5,}")
REASON_MAX = 2000


@dataclass(frozen=True)
class ModelRule:
    """How many mentors and youth a matching model allows."""

    label: str
    mentors: tuple[int, int | None]
    youth: tuple[int, int | None]


MODEL_RULES: dict[str, ModelRule] = {
    "one_to_one": ModelRule("One-to-one", (1, 1), (1, 1)),
    "group": ModelRule("Group (one mentor, 2–4 youth)", (1, 1), (2, 4)),
    "team": ModelRule("Team (2 or more mentors, 2 or more youth)", (2, None), (2, None)),
    "e_mentoring": ModelRule("E-mentoring (one mentor, one youth, online)", (1, 1), (1, 1)),
    "blended": ModelRule("Blended (one-to-one youth who also meets in a group)", (1, 1), (1, 1)),
}
assert set(MODEL_RULES) == set(MATCH_MODELS)
MODEL_LABELS = {model: rule.label.split(" (")[0] for model, rule in MODEL_RULES.items()}


class MatchRefused(DomainError):
    """The match cannot be made; `reasons` lists every problem found."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(
            gettext("The match was not recorded: %(reasons)s", reasons=" ".join(reasons))
        )
        self.reasons = reasons


def _count_problem(what: str, count: int, bounds: tuple[int, int | None], model: str) -> str | None:
    """Why `count` mentors (`what` is "mentors") or youth do not fit the model, or None."""
    low, high = bounds
    if low <= count and (high is None or count <= high):
        return None
    values = {"model": _model_word(model), "low": low, "high": high, "count": count}
    if what == "mentors":
        if low == high:
            return gettext(
                "A %(model)s match needs exactly %(low)s mentor(s); %(count)s given.", **values
            )
        if high:
            return gettext(
                "A %(model)s match needs %(low)s to %(high)s mentor(s); %(count)s given.", **values
            )
        return gettext(
            "A %(model)s match needs at least %(low)s mentor(s); %(count)s given.", **values
        )
    if low == high:
        return gettext("A %(model)s match needs exactly %(low)s youth; %(count)s given.", **values)
    if high:
        return gettext(
            "A %(model)s match needs %(low)s to %(high)s youth; %(count)s given.", **values
        )
    return gettext("A %(model)s match needs at least %(low)s youth; %(count)s given.", **values)


def _model_word(model: str) -> str:
    """A matching model's short name in lower case, in the reader's language."""
    return words.word(words.MATCH_MODEL_WORDS, model).lower()


def youth_code_problem(code: str, pattern: str = DEFAULT_YOUTH_CODE_PATTERN) -> str | None:
    """Why `code` (as typed) cannot be a youth code, in plain words; None when it can."""
    if has_invisible(code):
        return gettext(
            "contains an invisible or text-direction character, which can make one code look "
            "like another. Type the code again by hand."
        )
    if _DATE_SHAPED.search(code) or _is_eight_digit_date(code):
        return gettext(
            "looks like a date. A youth code must never hold a birthday or any other date."
        )
    digits = re.findall(r"[0-9]+", code)
    if sum(map(len, digits)) >= 7 and (len(digits) >= 2 or sum(map(len, digits)) >= 10):
        return gettext("looks like a phone number. A youth code must never hold contact details.")
    if _CAPITALISED_WORD.search(code) or any(
        len(re.findall("[AEIOUY]", word)) >= 2 for word in _LONG_WORD.findall(code.upper())
    ):
        return gettext(
            "looks like a name (a capitalised word, or a long word that can be read aloud). "
            "A youth code must never hold a young person's name."
        )
    if not re.fullmatch(pattern, code.upper(), flags=re.ASCII):
        return gettext("does not follow the program's youth-code format.")
    return None


def _is_eight_digit_date(code: str) -> bool:
    """YYYYMMDD or MMDDYYYY / DDMMYYYY written without separators."""
    for run in re.findall(r"(?<![0-9])[0-9]{8}(?![0-9])", code):
        for year, month, day in ((run[:4], run[4:6], run[6:]), (run[4:], run[:2], run[2:4])):
            for m, d in ((month, day), (day, month)):
                if 1900 <= int(year) <= 2100 and 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
                    return True
    return False


def clean_youth_codes(
    raw: Sequence[str], pattern: str = DEFAULT_YOUTH_CODE_PATTERN
) -> tuple[list[str], list[str]]:
    """Youth codes in capitals (blank lines dropped), and the problems with them.

    A refused code is never repeated in the message (nor logged): it may be a young person's name
    or birthday typed by mistake. Problems name the line instead.
    """
    codes, problems = [], []
    for line, entry in enumerate(raw, 1):
        code = entry.strip()
        if not code:
            continue
        problem = youth_code_problem(code, pattern)
        if problem:
            problems.append(
                gettext("The youth code on line %(line)s %(problem)s", line=line, problem=problem)
            )
            continue
        codes.append(code.upper())
    if len(set(codes)) != len(codes):
        problems.append(gettext("The same youth code was entered twice."))
    return codes, problems


def create_match(
    session: Session,
    staff_id: int,
    course: Course,
    *,
    model: str,
    mentor_ids: Sequence[int],
    youth_codes: Sequence[str],
    started_on: date,
    youth_code_pattern: str = DEFAULT_YOUTH_CODE_PATTERN,
    now: datetime | None = None,
) -> Match:
    """Record a match if every rule holds; otherwise refuse with every reason and store nothing."""
    now = now or utcnow()
    reasons: list[str] = []
    if model not in MODEL_RULES:
        raise MatchRefused([gettext("Choose one of the matching models.")])
    codes, code_problems = clean_youth_codes(youth_codes, youth_code_pattern)
    reasons.extend(code_problems)
    mentor_ids = list(dict.fromkeys(mentor_ids))
    rule = MODEL_RULES[model]
    for problem in (
        _count_problem("mentors", len(mentor_ids), rule.mentors, model),
        _count_problem("youth", len(codes), rule.youth, model),
    ):
        if problem:
            reasons.append(problem)
    if started_on > now.date():
        reasons.append(gettext("The start date cannot be in the future."))

    # Lock the mentors (in id order, so two matches never deadlock) before judging eligibility:
    # a suspension recorded at the same moment either comes first and refuses this match, or
    # waits and then flags it for review.
    for mentor_id in sorted(mentor_ids):
        certificates.lock_holder(session, mentor_id)
    mentors = (
        list(session.scalars(sa.select(User).where(User.id.in_(mentor_ids)))) if mentor_ids else []
    )
    found = {mentor.id for mentor in mentors}
    reasons.extend(
        gettext("One of the chosen mentors does not exist.")
        for mentor_id in mentor_ids
        if mentor_id not in found
    )
    for mentor in mentors:
        if mentor.role != "mentor":
            reasons.append(gettext("%(name)s is not a mentor account.", name=mentor.name))
    verdicts = standing.for_mentors(
        session, [m for m in mentors if m.role == "mentor"], course, now
    )
    for mentor in mentors:
        verdict = verdicts.get(mentor.id)
        if verdict is not None and not verdict.eligible:
            reasons.append(
                gettext(
                    "%(name)s is not eligible: %(reasons)s",
                    name=mentor.name,
                    reasons=" ".join(words.reason(r.code, r.staff_text) for r in verdict.reasons),
                )
            )

    if codes:
        taken = session.scalars(
            sa.select(MatchYouth.youth_code).where(
                MatchYouth.youth_code.in_(codes),
                MatchYouth.model == model,
                MatchYouth.is_open.is_(True),
            )
        ).all()
        reasons.extend(
            gettext(
                "Youth %(code)s is already in an open %(model)s match.",
                code=code,
                model=_model_word(model),
            )
            for code in taken
        )
    if reasons:
        session.rollback()
        raise MatchRefused(reasons)

    match = Match(model=model, started_on=started_on, created_by_id=staff_id, created_at=now)
    match.mentors = [MatchMentor(user_id=mentor_id) for mentor_id in mentor_ids]
    match.youth = [MatchYouth(youth_code=code, model=model, is_open=True) for code in codes]
    session.add(match)
    session.flush()
    for mentor_id in mentor_ids:
        audit.record(
            session,
            "match.created",
            actor_id=staff_id,
            subject_user_id=mentor_id,
            target=f"match {match.id}",
            detail={"model": model, "youth": codes},
            now=now,
        )
    try:
        session.commit()
    except sa.exc.IntegrityError as error:
        session.rollback()
        raise MatchRefused(
            ["A youth code was put in another open match of this model at the same moment."]
        ) from error
    return match


def end_match(
    session: Session,
    staff_id: int,
    match_id: int,
    *,
    ended_on: date,
    reason: str,
    now: datetime | None = None,
) -> Match:
    """Record the end of a match with its date and closure reason; nothing is deleted."""
    now = now or utcnow()
    match = get_match(session, match_id)
    if not match.is_open:
        raise DomainError(gettext("This match has already ended."))
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError(gettext("Say why the match is ending."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(
            gettext("Keep the reason under %(most)s characters.", most=REASON_MAX), field="reason"
        )
    if ended_on < match.started_on or ended_on > now.date():
        raise DomainError(
            gettext("The end date must be between the start date and today."), field="ended_on"
        )
    match.ended_on = ended_on
    match.closure_reason = reason
    match.ended_by_id = staff_id
    for youth in match.youth:
        youth.is_open = False
    for mentor in match.mentors:
        audit.record(
            session,
            "match.ended",
            actor_id=staff_id,
            subject_user_id=mentor.user_id,
            target=f"match {match.id}",
            detail={"reason": reason},
            now=now,
        )
    session.commit()
    return match


def get_match(session: Session, match_id: int) -> Match:
    """One match with its mentors and youth."""
    match = session.scalar(
        sa.select(Match)
        .where(Match.id == match_id)
        .options(
            selectinload(Match.mentors).selectinload(MatchMentor.user), selectinload(Match.youth)
        )
    )
    if match is None:
        raise NotFound(gettext("There is no such match."))
    return match


def list_matches(
    session: Session, *, open_only: bool | None = None, mentor_id: int | None = None
) -> list[Match]:
    """Matches, newest first, optionally only open or ended ones, or one mentor's."""
    query = sa.select(Match).options(
        selectinload(Match.mentors).selectinload(MatchMentor.user), selectinload(Match.youth)
    )
    if open_only is True:
        query = query.where(Match.ended_on.is_(None))
    elif open_only is False:
        query = query.where(Match.ended_on.is_not(None))
    if mentor_id is not None:
        query = query.where(
            Match.id.in_(sa.select(MatchMentor.match_id).where(MatchMentor.user_id == mentor_id))
        )
    return list(session.scalars(query.order_by(Match.started_on.desc(), Match.id.desc())))


def eligible_candidates(
    session: Session, course: Course, now: datetime | None = None
) -> list[tuple[User, bool]]:
    """Active mentors who are eligible now, by name, each with whether they are already matched.

    Read from the stored standings (brought up to date first), in one query. Creating a match
    judges each chosen mentor afresh under their lock; this list only offers the choices.
    """
    now = now or utcnow()
    standing_store.refresh_due(session, course, now)
    query = (
        sa.select(User, MentorStanding.open_matches)
        .join(MentorStanding, MentorStanding.user_id == User.id)
        .where(
            User.role == "mentor",
            User.deactivated_at.is_(None),
            MentorStanding.eligible.is_(True),
        )
        .order_by(User.name, User.id)
    )
    return [(user, open_matches > 0) for user, open_matches in session.execute(query)]


def _flagged_match_ids() -> sa.Select:
    """The matches of mentors whose stored standing is not eligible yet holds an open match: a
    few rows of one index, however many mentors are not eligible (most of a program, in training)."""
    lost = sa.select(MentorStanding.user_id).where(
        MentorStanding.eligible == sa.false(), MentorStanding.open_matches > 0
    )
    return sa.select(MatchMentor.match_id).where(MatchMentor.user_id.in_(lost))


def needing_review(
    session: Session, course: Course, now: datetime | None = None, limit: int | None = None
) -> list[tuple[Match, list[str]]]:
    """Open matches with a mentor who has since lost eligibility, with the reasons. Nothing changes.

    Found in SQL over the stored standings, newest first: only the flagged matches are loaded,
    and only the first `limit` of them when given (`count_needing_review` says how many in all).
    """
    now = now or utcnow()
    standing_store.refresh_due(session, course, now)
    flagged_ids = _flagged_match_ids()
    query = (
        sa.select(Match)
        .where(Match.ended_on.is_(None), Match.id.in_(flagged_ids))
        .options(
            selectinload(Match.mentors).selectinload(MatchMentor.user), selectinload(Match.youth)
        )
        .order_by(Match.started_on.desc(), Match.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    matches = list(session.scalars(query))
    if not matches:
        return []
    problems: dict[int, list[str]] = {}
    for match_id, name, reasons in session.execute(
        sa.select(MatchMentor.match_id, User.name, MentorStanding.reasons)
        .join(User, User.id == MatchMentor.user_id)
        .join(MentorStanding, MentorStanding.user_id == MatchMentor.user_id)
        .where(
            MatchMentor.match_id.in_([match.id for match in matches]),
            MentorStanding.eligible.is_(False),
        )
        .order_by(MatchMentor.match_id, MatchMentor.id)
    ):
        texts = " ".join(words.reasons(reasons or ()))
        problems.setdefault(match_id, []).append(f"{name}: {texts}")
    return [(match, problems[match.id]) for match in matches]


def count_needing_review(session: Session) -> int:
    """How many open matches have a mentor who has since lost eligibility (after a refresh)."""
    flagged_ids = _flagged_match_ids()
    return (
        session.scalar(
            sa.select(sa.func.count(Match.id)).where(
                Match.ended_on.is_(None), Match.id.in_(flagged_ids)
            )
        )
        or 0
    )
