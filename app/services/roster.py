"""The staff roster and dashboard: filtered, counted, sorted and paged in SQL over stored standings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.content.model import MENTOR_TYPES, Course
from app.models import MentorStanding, User, utcnow
from app.services import certificates as certs
from app.services import standing_store

PER_PAGE = 50
SEARCH_MAX = 200
SORTS = {
    "name": "Name",
    "registered": "Registration date",
    "progress": "Progress",
    "expiry": "Certificate expiry",
    "waiting": "Waiting longest",
}
CERTIFICATE_FILTERS = {
    "none": "No certificate",
    certs.VALID: "Valid",
    certs.EXPIRED: "Expired",
    certs.SUSPENDED: "Suspended",
    certs.REVOKED: "Revoked",
}
YES_NO = {"yes": "Yes", "no": "No"}
# The filters' names in the problems a query string can have.
FILTER_NAMES = {
    "mentor_type": _l("mentor type"),
    "certificate": _l("certificate"),
    "eligible": _l("eligible"),
    "matched": _l("matched"),
    "stage": _l("stage"),
    "sort": _l("sort"),
}
STALLED_AFTER = timedelta(days=30)
EXPIRING_WITHIN = timedelta(days=30)
# The dashboard's funnel stages and attention lists, each a roster view of its own.
STAGES = {
    "in_training": "In training (started, no valid certificate yet)",
    "ready": "Ready to match (eligible, not in an open match)",
    "expiring": "Certificate expiring within 30 days",
    "screening": "Certified, screening not finished",
    "stalled": "No progress for 30 days",
    "refresher": "Refresher due or overdue (a module changed since their certificate)",
}


@dataclass(frozen=True)
class RosterFilters:
    """What the roster is narrowed to and ordered by."""

    q: str = ""
    mentor_type: str = ""
    certificate: str = ""
    eligible: str = ""
    matched: str = ""
    stage: str = ""
    sort: str = "name"
    descending: bool = False
    # Mentors chosen one by one on the roster (bulk actions, "export just these").
    ids: tuple[int, ...] = ()

    def as_query(self) -> dict[str, str | list[str]]:
        """The filters as query-string values (for links and exports)."""
        values = {
            "q": self.q,
            "mentor_type": self.mentor_type,
            "certificate": self.certificate,
            "eligible": self.eligible,
            "matched": self.matched,
            "stage": self.stage,
            "sort": self.sort,
            "order": "desc" if self.descending else "",
            "mentor": [str(mentor_id) for mentor_id in self.ids],
        }
        return {key: value for key, value in values.items() if value}


def parse_filters(args: Mapping[str, str]) -> tuple[RosterFilters, list[str]]:
    """Read filters from a query string; values not offered are reported, never trusted."""
    problems = []
    q = " ".join((args.get("q") or "").split())
    if len(q) > SEARCH_MAX:
        problems.append(gettext("Search is limited to %(most)s characters.", most=SEARCH_MAX))
        q = ""
    choices = {
        "mentor_type": MENTOR_TYPES,
        "certificate": CERTIFICATE_FILTERS,
        "eligible": YES_NO,
        "matched": YES_NO,
        "stage": STAGES,
        "sort": SORTS,
    }
    values: dict[str, str] = {}
    for name, allowed in choices.items():
        value = (args.get(name) or "").strip()
        if value and value not in allowed:
            problems.append(
                gettext(
                    "“%(value)s” is not one of the choices for %(filter)s.",
                    value=value[:40],
                    filter=str(FILTER_NAMES[name]),
                )
            )
            value = ""
        values[name] = value
    order = (args.get("order") or "").strip()
    if order not in ("", "asc", "desc"):
        problems.append(gettext("Order must be ascending or descending."))
        order = ""
    ids, id_problem = chosen_ids(args)
    if id_problem:
        problems.append(id_problem)
    return (
        RosterFilters(
            q=q,
            mentor_type=values["mentor_type"],
            certificate=values["certificate"],
            eligible=values["eligible"],
            matched=values["matched"],
            stage=values["stage"],
            sort=values["sort"] or "name",
            descending=order == "desc",
            ids=ids,
        ),
        problems,
    )


CHOSEN_MAX = 500
LARGEST_ID = 2**31 - 1  # the largest id any table holds (PostgreSQL integer)


def chosen_ids(args: Mapping[str, str]) -> tuple[tuple[int, ...], str | None]:
    """The mentors chosen one by one (`mentor=` repeated), or the problem with them."""
    getlist = getattr(args, "getlist", None)
    if getlist is not None:
        raw = getlist("mentor")
    else:
        value = args.get("mentor")
        raw = value if isinstance(value, list) else ([value] if value else [])
    if len(raw) > CHOSEN_MAX:
        return (), gettext("Choose at most %(most)s mentors at once.", most=CHOSEN_MAX)
    ids: list[int] = []
    for value in raw:
        text = str(value).strip()
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text[:12]) <= LARGEST_ID:
            return (), "A chosen mentor was not one of the mentors listed."
        ids.append(int(text))
    return tuple(dict.fromkeys(ids)), None


@dataclass(frozen=True)
class RosterRow:
    """One mentor as the roster, the dashboard and the export see them."""

    user_id: int
    name: str
    email: str
    mentor_type: str | None
    registered_at: datetime
    active: bool
    passed: int
    required: int
    percent: int
    certificate_status: str | None
    expires_at: datetime | None
    eligible: bool
    reasons: tuple[str, ...]
    screening_pending: bool
    in_person_hours: float
    matched: bool
    last_activity: datetime | None
    certified_since: datetime | None = None
    # The certificate's status in words, with a refresher due or overdue ("Refresher due by …").
    certificate_label: str | None = None
    refresher_due_on: date | None = None
    refresher_overdue: bool = False
    # The reasons as stored: (code, English text), for showing them in the reader's language.
    reason_pairs: tuple[tuple[str, str], ...] = ()

    @property
    def mentor_type_label(self) -> str:
        """The mentor type in words."""
        return MENTOR_TYPES.get(self.mentor_type or "", "—")


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# What a roster row is read from: the account, and its stored standing (`standing_store`).
_ROW_COLUMNS = (
    User.id,
    User.name,
    User.email,
    User.mentor_type,
    User.created_at,
    User.deactivated_at,
    MentorStanding.passed_count,
    MentorStanding.required_count,
    MentorStanding.percent,
    MentorStanding.certificate_status,
    MentorStanding.certificate_label,
    MentorStanding.expires_at,
    MentorStanding.certified_since,
    MentorStanding.eligible,
    MentorStanding.reasons,
    MentorStanding.screening_pending,
    MentorStanding.in_person_hours,
    MentorStanding.open_matches,
    MentorStanding.last_activity,
    MentorStanding.refresher_due_on,
    MentorStanding.refresher_overdue,
)
_VALID = MentorStanding.certificate_status == certs.VALID
# Kept on the stored row (an active mentor), so the dashboard reads that table alone.
_LISTED = MentorStanding.listed == sa.true()


def stage_condition(stage: str, now: datetime) -> sa.ColumnElement[bool]:
    """Whether an active mentor belongs to a dashboard stage or attention list, in SQL.

    Each is written to match one of the stored standing's indexes (listed first), so a list's
    first rows are read from that index."""
    if stage == "in_training":
        started = sa.or_(MentorStanding.last_activity.is_not(None), MentorStanding.passed_count > 0)
        condition = sa.and_(sa.not_(sa.func.coalesce(_VALID, False)), started)
    elif stage == "ready":
        condition = sa.and_(MentorStanding.eligible == sa.true(), MentorStanding.open_matches == 0)
    elif stage == "expiring":
        condition = sa.and_(_VALID, MentorStanding.expires_at <= now + EXPIRING_WITHIN)
    elif stage == "screening":
        condition = sa.and_(MentorStanding.screening_pending == sa.true(), _VALID)
    elif stage == "refresher":
        condition = MentorStanding.refresher_due_on.is_not(None)
    elif stage == "stalled":
        condition = sa.and_(
            MentorStanding.course_complete == sa.false(),
            MentorStanding.quiet_since < now - STALLED_AFTER,
        )
    else:
        raise ValueError(stage)
    return sa.and_(_LISTED, condition)


def _rows_query(filters: RosterFilters, now: datetime) -> sa.Select:
    """Every mentor matching `filters`, as one SQL query over accounts and stored standings."""
    query = (
        sa.select(*_ROW_COLUMNS)
        .select_from(User)
        .outerjoin(MentorStanding, MentorStanding.user_id == User.id)
        .where(User.role == "mentor")
    )
    if filters.q:
        pattern = _like_pattern(filters.q)
        # Any part of a name or address; PostgreSQL answers from its trigram indexes.
        query = query.where(
            sa.or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
    if filters.mentor_type:
        query = query.where(User.mentor_type == filters.mentor_type)
    if filters.ids:
        query = query.where(User.id.in_(filters.ids))
    if filters.stage:
        query = query.where(stage_condition(filters.stage, now))
    if filters.certificate:
        query = query.where(
            MentorStanding.certificate_status.is_(None)
            if filters.certificate == "none"
            else MentorStanding.certificate_status == filters.certificate
        )
    if filters.eligible:
        eligible = sa.func.coalesce(MentorStanding.eligible, False)
        query = query.where(eligible.is_(filters.eligible == "yes"))
    if filters.matched:
        matched = sa.func.coalesce(MentorStanding.open_matches, 0) > 0
        query = query.where(matched if filters.matched == "yes" else sa.not_(matched))
    return query


def _order(query: sa.Select, sort: str, descending: bool) -> sa.Select:
    """The roster's sorts; descending reverses every part, as a reversed list would."""
    name = sa.func.lower(User.name)
    keys: dict[str, list[Any]] = {
        "name": [name, User.id],
        "registered": [User.created_at, User.id],
        "progress": [sa.func.coalesce(MentorStanding.percent, 0), name],
        "expiry": [MentorStanding.expires_at, name],
        "waiting": [MentorStanding.certified_since, name],
    }
    columns = keys[sort]
    ordered = []
    for index, column in enumerate(columns):
        clause = column.desc() if descending else column.asc()
        if index == 0 and sort in ("expiry", "waiting"):
            # No date sorts as the far future: last going up, first going down.
            clause = clause.nulls_first() if descending else clause.nulls_last()
        ordered.append(clause)
    tie = User.id.desc() if descending else User.id.asc()
    return query.order_by(*ordered, tie)


def _row(values: Any) -> RosterRow:
    """A roster row from one result row (a mentor without a stored standing shows as new)."""
    return RosterRow(
        user_id=values.id,
        name=values.name,
        email=values.email,
        mentor_type=values.mentor_type,
        registered_at=values.created_at,
        active=values.deactivated_at is None,
        passed=values.passed_count or 0,
        required=values.required_count or 0,
        percent=values.percent or 0,
        certificate_status=values.certificate_status,
        expires_at=values.expires_at,
        eligible=bool(values.eligible),
        reasons=tuple(text for _code, text in values.reasons or ()),
        screening_pending=bool(values.screening_pending),
        in_person_hours=float(values.in_person_hours or 0.0),
        matched=bool(values.open_matches),
        last_activity=values.last_activity,
        certified_since=values.certified_since,
        certificate_label=values.certificate_label,
        refresher_due_on=values.refresher_due_on,
        refresher_overdue=bool(values.refresher_overdue),
        reason_pairs=tuple((code, text) for code, text in values.reasons or ()),
    )


def _fresh(session: Session, course: Course, now: datetime) -> None:
    """Bring stored standings up to date before reading them (usually nothing to do)."""
    standing_store.refresh_due(session, course, now)


def roster_rows(
    session: Session,
    course: Course,
    filters: RosterFilters | None = None,
    now: datetime | None = None,
) -> list[RosterRow]:
    """Every mentor matching `filters`, sorted (for short lists: chosen mentors, a form's choices)."""
    filters = filters or RosterFilters()
    now = now or utcnow()
    _fresh(session, course, now)
    query = _order(_rows_query(filters, now), filters.sort, filters.descending)
    return [_row(values) for values in session.execute(query)]


def stream_rows(
    session: Session, course: Course, filters: RosterFilters, now: datetime | None = None
) -> tuple[int, Iterator[RosterRow]]:
    """How many mentors match, and an iterator over them fetched in batches (for exports).

    The rows come from a server-side cursor on PostgreSQL, so memory stays flat whatever the
    program's size and the first row is ready at once.
    """
    now = now or utcnow()
    _fresh(session, course, now)
    query = _rows_query(filters, now)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    ordered = _order(query, filters.sort, filters.descending).execution_options(
        yield_per=BATCH_ROWS
    )

    def rows() -> Iterator[RosterRow]:
        for values in session.execute(ordered):
            yield _row(values)

    return total, rows()


BATCH_ROWS = 500


@dataclass(frozen=True)
class RosterPage:
    """One page of the roster."""

    rows: list[RosterRow]
    total: int
    page: int
    pages: int


def roster_page(
    session: Session,
    course: Course,
    filters: RosterFilters,
    page: int,
    now: datetime | None = None,
    per_page: int = PER_PAGE,
) -> RosterPage:
    """Page `page` (from 1) of the filtered roster; a page past the end is simply empty.

    Filtered, counted, sorted and cut in SQL: the same two queries for 100 or 100,000 mentors.
    """
    now = now or utcnow()
    _fresh(session, course, now)
    query = _rows_query(filters, now)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    start = (page - 1) * per_page
    rows: list[RosterRow] = []
    if start < total:  # past the end, no query at all (a page of 10^9 costs nothing)
        ordered = _order(query, filters.sort, filters.descending)
        rows = [_row(values) for values in session.execute(ordered.offset(start).limit(per_page))]
    return RosterPage(rows=rows, total=total, page=page, pages=pages)


@dataclass(frozen=True)
class Funnel:
    """How many mentors reached each stage."""

    registered: int
    in_training: int
    certified: int
    eligible: int
    matched: int


@dataclass(frozen=True)
class Listing:
    """The first few mentors of a list, and how many it holds in all ("and N more")."""

    rows: list[RosterRow]
    total: int


@dataclass
class Attention:
    """Lists of mentors who need a coordinator's attention, each cut to its first few."""

    expiring: Listing
    screening_pending: Listing
    stalled: Listing
    suspended: Listing
    ready: Listing
    refresher: Listing


DASHBOARD_LIST = 20


def stage_conditions(now: datetime) -> dict[str, sa.ColumnElement[bool]]:
    """Every count the dashboard shows, as a test of one stored standing, in SQL."""
    return {
        "in_training": stage_condition("in_training", now),
        "certified": sa.and_(_LISTED, _VALID),
        "eligible": sa.and_(_LISTED, MentorStanding.eligible == sa.true()),
        "matched": sa.and_(_LISTED, MentorStanding.open_matches > 0),
        "expiring": stage_condition("expiring", now),
        "screening": stage_condition("screening", now),
        "stalled": stage_condition("stalled", now),
        "suspended": sa.and_(_LISTED, MentorStanding.certificate_status == certs.SUSPENDED),
        "ready": stage_condition("ready", now),
        "refresher": stage_condition("refresher", now),
    }


def dashboard(
    session: Session, course: Course, now: datetime | None = None, shown: int = DASHBOARD_LIST
) -> tuple[Funnel, Attention]:
    """The funnel and the needs-attention lists: counts in two queries, then the first `shown`
    of each list; the same queries, each reading an index, for 100 or 100,000 mentors."""
    now = now or utcnow()
    _fresh(session, course, now)
    conditions = stage_conditions(now)
    # The clock-free stages: one GROUP BY over the (listed, stage_flags) index, a few dozen
    # groups whatever the program's size. The two stages that move with the clock are counted
    # over their own index ranges.
    counts = dict.fromkeys(conditions, 0)
    registered = 0
    flags_query = (
        sa.select(MentorStanding.stage_flags, sa.func.count())
        .where(_LISTED)
        .group_by(MentorStanding.stage_flags)
    )
    for flags, number in session.execute(flags_query):
        registered += number
        for stage, bit in standing_store.STAGE_BITS.items():
            if flags & bit:
                counts[stage] += number
    by_clock = ("expiring", "stalled")
    clock_query = sa.select(
        *(
            sa.select(sa.func.count()).where(conditions[stage]).scalar_subquery()
            for stage in by_clock
        )
    )
    counts.update(zip(by_clock, session.execute(clock_query).one(), strict=True))
    funnel = Funnel(
        registered=registered,
        in_training=counts["in_training"],
        certified=counts["certified"],
        eligible=counts["eligible"],
        matched=counts["matched"],
    )
    name = MentorStanding.name_key
    # Each order continues the index its list's condition matches, so only its first rows are read.
    orders: dict[str, list[Any]] = {
        "expiring": [MentorStanding.expires_at, name],
        "screening": [name],
        "stalled": [name],
        "suspended": [name],
        "ready": [MentorStanding.certified_since, name],
        # Overdue first: an overdue refresher's day is today or earlier, so the day orders them
        # (on the day itself, overdue before still on time).
        "refresher": [
            MentorStanding.refresher_due_on,
            MentorStanding.refresher_overdue.desc(),
            name,
        ],
    }

    def listing(key: str) -> Listing:
        query = (
            sa.select(*_ROW_COLUMNS)
            .select_from(MentorStanding)
            .join(User, User.id == MentorStanding.user_id)
            .where(conditions[key])
            .order_by(*orders[key], MentorStanding.user_id)
            .limit(shown)
        )
        return Listing([_row(values) for values in session.execute(query)], counts[key])

    attention = Attention(
        expiring=listing("expiring"),
        screening_pending=listing("screening"),
        stalled=listing("stalled"),
        suspended=listing("suspended"),
        ready=listing("ready"),
        refresher=listing("refresher"),
    )
    return funnel, attention
