"""The staff roster and dashboard: every mentor's standing, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.content.model import MENTOR_TYPES, Course
from app.models import User, utcnow
from app.services import certificates as certs
from app.services import standing

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
        problems.append(f"Search is limited to {SEARCH_MAX} characters.")
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
                f"“{value[:40]}” is not one of the choices for {name.replace('_', ' ')}."
            )
            value = ""
        values[name] = value
    order = (args.get("order") or "").strip()
    if order not in ("", "asc", "desc"):
        problems.append("Order must be ascending or descending.")
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
        return (), f"Choose at most {CHOSEN_MAX} mentors at once."
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

    @property
    def mentor_type_label(self) -> str:
        """The mentor type in words."""
        return MENTOR_TYPES.get(self.mentor_type or "", "—")


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _mentor_query(filters: RosterFilters) -> sa.Select:
    query = sa.select(User).where(User.role == "mentor")
    if filters.q:
        pattern = _like_pattern(filters.q)
        query = query.where(
            sa.or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
    if filters.mentor_type:
        query = query.where(User.mentor_type == filters.mentor_type)
    if filters.ids:
        query = query.where(User.id.in_(filters.ids))
    return query


def roster_rows(
    session: Session,
    course: Course,
    filters: RosterFilters | None = None,
    now: datetime | None = None,
) -> list[RosterRow]:
    """Every mentor matching `filters`, sorted; the same queries for 10 or 10,000 mentors."""
    filters = filters or RosterFilters()
    now = now or utcnow()
    mentor_query = _mentor_query(filters)
    users = list(session.scalars(mentor_query.order_by(User.name, User.id)))
    ids = mentor_query.with_only_columns(User.id).scalar_subquery()
    standings = standing.for_mentors(session, users, course, now, ids=ids)
    rows = [row_from_standing(standings[user.id]) for user in users]
    return _sorted(_filtered(rows, filters, now), filters)


def row_from_standing(mentor: standing.Standing) -> RosterRow:
    """A roster row: the mentor's standing, flattened for tables and exports."""
    user = mentor.user
    return RosterRow(
        user_id=user.id,
        name=user.name,
        email=user.email,
        mentor_type=user.mentor_type,
        registered_at=user.created_at,
        active=user.is_active,
        passed=mentor.passed_count,
        required=mentor.required_count,
        percent=mentor.percent,
        certificate_status=mentor.certificate_status,
        expires_at=mentor.certificate.valid_until if mentor.certificate else None,
        eligible=mentor.eligible,
        reasons=tuple(reason.staff_text for reason in mentor.reasons),
        screening_pending=mentor.screening_pending,
        in_person_hours=mentor.in_person_hours,
        matched=mentor.matched,
        last_activity=mentor.last_activity,
        certified_since=mentor.counting.valid_from if mentor.counting else None,
        certificate_label=mentor.certificate_label,
        refresher_due_on=min((item.due_on for item in mentor.refreshers), default=None),
        refresher_overdue=mentor.refresher_overdue,
    )


def in_stage(row: RosterRow, stage: str, now: datetime) -> bool:
    """Whether an active mentor's row belongs to a dashboard stage or attention list."""
    if not row.active:
        return False
    valid = row.certificate_status == certs.VALID
    if stage == "in_training":
        return not valid and (row.last_activity is not None or row.passed > 0)
    if stage == "ready":
        return row.eligible and not row.matched
    if stage == "expiring":
        return valid and row.expires_at is not None and row.expires_at - now <= EXPIRING_WITHIN
    if stage == "screening":
        return valid and row.screening_pending
    if stage == "refresher":
        return row.refresher_due_on is not None
    if stage == "stalled":
        complete = row.required and row.passed == row.required
        return not complete and now - (row.last_activity or row.registered_at) > STALLED_AFTER
    raise ValueError(stage)


def _filtered(rows: list[RosterRow], filters: RosterFilters, now: datetime) -> list[RosterRow]:
    if filters.stage:
        rows = [row for row in rows if in_stage(row, filters.stage, now)]
    if filters.certificate:
        wanted = None if filters.certificate == "none" else filters.certificate
        rows = [row for row in rows if row.certificate_status == wanted]
    if filters.eligible:
        rows = [row for row in rows if row.eligible == (filters.eligible == "yes")]
    if filters.matched:
        rows = [row for row in rows if row.matched == (filters.matched == "yes")]
    return rows


def _sorted(rows: list[RosterRow], filters: RosterFilters) -> list[RosterRow]:
    far = datetime.max.replace(tzinfo=None)
    keys = {
        "name": lambda row: (row.name.casefold(), row.user_id),
        "registered": lambda row: (row.registered_at, row.user_id),
        "progress": lambda row: (row.percent, row.name.casefold()),
        "expiry": lambda row: (
            row.expires_at.replace(tzinfo=None) if row.expires_at else far,
            row.name.casefold(),
        ),
        # Longest waiting first: the earliest start of the certificate that counts.
        "waiting": lambda row: (
            row.certified_since.replace(tzinfo=None) if row.certified_since else far,
            row.name.casefold(),
        ),
    }
    return sorted(rows, key=keys[filters.sort], reverse=filters.descending)


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
    """Page `page` (from 1) of the filtered roster; a page past the end is simply empty."""
    rows = roster_rows(session, course, filters, now)
    pages = max(1, -(-len(rows) // per_page))
    start = (page - 1) * per_page
    return RosterPage(rows=rows[start : start + per_page], total=len(rows), page=page, pages=pages)


@dataclass(frozen=True)
class Funnel:
    """How many mentors reached each stage."""

    registered: int
    in_training: int
    certified: int
    eligible: int
    matched: int


@dataclass
class Attention:
    """Lists of mentors who need a coordinator's attention."""

    expiring: list[RosterRow] = field(default_factory=list)
    screening_pending: list[RosterRow] = field(default_factory=list)
    stalled: list[RosterRow] = field(default_factory=list)
    suspended: list[RosterRow] = field(default_factory=list)
    ready: list[RosterRow] = field(default_factory=list)
    refresher: list[RosterRow] = field(default_factory=list)


def dashboard(rows: list[RosterRow], now: datetime | None = None) -> tuple[Funnel, Attention]:
    """The funnel and the needs-attention lists, from roster rows."""
    now = now or utcnow()
    active = [row for row in rows if row.active]
    funnel = Funnel(
        registered=len(active),
        in_training=sum(1 for row in active if in_stage(row, "in_training", now)),
        certified=sum(1 for row in active if row.certificate_status == certs.VALID),
        eligible=sum(1 for row in active if row.eligible),
        matched=sum(1 for row in active if row.matched),
    )
    attention = Attention(
        expiring=sorted(
            (row for row in active if in_stage(row, "expiring", now)),
            key=lambda row: row.expires_at or now,
        ),
        screening_pending=[row for row in active if in_stage(row, "screening", now)],
        stalled=[row for row in active if in_stage(row, "stalled", now)],
        suspended=[row for row in active if row.certificate_status == certs.SUSPENDED],
        ready=_sorted(
            [row for row in active if in_stage(row, "ready", now)],
            RosterFilters(sort="waiting"),
        ),
        # Overdue first (they no longer count), then by the day the refresher is due.
        refresher=sorted(
            (row for row in active if in_stage(row, "refresher", now)),
            key=lambda row: (not row.refresher_overdue, row.refresher_due_on, row.name.casefold()),
        ),
    )
    return funnel, attention
