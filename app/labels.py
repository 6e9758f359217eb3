"""Interface words for codes the content and the services keep in English.

The content package does not know Flask, and stored rows and the API keep codes; the pages show
these words instead, in the reader's language (lazy, so they are translated when shown). Each
mapping has exactly the keys of the English one it stands for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from flask_babel import LazyString, gettext
from markupsafe import Markup, escape

from app.locale_format import format_date
from app.services.standing import ChecklistItem, ModuleState, NextStep, Standing


class Text(LazyString):
    """A text translated when shown; in a template it is escaped like any string (Flask-Babel's
    own lazy string would be inserted as HTML, unescaped)."""

    def __html__(self) -> Markup:
        """The translated text, escaped."""
        return escape(str(self))


def _l(string: str, **variables: object) -> Text:
    """Mark `string` for translation, translated when it is shown (`lazy_gettext`)."""
    return Text(gettext, string, **variables)


MENTOR_TYPE_LABELS = {
    "community_volunteer": _l("Community volunteer"),
    "care_provider": _l("Trained care provider"),
    "staff_mentor": _l("Staff mentor"),
    "survivor_mentor": _l("Survivor mentor"),
}

MENTOR_TYPE_DESCRIPTIONS = {
    "community_volunteer": _l("A volunteer from the community, giving a few hours a week."),
    "care_provider": _l(
        "Someone whose training or work is in caring for people, such as social work, counseling or nursing."
    ),
    "staff_mentor": _l("A member of the program's or a partner agency's staff who also mentors."),
    "survivor_mentor": _l(
        "Someone with lived experience of exploitation who mentors young people."
    ),
}

MENTOR_TYPE_VISIBILITY = _l(
    "Only your program's staff see the kind of mentor you chose. It is not printed on your "
    "certificate or shown to anyone who checks it, and whether you share your own story with a "
    "young person is always your choice."
)

# The self-care plan's parts: (label, hint), keyed like private_notes.PLAN_SECTIONS.
PLAN_SECTIONS = {
    "warning_signs": (
        _l("My warning signs"),
        _l(
            "How do I know I am becoming worn down or affected by what I hear? Think of sleep, "
            "mood, body, habits."
        ),
    ),
    "what_helps": (
        _l("What helps me"),
        _l("Things that restore me, big and small, and how often I will do them."),
    ),
    "people_to_call": (
        _l("People I can call"),
        _l(
            "Who I can talk to, including my program's supervisor and, if I need it, a "
            "counselor. First names and roles are enough."
        ),
    ),
    "boundaries": (
        _l("Boundaries I keep"),
        _l("Limits on time, contact and topics that protect me and the young person."),
    ),
    "commitments": (
        _l("What I commit to"),
        _l("What I can truly give: hours, how long, and what I will say no to."),
    ),
    "check_in": (
        _l("When I will check in with myself"),
        _l("A regular time to look at this plan again, and what would make me look sooner."),
    ),
}

# --- the mentor's standing, worded again from its codes (services keep English for staff) ------

MODULE_STATUS = {
    "passed": _l("Passed"),
    "refresher": _l("Refresher due"),
    "refresher_overdue": _l("Refresher overdue"),
    "to_renew": _l("Pass again to renew"),
    "paused": _l("Quiz paused"),
    "ready": _l("Quiz ready"),
    "read": _l("Read"),
    "not_started": _l("Not started"),
}

# Checklist lines by the English label the course gives them; a label a program wrote itself
# stays as written.
CHECKLIST_LABELS = {
    "Training certificate": _l("Training certificate"),
    "In-person training": _l("In-person training"),
    "Background check": _l("Background check"),
    "Reference check": _l("Reference check"),
    "Interview": _l("Interview"),
    "Readiness conversation": _l("Readiness conversation"),
}

CHECKLIST_TEXT = {
    "no_certificate": _l("Finish the training to earn your certificate."),
    "path_not_covered": _l("Your path changed: pass %(missing)s to receive a certificate for it."),
    "valid": _l("Valid until %(until)s."),
    "refresher_due": _l(
        "Valid until %(until)s. Refresher due by %(due)s: %(modules)s changed; read it again and "
        "pass its quiz."
    ),
    "refresher_overdue": _l(
        "On hold: %(modules)s changed and the refresher was due by %(due)s. Read it again and "
        "pass its quiz to make it count again."
    ),
    "certificate_expired": _l("Expired. Pass the quizzes again to renew it."),
    "certificate_suspended": _l("On hold for now. Your coordinator will be in touch."),
    "certificate_revoked": _l("No longer active. Please talk with your coordinator."),
    "pending": _l("Waiting for your program."),
    "not_cleared": _l("Please contact your coordinator."),
    "cleared": _l("Done on %(day)s."),
    "in_person_done": _l("%(done)s of %(needed)s hours attended."),
    "in_person_todo": _l(
        "%(done)s of %(needed)s hours attended so far; your coordinator will invite you to a "
        "session."
    ),
}

NEXT_STEP = {
    "read": _l("Read “%(title)s”"),
    "quiz": _l("Take the quiz: “%(title)s”"),
    "reread": _l("Read “%(title)s” again: it changed"),
    "refresher_quiz": _l("Take the refresher quiz: “%(title)s”"),
    "review": _l("Review “%(title)s”"),
}

# What each screening step is and who does it, keyed like screening.STEP_GUIDE.
STEP_GUIDE = {
    "background_check": (
        _l(
            "A criminal record and child-abuse registry check, which every program working with "
            "young people must do."
        ),
        _l(
            "Your program's staff request it; you may be asked to sign a consent form or give "
            "your fingerprints."
        ),
    ),
    "reference_check": (
        _l(
            "A conversation with two or three people who know you, about how you are with young "
            "people and how you keep commitments."
        ),
        _l("Your coordinator contacts the people you named; they may ask you for their details."),
    ),
    "interview": (
        _l(
            "A conversation about why you want to mentor, the time you can give and the support "
            "you will need."
        ),
        _l("Your coordinator arranges it with you, in person or by video."),
    ),
    "readiness_conversation": (
        _l(
            "A private conversation about your own story, what might be hard to hear again, and "
            "the support you want while mentoring."
        ),
        _l(
            "Your coordinator, or a counselor they work with, arranges it with you. You decide "
            "how much of your story to share."
        ),
    ),
}
GENERIC_STEP = (
    _l("A step your program completes before any match."),
    _l("Your program's staff arrange it with you."),
)
COORDINATOR_CONTACT = _l(
    "Questions about screening? Contact your program's volunteer coordinator, the person who "
    "invited you to this training. You do not need to wait for them: you are welcome to ask "
    "where things stand."
)


def module_status(state: ModuleState) -> str:
    """A module's state in the reader's words."""
    return str(MODULE_STATUS[state.status_code])


def checklist_label(item: ChecklistItem) -> str:
    """A checklist line's name in the reader's words (a program's own label as written)."""
    return str(CHECKLIST_LABELS.get(item.label, item.label))


def _quoted(slugs: Iterable[str], title_of: Callable[[str], str]) -> str:
    return ", ".join(f"“{title_of(slug)}”" for slug in slugs)


def checklist_text(item: ChecklistItem, title_of: Callable[[str], str]) -> str:
    """A checklist line's explanation in the reader's words; `title_of` gives module titles.

    Dates are the standing's own (UTC), written for the reader's locale.
    """
    words = CHECKLIST_TEXT.get(item.code)
    if words is None:
        return item.text
    values: dict[str, object] = {}
    for name, value in item.values.items():
        if name in ("until", "due", "day"):
            values[name] = format_date(value)
        elif name in ("modules", "missing"):
            values[name] = _quoted(value, title_of)
        else:
            values[name] = value
    if "missing" in values and not values["missing"]:
        values["missing"] = gettext("the new modules")
    return str(words) % values if values else str(words)


def next_step_label(step: NextStep, title_of: Callable[[str], str]) -> str:
    """The next step in the reader's words."""
    words = NEXT_STEP.get(step.kind)
    if words is None or step.slug is None:
        return step.label
    return str(words) % {"title": title_of(step.slug)}


def step_guide(step: str) -> tuple[str, str]:
    """What a screening step is and who does it, in the reader's words."""
    what, who = STEP_GUIDE.get(step, GENERIC_STEP)
    return str(what), str(who)


CERTIFICATE_STATUS = {
    "valid": _l("Valid"),
    "expired": _l("Expired"),
    "suspended": _l("Suspended"),
    "revoked": _l("Revoked"),
}


def certificate_label(mentor: Standing) -> str | None:
    """The certificate's status in the reader's words, with a refresher due or overdue."""
    if mentor.certificate_status is None:
        return None
    if mentor.refreshers and mentor.certificate_status == "valid":
        if mentor.refresher_overdue:
            return gettext("Refresher overdue")
        due = min(item.due_on for item in mentor.refreshers)
        return gettext("Refresher due by %(day)s", day=format_date(due))
    return str(CERTIFICATE_STATUS[mentor.certificate_status])


_PASS_FIRST = re.compile(r"Pass the quiz of (?P<modules>.+) first\.")


def lock_reason(text: str | None) -> str | None:
    """Why a quiz is closed, in the reader's words. `standing.lock_reason` keeps it English (the
    standing is evaluated the same for every reader); a text it does not give is shown as is."""
    if text == "Read the module and mark it read to open its quiz.":
        return gettext("Read the module and mark it read to open its quiz.")
    found = _PASS_FIRST.fullmatch(text or "")
    if found:
        return gettext("Pass the quiz of %(modules)s first.", modules=found["modules"])
    return text
