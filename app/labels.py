"""Interface words for codes the content and the services keep in English.

The content package does not know Flask, and stored rows and the API keep codes; the pages show
these words instead, in the reader's language (lazy, so they are translated when shown). Each
mapping has exactly the keys of the English one it stands for.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MENTOR_TYPE_LABELS = {
    "community_volunteer": _l("Community volunteer"),
    "care_provider": _l("Trained care provider"),
    "staff_mentor": _l("Staff mentor"),
    "survivor_mentor": _l("Survivor mentor"),
}

MENTOR_TYPE_DESCRIPTIONS = {
    "community_volunteer": _l("A volunteer from the community, giving a few hours a week."),
    "care_provider": _l(
        "A foster parent, kinship carer or group-home worker caring for young people."
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
