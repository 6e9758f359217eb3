"""Notices and reminders by email, decided from the facts by `flask notices send`.

Nothing here runs inside a request. The command looks at every active mentor's standing, picks
the one notice that is most relevant now (a certificate event, else a reminder, else a nudge)
and queues it through the outbox. A row in `notice_sent`, unique per mentor, kind and period key
and written in the same transaction as the outbox message, makes every notice go out once, however
often and on however many hosts the command runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

import sqlalchemy as sa
from flask_babel import get_locale, gettext, ngettext
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.content.model import Course
from app.content.translations import SOURCE_LANGUAGE, shown_in
from app.labels import next_step_label
from app.locale_format import format_date
from app.models import (
    AuditEvent,
    Certificate,
    CertificateAction,
    ModuleVisit,
    NoticePreference,
    NoticeSent,
    ReadingPosition,
    User,
    utcnow,
)
from app.services import certificates as certs
from app.services import outbox, standing
from app.services.accounts import Site, in_language_of

# Reminders and nudges a mentor may turn off; every other notice is about their certificate
# itself and is always sent.
REMINDER_KINDS = ("renewal_open", "expiring_30", "expiring_7")
NUDGE_KIND = "nudge"
EXPIRING_KINDS = (("expiring_7", timedelta(days=7)), ("expiring_30", timedelta(days=30)))
NUDGE_AFTER = timedelta(days=21)
NUDGES_AT_MOST = 2
# An event first seen later than this (the command did not run for weeks, or a database was
# restored) is not announced any more: old news by email confuses more than it helps, and the
# mentor's pages say how things stand.
EVENT_WINDOW = timedelta(days=14)
STAFF_DECISIONS = {"suspend": "suspended", "lift": "lifted", "revoke": "revoked"}
# Staff decisions about a mentor's legal name, as audited, and the notice each one sends.
NAME_DECISIONS = {
    "mentor.name_corrected": "name_corrected",
    "name_request.declined": "name_declined",
}
ACCOUNT_PATH = "/account"


@dataclass(frozen=True)
class Preferences:
    """Which optional mail a mentor wants; both on unless they said otherwise."""

    reminders: bool = True
    nudges: bool = True


@dataclass(frozen=True)
class Notice:
    """One message due to one mentor, with the key that makes it go out once."""

    user_id: int
    to: str
    kind: str
    period_key: str
    subject: str
    body: str

    @property
    def outbox_key(self) -> str:
        """The outbox's own idempotency key, a second guard behind `notice_sent`."""
        return f"notice:{self.user_id}:{self.kind}:{self.period_key}"


@dataclass(frozen=True)
class RunReport:
    """What one run queued, by kind, and how many were already queued by another run."""

    queued: dict[str, int] = field(default_factory=dict)
    already: int = 0

    @property
    def total(self) -> int:
        """Notices this run queued."""
        return sum(self.queued.values())


def preferences_of(session: Session, user_id: int) -> Preferences:
    """A mentor's choices (both on when never changed)."""
    row = session.get(NoticePreference, user_id)
    return Preferences(row.reminders, row.nudges) if row else Preferences()


def set_preferences(
    session: Session, user_id: int, *, reminders: bool, nudges: bool, now: datetime | None = None
) -> Preferences:
    """Store a mentor's choice of reminders and nudges; commits."""
    now = now or utcnow()
    row = session.get(NoticePreference, user_id)
    if row is None:
        row = NoticePreference(user_id=user_id)
        session.add(row)
    row.reminders, row.nudges, row.updated_at = bool(reminders), bool(nudges), now
    session.commit()
    return Preferences(row.reminders, row.nudges)


def account_url(site: Site) -> str:
    """The absolute address of the account page every notice links to."""
    return f"{site.base_url}{ACCOUNT_PATH}"


# --- deciding --------------------------------------------------------------------------------


def _recipients(session: Session) -> list[User]:
    """Mentors who may receive notices: active accounts whose address is confirmed."""
    return list(
        session.scalars(
            sa.select(User)
            .where(
                User.role == "mentor",
                User.deactivated_at.is_(None),
                User.email_confirmed_at.is_not(None),
            )
            .order_by(User.id)
        )
    )


def _latest_decisions(
    session: Session, user_ids: list[int], now: datetime
) -> dict[int, CertificateAction]:
    """Each holder's latest staff decision recorded within the event window."""
    latest: dict[int, CertificateAction] = {}
    for action, user_id in session.execute(
        sa.select(CertificateAction, Certificate.user_id)
        .join(Certificate, Certificate.id == CertificateAction.certificate_id)
        .where(
            Certificate.user_id.in_(user_ids),
            CertificateAction.at > now - EVENT_WINDOW,
            CertificateAction.at <= now,
        )
        .order_by(CertificateAction.at, CertificateAction.id)
    ):
        latest[user_id] = action
    return latest


def _latest_name_decisions(
    session: Session, user_ids: list[int], now: datetime
) -> dict[int, AuditEvent]:
    """Each mentor's latest name correction or declined request within the event window."""
    latest: dict[int, AuditEvent] = {}
    for event in session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.subject_user_id.in_(user_ids),
            AuditEvent.action.in_(NAME_DECISIONS),
            AuditEvent.occurred_at > now - EVENT_WINDOW,
            AuditEvent.occurred_at <= now,
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ):
        latest[event.subject_user_id] = event  # type: ignore[index]
    return latest


def _sent(session: Session, user_ids: list[int]) -> dict[int, dict[tuple[str, str], datetime]]:
    sent: dict[int, dict[tuple[str, str], datetime]] = {}
    for row in session.scalars(sa.select(NoticeSent).where(NoticeSent.user_id.in_(user_ids))):
        sent.setdefault(row.user_id, {})[(row.kind, row.period_key)] = row.queued_at
    return sent


def _last_reading(session: Session, user_ids: list[int]) -> dict[int, datetime]:
    """When each mentor last opened a module or one of its sections.

    The standing counts reads and quiz attempts; a mentor reading slowly through a long module
    has made progress too, and is not told "it has been a while".
    """
    latest: dict[int, datetime] = {}
    for column, user in (
        (ReadingPosition.last_opened_at, ReadingPosition.user_id),
        (ModuleVisit.first_opened_at, ModuleVisit.user_id),
    ):
        for user_id, at in session.execute(
            sa.select(user, sa.func.max(column)).where(user.in_(user_ids)).group_by(user)
        ):
            if at is not None:
                latest[user_id] = max(at, latest.get(user_id, at))
    return latest


def _preferences(session: Session, user_ids: list[int]) -> dict[int, Preferences]:
    return {
        row.user_id: Preferences(row.reminders, row.nudges)
        for row in session.scalars(
            sa.select(NoticePreference).where(NoticePreference.user_id.in_(user_ids))
        )
    }


def due(session: Session, course: Course, site: Site, zone: tzinfo, now: datetime) -> list[Notice]:
    """The notices due now, at most one per mentor, leaving out those already queued."""
    users = _recipients(session)
    if not users:
        return []
    ids = [user.id for user in users]
    standings = standing.for_mentors(session, users, course, now)
    decisions = _latest_decisions(session, ids, now)
    names = _latest_name_decisions(session, ids, now)
    sent = _sent(session, ids)
    choices = _preferences(session, ids)
    reading = _last_reading(session, ids)
    words = _Words(site, zone, now, course)
    found = []
    for user in users:
        # Worded in the mentor's own language (English when they never chose one).
        with in_language_of(user):
            notice = _most_relevant(
                standings[user.id],
                decisions.get(user.id),
                names.get(user.id),
                sent.get(user.id, {}),
                choices.get(user.id, Preferences()),
                reading.get(user.id),
                words,
                now,
            )
        if notice is not None:
            found.append(notice)
    return found


def _most_relevant(
    mentor: standing.Standing,
    decision: CertificateAction | None,
    name_decision: AuditEvent | None,
    sent: dict[tuple[str, str], datetime],
    choice: Preferences,
    last_reading: datetime | None,
    words: _Words,
    now: datetime,
) -> Notice | None:
    """The one notice most worth sending now: a certificate event, else a reminder, else a nudge.

    Only what is still true is considered, so a late run sends "expired" rather than
    "expiring in 7 days", and "lifted" rather than the suspension it ended.
    """
    for notice in (
        _event(mentor, decision, words, now),
        words.name_decision(mentor, name_decision) if name_decision is not None else None,
        _refresher(mentor, words),
        _reminder(mentor, words, now) if choice.reminders else None,
        _nudge(mentor, sent, last_reading, words, now) if choice.nudges else None,
    ):
        # One already sent (yesterday's "lifted") does not hold back what is due after it.
        if notice is not None and (notice.kind, notice.period_key) not in sent:
            return notice
    return None


def _event(
    mentor: standing.Standing, decision: CertificateAction | None, words: _Words, now: datetime
) -> Notice | None:
    """The latest certificate event in the window: issued, a staff decision, or an expiry."""
    chain = mentor.chain
    events: list[tuple[datetime, Notice]] = []
    if decision is not None and decision.action in STAFF_DECISIONS:
        kind = STAFF_DECISIONS[decision.action]
        events.append((decision.at, words.decision(mentor.user, kind, decision)))
    issued = [
        c
        for c in chain.certificates
        if now - EVENT_WINDOW < c.issued_at <= now and chain.status_of(c) == certs.VALID
    ]
    if issued:
        latest = max(issued, key=lambda c: (c.issued_at, c.period))
        events.append((latest.issued_at, words.issued(mentor.user, latest)))
    if mentor.counting is None and chain.certificates:
        # The latest period decides: an older one ending while a newer one runs is no news.
        last = chain.certificates[-1]
        if chain.status_of(last) == certs.EXPIRED and now - EVENT_WINDOW < last.valid_until:
            events.append((last.valid_until, words.expired(mentor.user, last)))
    if not events:
        return None
    return max(events, key=lambda event: event[0])[1]


def _reminder(mentor: standing.Standing, words: _Words, now: datetime) -> Notice | None:
    """Renewal open, or expiring in 30 or 7 days, for the certificate that counts.

    Nothing once the next certificate is already issued: the mentor has renewed.
    """
    counting, renewal = mentor.counting, mentor.renewal
    if counting is None or (renewal is not None and renewal.next_certificate is not None):
        return None
    left = counting.valid_until - now
    for kind, within in EXPIRING_KINDS:
        if left <= within:
            return words.expiring(mentor, kind, counting)
    if renewal is not None and renewal.is_open:
        return words.renewal_open(mentor, counting)
    return None


def _refresher(mentor: standing.Standing, words: _Words) -> Notice | None:
    """A module on the mentor's path changed since their certificate certified it.

    Always sent, like the certificate's own events: a refresher left undone puts the certificate
    on hold for matching. Once per module version, the soonest due first.
    """
    if not mentor.refreshers or mentor.certificate_status != certs.VALID:
        return None
    return words.refresher_due(mentor, min(mentor.refreshers, key=lambda item: item.due_at))


def _nudge(
    mentor: standing.Standing,
    sent: dict[tuple[str, str], datetime],
    last_reading: datetime | None,
    words: _Words,
    now: datetime,
) -> Notice | None:
    """A gentle word after three weeks without progress; twice at most, never once finished."""
    if mentor.complete or mentor.counting is not None or not mentor.required_count:
        return None
    earlier = sorted(at for (kind, _key), at in sent.items() if kind == NUDGE_KIND)
    if len(earlier) >= NUDGES_AT_MOST:
        return None
    activity = [mentor.last_activity, last_reading, *earlier[-1:]]
    quiet_since = max([at for at in activity if at is not None], default=mentor.user.created_at)
    quiet_since = max(quiet_since, mentor.user.created_at)
    if now - quiet_since < NUDGE_AFTER:
        return None
    return words.nudge(mentor, len(earlier) + 1)


# --- wording ---------------------------------------------------------------------------------


class _Words:
    """The notices' subjects and bodies: plain, warm, and never a reason for a staff decision.

    Written in the recipient's language: `due` builds each mentor's notice inside
    `force_locale(their language)`, so gettext and the dates follow it, not the command's.
    """

    def __init__(self, site: Site, zone: tzinfo, now: datetime, course: Course) -> None:
        self.site, self.zone, self.now, self.course = site, zone, now, course

    def _title(self, slug: str) -> str:
        """A module's title in the language being written (English where not offered)."""
        locale = get_locale()
        shown = shown_in(self.course, locale.language if locale else SOURCE_LANGUAGE)
        module = shown.module(slug) or self.course.module(slug)
        return module.title if module else slug

    def _day(self, moment: datetime | date) -> str:
        return format_date(moment, self.zone)

    def _notice(self, user: User, kind: str, key: object, subject: str, text: str) -> Notice:
        footer = gettext(
            "You can choose which reminders you receive on your account page (sign in "
            "first if asked):"
        )
        hello = gettext("Hello %(name)s,", name=user.first_name)
        body = f"{hello}\n\n{text}\n\n{footer}\n{account_url(self.site)}\n"
        return Notice(user.id, user.email, kind, str(key), subject, body)

    def _certificate_url(self, certificate: Certificate) -> str:
        return f"{self.site.base_url}/certificates/{certificate.id}"

    def issued(self, user: User, certificate: Certificate) -> Notice:
        code = certs.format_code(certificate.code)
        url = self._certificate_url(certificate)
        return self._notice(
            user,
            "issued",
            certificate.id,
            gettext("Your %(program)s certificate is ready", program=self.site.program_name),
            gettext(
                "Congratulations: you have passed every quiz, and your certificate has been "
                "issued. Thank you for the time and care you have put into preparing to mentor "
                "youth who experienced exploitation."
            )
            + "\n\n"
            + gettext("Certificate code: %(code)s", code=code)
            + "\n"
            + gettext(
                "Valid from %(start)s until %(end)s.",
                start=self._day(certificate.valid_from),
                end=self._day(certificate.valid_until),
            )
            + "\n\n"
            + gettext("See your certificate here:")
            + f"\n{url}\n"
            + gettext("Download it as a PDF (sign in first if asked):")
            + f"\n{url}/certificate.pdf\n\n"
            + gettext(
                "Anyone you share the code with can check that it is genuine at %(url)s.",
                url=f"{self.site.base_url}/verify",
            ),
        )

    def renewal_open(self, mentor: standing.Standing, certificate: Certificate) -> Notice:
        return self._notice(
            mentor.user,
            "renewal_open",
            certificate.id,
            gettext(
                "You can renew your %(program)s certificate now", program=self.site.program_name
            ),
            gettext(
                "Your certificate is valid until %(end)s. From now on, passing the quizzes again "
                "counts towards your next certificate, which starts the day your current one "
                "ends, so you lose nothing by starting early.",
                end=self._day(certificate.valid_until),
            )
            + "\n\n"
            + self._still_to_pass(mentor)
            + gettext("Your training page shows where to begin:")
            + f"\n{self.site.base_url}/training",
        )

    def expiring(self, mentor: standing.Standing, kind: str, certificate: Certificate) -> Notice:
        # Days as the mentor counts them: calendar days in the program's time zone.
        days = (
            certificate.valid_until.astimezone(self.zone).date()
            - self.now.astimezone(self.zone).date()
        ).days
        if days == 0:
            when = gettext("today")
        elif days == 1:
            when = gettext("tomorrow")
        else:
            when = ngettext("in %(num)d day", "in %(num)d days", days)
        until = self._day(certificate.valid_until)
        return self._notice(
            mentor.user,
            kind,
            certificate.id,
            gettext(
                "Your %(program)s certificate ends on %(end)s",
                program=self.site.program_name,
                end=until,
            ),
            gettext(
                "A friendly reminder: your certificate is valid until %(end)s, %(when)s. To keep "
                "it current, pass the quizzes again before then.",
                end=until,
                when=when,
            )
            + "\n\n"
            + self._still_to_pass(mentor)
            + gettext("Your training page shows what is left:")
            + f"\n{self.site.base_url}/training",
        )

    def expired(self, user: User, certificate: Certificate) -> Notice:
        return self._notice(
            user,
            "expired",
            certificate.id,
            gettext("Your %(program)s certificate has ended", program=self.site.program_name),
            gettext(
                "Your certificate ended on %(end)s. You can renew it whenever you are ready by "
                "passing the quizzes again; your training page shows where to begin:",
                end=self._day(certificate.valid_until),
            )
            + f"\n{self.site.base_url}/training\n\n"
            + gettext("If you have any questions, your coordinator is glad to help."),
        )

    def decision(self, user: User, kind: str, action: CertificateAction) -> Notice:
        # Neutral on purpose: the reason stays with the program, never in a mailbox.
        program_name = self.site.program_name
        if kind == "suspended":
            subject = gettext("An update about your %(program)s certificate", program=program_name)
            text = gettext(
                "Your certificate has been put on hold by your program for now. Your "
                "coordinator will be in touch with you."
            )
        elif kind == "lifted":
            subject = gettext(
                "Your %(program)s certificate is no longer on hold", program=program_name
            )
            text = gettext("The hold on your certificate has been lifted.")
        else:
            subject = gettext("An update about your %(program)s certificate", program=program_name)
            text = gettext(
                "Your program has ended your certificate; it is no longer active. Please talk "
                "with your coordinator if you have any questions."
            )
        return self._notice(
            user,
            kind,
            action.id,
            subject,
            f"{text}\n\n"
            + gettext("Your certificate page shows how it stands:")
            + f"\n{self._certificate_url(action.certificate)}",
        )

    def name_decision(self, mentor: standing.Standing, event: AuditEvent) -> Notice:
        kind = NAME_DECISIONS[event.action]
        if kind == "name_declined":
            # The coordinator's note stays on the page, behind a sign-in, not in a mailbox.
            return self._notice(
                mentor.user,
                kind,
                event.id,
                gettext("About your request to correct your name"),
                gettext(
                    "Your coordinator has looked at your request to correct your name and has "
                    "not changed it. Their note is on this page, where you can also ask again:"
                )
                + f"\n{self.site.base_url}/account/name",
            )
        reissued = (
            gettext(
                "Your certificate has been re-issued with the corrected name and a new code (the "
                "old code now shows as replaced). Download the new PDF from your training page:"
            )
            + f"\n{self.site.base_url}/training"
            if mentor.chain.certificates
            else gettext("Your certificate will carry this name when you earn it.")
        )
        return self._notice(
            mentor.user,
            kind,
            event.id,
            gettext("Your name has been corrected in %(program)s", program=self.site.program_name),
            gettext("The name we have on record for you is now: %(name)s.", name=mentor.user.name)
            + f"\n\n{reissued}",
        )

    def refresher_due(self, mentor: standing.Standing, item: standing.RefresherDue) -> Notice:
        changes = "\n".join(f"- {change.summary}" for change in item.changes)
        due = self._day(item.due_on)
        if item.overdue:
            when = gettext(
                "The refresher was due by %(day)s, so your certificate is on hold for new "
                "matches until you take it. It takes only a short while: read the module again "
                "and pass its quiz.",
                day=due,
            )
        else:
            when = gettext(
                "Your certificate still counts; please take the refresher by %(day)s, after "
                "which it would be on hold for new matches until you do: read the module again "
                "and pass its quiz.",
                day=due,
            )
        title = self._title(item.module.slug)
        return self._notice(
            mentor.user,
            "refresher_due",
            f"{item.certificate_id}:{item.module.slug}:{item.version}",
            gettext("“%(title)s” has changed: a short refresher", title=title),
            gettext(
                "We have updated “%(title)s”, part of the training your certificate covers. "
                "What changed:",
                title=title,
            )
            + f"\n{changes}\n\n{when}\n\n{self.site.base_url}/modules/{item.module.slug}",
        )

    def nudge(self, mentor: standing.Standing, number: int) -> Notice:
        step = (
            next_step_label(mentor.next_step, self._title)
            if mentor.next_step
            else gettext("Continue your training")
        )
        last = (
            "\n\n" + gettext("This is the last message of this kind we will send.")
            if number == NUDGES_AT_MOST
            else ""
        )
        return self._notice(
            mentor.user,
            NUDGE_KIND,
            number,
            gettext(
                "Your %(program)s training is here when you are ready",
                program=self.site.program_name,
            ),
            gettext(
                "It has been a little while since you last visited your training. There is no "
                "rush: your place is saved, and you can go at your own pace."
            )
            + "\n\n"
            + gettext("Your next step: %(step)s.", step=step)
            + f"\n{self.site.base_url}/training\n\n"
            + gettext(
                "Youth who experienced exploitation deserve mentors who feel prepared, and the "
                "course is there to help you feel that way. If now is not a good time, that is "
                "all right too."
            )
            + last,
        )

    def _still_to_pass(self, mentor: standing.Standing) -> str:
        slugs: Sequence[str] = mentor.renewal.still_to_pass_slugs if mentor.renewal else ()
        titles = [self._title(slug) for slug in slugs]
        if not titles:
            return ""
        return gettext("Quizzes to pass again: %(titles)s.", titles=", ".join(titles)) + "\n\n"


# --- queuing ---------------------------------------------------------------------------------


def queue(session: Session, notice: Notice, now: datetime) -> bool:
    """Record and queue one notice in one transaction; False when it was queued already.

    On PostgreSQL a second host inserting the same key waits for the first to commit and then
    inserts nothing; SQLite's single writer does the same. Commits either way.
    """
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(NoticeSent)
    recorded = session.scalar(
        insert.values(
            user_id=notice.user_id, kind=notice.kind, period_key=notice.period_key, queued_at=now
        )
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "period_key"])
        .returning(NoticeSent.id)
    )
    if recorded is None:
        session.rollback()
        return False
    outbox.enqueue(session, notice.to, notice.subject, notice.body, key=notice.outbox_key, now=now)
    session.commit()
    return True


def send(session: Session, course: Course, site: Site, zone: tzinfo, now: datetime) -> RunReport:
    """Queue every notice due now, each once; safe to run again and on several hosts at once."""
    notices = due(session, course, site, zone, now)
    session.rollback()  # end the read, so each notice's transaction starts fresh
    queued: Counter[str] = Counter()
    already = 0
    for notice in notices:
        if queue(session, notice, now):
            queued[notice.kind] += 1
        else:
            already += 1
    return RunReport(queued=dict(queued), already=already)
