"""Staff pages: dashboard, roster, mentor detail and actions, matches, audit log."""

from __future__ import annotations

from contextlib import suppress
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.access import recent_password_required, staff_required
from app.extensions import db
from app.input_checks import whole_number
from app.models import Certificate, User, utcnow
from app.services import (
    audit,
    certificates,
    matching,
    mentors,
    program,
    reissue,
    roster,
    screening,
    staff_accounts,
    standing,
    words,
)
from app.services.csv_export import Column, table_lines, words_for
from app.services.dates import parse_day
from app.services.errors import DomainError, NotFound
from app.staff.forms import (
    CertificateActionForm,
    ConfirmForm,
    EndMatchForm,
    MatchForm,
    MentorTypeForm,
    NameCorrectionForm,
    NameRequestDecisionForm,
    ScreeningForm,
)
from app.web import attach_error, confirm_first, current_course, program_profile

bp = Blueprint("staff", __name__, url_prefix="/staff")

CERTIFICATE_ACTIONS = {
    "suspend": (
        certificates.suspend,
        _l("Certificate suspended. The match list flags any open match for review."),
    ),
    "lift": (certificates.lift, _l("Suspension lifted.")),
    "revoke": (certificates.revoke, _l("Certificate revoked.")),
}


# Every key is documented in docs/csv-columns.md; a key never changes once released.
ROSTER_COLUMNS = (
    Column("name", _l("Name")),
    Column("email", _l("Email")),
    Column("mentor_type", _l("Mentor type"), words_for({**words.MENTOR_TYPE_WORDS, "": "—"})),
    Column("registered_on", _l("Registered")),
    Column("quizzes_passed", _l("Quizzes passed")),
    Column("quizzes_required", _l("Quizzes required")),
    Column("certificate", _l("Certificate"), words_for(words.CERTIFICATE_STATUS_CODES)),
    Column("certificate_expires_on", _l("Certificate expires")),
    Column("eligible", _l("Eligible"), words_for(words.YES_NO)),
    Column("not_eligible_because", _l("Not eligible because")),
    Column("matched", _l("Matched"), words_for(words.YES_NO)),
    Column("refresher_due_on", _l("Refresher due by")),
    Column("refresher_overdue", _l("Refresher overdue"), words_for(words.YES_NO)),
)


@bp.app_template_filter("reason_words")
def reason_words(reason: standing.Reason | tuple[str, str]) -> str:
    """A reason a mentor is not eligible, in the reader's language (stored English otherwise)."""
    if isinstance(reason, standing.Reason):
        return words.reason(reason.code, reason.staff_text)
    code, text = reason
    return words.reason(code, text)


@bp.app_template_filter("mentor_type_word")
def mentor_type_word(code: str | None) -> str:
    """A mentor type in words, in the reader's language."""
    return words.word(words.MENTOR_TYPE_WORDS, code, "—")


@bp.app_template_filter("match_model_word")
def match_model_word(code: str) -> str:
    """A matching model's short name, in the reader's language."""
    return words.word(words.MATCH_MODEL_WORDS, code)


@bp.app_template_filter("decimal")
def decimal(value: float, digits: int = 1) -> str:
    """A figure with `digits` decimals, written for the reader's locale ("25.0", "25,0")."""
    return words.decimal(value, digits)


@bp.app_template_filter("hours")
def hours(value: float) -> str:
    """Hours in tenths without a trailing zero ("1.5", "2"), written for the reader's locale."""
    return words.decimal(value, 1, trim=True)


@bp.app_template_filter("module_status_word")
def module_status_word(text: str) -> str:
    """A module's state in the reader's language."""
    return words.module_status(text)


@bp.app_template_filter("certificate_label_word")
def certificate_label_word(text: str | None) -> str:
    """A stored certificate label (refresher due or overdue) in the reader's language."""
    return words.certificate_label(text)


@bp.app_template_filter("certificate_word")
def certificate_word(status: str | None) -> str:
    """A certificate's status in words ("None" without one), in the reader's language."""
    return words.word(words.CERTIFICATE_STATUS_WORDS, status, str(words.NO_CERTIFICATE))


def nothing_changed(error: DomainError) -> str:
    """A refused action's flash: the service's reason, then that nothing was changed."""
    return gettext("%(problem)s Nothing was changed.", problem=error.message)


def keyed_export() -> bool:
    """Whether a CSV export was asked for keyed: stable keys as its header, codes as codes."""
    return request.args.get("keys") == "1"


def _screening_form(mentor: User, records: list | None = None) -> ScreeningForm:
    """The screening form; a fresh one starts at today and the first step not yet cleared."""
    course = current_course()
    steps = course.screening_for(mentor.mentor_type)
    latest = standing.latest_screening(records or [])
    first_open = next(
        (step for step in steps if step not in latest or latest[step].result != "cleared"), None
    )
    form = ScreeningForm(step=first_open, completed_on=utcnow().date())
    form.step.choices = [SelectChoice(step, course.screening_steps[step]) for step in steps]
    return form


def _render_mentor(
    mentor_id: int, screening_form: ScreeningForm | None = None, status: int = 200
) -> ResponseReturnValue:
    try:
        detail = mentors.mentor_detail(db.session, mentor_id, current_course())
    except NotFound:
        abort(404)
    return (
        render_template(
            "staff/mentor.html",
            detail=detail,
            screening_form=screening_form or _screening_form(detail.user, detail.screening),
            action_form=CertificateActionForm(),
            type_form=MentorTypeForm(mentor_type=detail.user.mentor_type),
            confirm_form=ConfirmForm(),
            vocabulary=_vocabulary(),
            name_form=NameCorrectionForm(formdata=None, name=detail.user.name),
            decision_form=NameRequestDecisionForm(formdata=None),
            name_requests=reissue.requests_of(db.session, detail.user.id),
        ),
        status,
    )


def _page_number() -> int | None:
    try:
        return whole_number(request.args.get("page", "1"), largest=1_000_000)
    except ValueError:
        return None


@bp.get("/")
@staff_required
def dashboard() -> ResponseReturnValue:
    """The funnel and what needs a coordinator's attention today."""
    course = current_course()
    now = utcnow()
    funnel, attention = roster.dashboard(db.session, course, now)
    return render_template(
        "staff/dashboard.html",
        now=now,
        funnel=funnel,
        attention=attention,
        review=matching.needing_review(db.session, course, now, limit=roster.DASHBOARD_LIST),
        review_total=matching.count_needing_review(db.session),
        setup_steps=program.setup_steps(program_profile()),
        name_requests=reissue.all_pending(db.session),
    )


@bp.get("/mentors")
@staff_required
def roster_list() -> ResponseReturnValue:
    """Search, filter, sort and page through every mentor."""
    filters, problems = roster.parse_filters(request.args)
    page = _page_number()
    if page is None:
        problems.append(gettext("The page number must be a whole number from 1."))
    result = None
    if not problems:
        result = roster.roster_page(db.session, current_course(), filters, page or 1)
    return (
        render_template(
            "staff/roster.html",
            filters=filters,
            problems=problems,
            result=result,
            sorts=words.ROSTER_SORTS,
            certificate_filters=words.ROSTER_CERTIFICATES,
            yes_no=words.ROSTER_YES_NO,
            stages=words.ROSTER_STAGES,
            mentor_types=words.MENTOR_TYPE_WORDS,
        ),
        400 if problems else 200,
    )


@bp.get("/mentors.csv")
@staff_required
@recent_password_required()
def roster_csv() -> ResponseReturnValue:
    """The roster with the current filters as CSV, streamed (`?keys=1`: the keyed file)."""
    filters, problems = roster.parse_filters(request.args)
    if problems:
        abort(400)
    total, rows = roster.stream_rows(db.session, current_course(), filters)
    audit.record(
        db.session,
        "export.roster",
        actor_id=current_user.id,
        detail={**filters.as_query(), "rows": total},
    )
    db.session.commit()
    body = (
        [
            row.name,
            row.email,
            row.mentor_type or "",
            row.registered_at.date().isoformat(),
            row.passed,
            row.required,
            row.certificate_status or "none",
            row.expires_at.date().isoformat() if row.expires_at else "",
            "yes" if row.eligible else "no",
            words.ShownReasons(row.reason_pairs),
            "yes" if row.matched else "no",
            row.refresher_due_on.isoformat() if row.refresher_due_on else "",
            "yes" if row.refresher_overdue else "no",
        ]
        for row in rows
    )
    return Response(
        stream_with_context(table_lines(ROSTER_COLUMNS, body, keys=keyed_export())),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="mentors-{date.today().isoformat()}.csv"'
        },
    )


def _vocabulary() -> audit.Vocabulary:
    """The words for codes that audit entries hold, from the course and the product's tables."""
    return audit.Vocabulary(
        codes={
            **{slug: module.title for slug, module in current_course().modules.items()},
            **current_course().screening_steps,
            **words.MENTOR_TYPE_WORDS,
            **words.MATCH_MODEL_WORDS,
            "cleared": _l("Cleared"),
            "not_cleared": _l("Not cleared"),
            "admin": _l("Administrator"),
            "staff": _l("Staff"),
            "mentor": _l("Mentor"),
        }
    )


def _audit_filters() -> tuple[dict[str, str], dict[str, date | None], list[str]]:
    """The audit log's filters from the query string, and what is wrong with them."""
    problems = []
    values = {
        key: " ".join((request.args.get(key) or "").split())[:200]
        for key in ("actor", "action", "mentor")
    }
    dates: dict[str, date | None] = {}
    for key in ("from", "to"):
        raw = (request.args.get(key) or "").strip()
        try:
            label = gettext("“from”") if key == "from" else gettext("“to”")
            dates[key] = parse_day(raw[:40], label, utcnow().year + 1) if raw else None
        except ValueError as error:
            problems.append(str(error))
            dates[key] = None
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        problems.append(gettext("The “from” date must not be after the “to” date."))
    return values, dates, problems


@bp.get("/audit")
@staff_required
def audit_log() -> ResponseReturnValue:
    """Every recorded action, newest first; read-only."""
    values, dates, problems = _audit_filters()
    page = _page_number()
    if page is None:
        problems.append(gettext("The page number must be a whole number from 1."))
    events, total = [], 0
    if not problems:
        events, total = audit.search(
            db.session,
            actor=values["actor"],
            action=values["action"],
            mentor=values["mentor"],
            date_from=dates["from"],
            date_to=dates["to"],
            page=page or 1,
        )
    return (
        render_template(
            "staff/audit.html",
            events=events,
            total=total,
            page=page or 1,
            pages=max(1, -(-total // audit.PER_PAGE)),
            values=values,
            dates={key: (value.isoformat() if value else "") for key, value in dates.items()},
            actions=audit.actions(db.session),
            problems=problems,
            vocabulary=_vocabulary(),
        ),
        400 if problems else 200,
    )


@bp.get("/audit.csv")
@staff_required
@recent_password_required()
def audit_csv() -> ResponseReturnValue:
    """The audit log with the current filters as CSV, streamed; the export is itself audited."""
    values, dates, problems = _audit_filters()
    if problems:
        abort(400)
    audit.record(
        db.session,
        "export.audit",
        actor_id=current_user.id,
        detail={
            **{key: value for key, value in values.items() if value},
            **{key: value.isoformat() for key, value in dates.items() if value},
        },
    )
    db.session.commit()
    rows = audit.export_rows(
        db.session,
        _vocabulary(),
        actor=values["actor"],
        action=values["action"],
        mentor=values["mentor"],
        date_from=dates["from"],
        date_to=dates["to"],
    )
    return Response(
        stream_with_context(table_lines(audit.EXPORT_COLUMNS, rows, keys=keyed_export())),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{date.today().isoformat()}.csv"'
        },
    )


@bp.post("/mentors/<int:mentor_id>/type")
@staff_required
def change_type(mentor_id: int) -> ResponseReturnValue:
    """Change what kind of mentor someone is."""
    form = MentorTypeForm()
    if not form.validate_on_submit():
        flash(gettext("Choose one of the mentor types. Nothing was changed."), "error")
    else:
        try:
            mentors.change_mentor_type(
                db.session, current_user.id, mentor_id, form.mentor_type.data
            )
        except NotFound:
            abort(404)
        except DomainError as error:
            flash(nothing_changed(error), "error")
        else:
            flash(
                gettext("Mentor type changed. Their path and screening steps follow the new type."),
                "success",
            )
    return redirect(url_for("staff.mentor", mentor_id=mentor_id))


@bp.post("/accounts/<int:user_id>/<action>")
@staff_required
@recent_password_required(when=lambda action, **_: action == "deactivate")
def account_action(user_id: int, action: str) -> ResponseReturnValue:
    """Deactivate or reactivate an account (staff accounts need an administrator)."""
    perform = {
        "deactivate": staff_accounts.deactivate,
        "reactivate": staff_accounts.reactivate,
    }.get(action)
    target = db.session.get(User, user_id)
    if perform is None or target is None:
        abort(404)
    back = (
        url_for("staff.mentor", mentor_id=user_id)
        if target.role == "mentor"
        else url_for("staff.dashboard")
    )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if action == "deactivate":
        page = confirm_first(
            title=gettext("Deactivate %(name)s’s account?", name=target.name),
            explanation=gettext(
                "%(name)s is signed out everywhere and cannot sign in. A mentor stops being "
                "eligible to be matched. Every record is kept, and the account can be reactivated.",
                name=target.name,
            ),
            button=gettext("Yes, deactivate %(name)s", name=target.name),
            back=back,
        )
        if page is not None:
            return page
    try:
        perform(db.session, current_user, user_id)
    except DomainError as error:
        flash(nothing_changed(error), "error")
    else:
        if action == "deactivate":
            done = gettext("%(name)s is deactivated and signed out everywhere.", name=target.name)
        else:
            done = gettext("%(name)s is active again.", name=target.name)
        flash(done, "success")
    return redirect(back)


@bp.get("/mentors/<int:mentor_id>")
@staff_required
def mentor(mentor_id: int) -> ResponseReturnValue:
    """Everything about one mentor that staff may see, and the actions on it."""
    return _render_mentor(mentor_id)


@bp.post("/mentors/<int:mentor_id>/screening")
@staff_required
def record_screening(mentor_id: int) -> ResponseReturnValue:
    """Append a screening result."""
    mentor_user = db.session.get(User, mentor_id)
    if mentor_user is None or mentor_user.role != "mentor":
        abort(404)
    form = _screening_form(mentor_user)
    if form.validate_on_submit():
        try:
            screening.record_result(
                db.session,
                current_user.id,
                mentor_id,
                current_course(),
                step=form.step.data,
                result=form.result.data,
                completed_on=form.completed_on.data,
                note=form.note.data or "",
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(gettext("Screening result recorded."), "success")
            return redirect(url_for("staff.mentor", mentor_id=mentor_id, _anchor="screening"))
    return _render_mentor(mentor_id, form, 422)


@bp.post("/certificates/<int:certificate_id>/<action>")
@staff_required
@recent_password_required(when=lambda action, **_: action == "revoke")
def certificate_action(certificate_id: int, action: str) -> ResponseReturnValue:
    """Suspend, lift or revoke a certificate; the reason is required and kept."""
    if action not in CERTIFICATE_ACTIONS:
        abort(404)
    form = CertificateActionForm()
    perform, done = CERTIFICATE_ACTIONS[action]
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    if not form.validate_on_submit():
        flash(gettext("Give a reason; it is kept in the record. Nothing was changed."), "error")
        return redirect(
            url_for("staff.mentor", mentor_id=certificate.user_id, _anchor="certificates")
        )
    if action == "revoke":
        page = confirm_first(
            title=gettext("Revoke this certificate?"),
            explanation=gettext(
                "Revoking is final: every certificate of this mentor in force or not yet started "
                "stops counting, and they are no longer eligible. Your reason: “%(reason)s”",
                reason=form.reason.data,
            ),
            button=gettext("Yes, revoke"),
            back=url_for("staff.mentor", mentor_id=certificate.user_id, _anchor="certificates"),
        )
        if page is not None:
            return page
    try:
        perform(db.session, current_user.id, certificate_id, form.reason.data or "")
    except DomainError as error:
        flash(nothing_changed(error), "error")
    else:
        flash(str(done), "success")
    return redirect(url_for("staff.mentor", mentor_id=certificate.user_id, _anchor="certificates"))


@bp.post("/mentors/<int:mentor_id>/reenable")
@staff_required
@recent_password_required()
def reenable(mentor_id: int) -> ResponseReturnValue:
    """Let a revoked mentor earn a new certificate; the reason is required and kept."""
    form = CertificateActionForm()
    if not form.validate_on_submit():
        flash(gettext("Give a reason; it is kept in the record. Nothing was changed."), "error")
    else:
        try:
            mentors.get_mentor(db.session, mentor_id)
            certificates.reenable(db.session, current_user.id, mentor_id, form.reason.data or "")
        except NotFound:
            abort(404)
        except DomainError as error:
            flash(nothing_changed(error), "error")
        else:
            flash(
                gettext(
                    "Re-enabled. The revoked certificates stay revoked; passing every quiz again "
                    "earns a new one."
                ),
                "success",
            )
    return redirect(url_for("staff.mentor", mentor_id=mentor_id, _anchor="certificates"))


@bp.get("/matches")
@staff_required
def matches() -> ResponseReturnValue:
    """Open matches, those needing review, and ended ones."""
    review = matching.needing_review(db.session, current_course())
    flagged = {match.id for match, _ in review}
    return render_template(
        "staff/matches.html",
        review=review,
        open_matches=[
            m for m in matching.list_matches(db.session, open_only=True) if m.id not in flagged
        ],
        ended=matching.list_matches(db.session, open_only=False),
        end_form=EndMatchForm(),
    )


def _match_form() -> tuple[MatchForm, set[int]]:
    """The new-match form with every eligible mentor, and the ids of those already matched."""
    form = MatchForm()
    used = program_profile().match_models
    form.model.choices = [choice for choice in form.model.choices if choice.value in used]
    candidates = matching.eligible_candidates(db.session, current_course())
    form.mentors.choices = [SelectChoice(m.id, f"{m.name} ({m.email})") for m, _ in candidates]
    form.youth_codes.description = gettext(
        "One code per line, in the program's format, like %(example)s. "
        "Never enter a young person's name, birthday or contact details.",
        example=current_app.config["YOUTH_CODE_EXAMPLE"],
    )
    return form, {m.id for m, matched in candidates if matched}


def _shown_mentors(form: MatchForm, find: str) -> list[SelectChoice]:
    """The candidates whose name or email holds `find`; ticked ones always stay in the list."""
    wanted = find.casefold()
    ticked = set(form.mentors.data or [])
    return [
        choice
        for choice in form.mentors.choices or []
        if not wanted or wanted in str(choice.label).casefold() or choice.value in ticked
    ]


@bp.route("/matches/new", methods=["GET", "POST"])
@staff_required
def new_match() -> ResponseReturnValue:
    """Record a match: every mentor must be eligible now; youth are codes, never names."""
    form, already_matched = _match_form()
    find = " ".join((request.values.get("find") or "").split())[:200]
    if request.method == "GET" and "mentor" in request.args:
        with suppress(ValueError):
            form.mentors.data = [whole_number(value) for value in request.args.getlist("mentor")]
    filtering = request.method == "POST" and "filter" in request.form
    if not filtering and form.validate_on_submit():
        try:
            match = matching.create_match(
                db.session,
                current_user.id,
                current_course(),
                model=form.model.data,
                mentor_ids=form.mentors.data or [],
                youth_codes=(form.youth_codes.data or "").splitlines(),
                started_on=form.started_on.data,
                youth_code_pattern=current_app.config["YOUTH_CODE_PATTERN"],
            )
        except matching.MatchRefused as error:
            form.form_errors.extend([gettext("The match was not recorded."), *error.reasons])
        else:
            flash(gettext("Match %(number)s recorded.", number=match.id), "success")
            return redirect(url_for("staff.matches"))
    return render_template(
        "staff/new_match.html",
        form=form,
        find=find,
        shown=_shown_mentors(form, find),
        already_matched=already_matched,
        model_rules=matching.MODEL_RULES,
    ), 422 if form.errors else 200


@bp.post("/matches/<int:match_id>/end")
@staff_required
def end_match(match_id: int) -> ResponseReturnValue:
    """End a match with a date and a closure reason; nothing is deleted."""
    form = EndMatchForm()
    if not form.validate_on_submit():
        flash(
            gettext("Give the end date and the reason for closure. Nothing was changed."), "error"
        )
        return redirect(url_for("staff.matches"))
    try:
        matching.end_match(
            db.session,
            current_user.id,
            match_id,
            ended_on=form.ended_on.data,
            reason=form.reason.data or "",
        )
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(nothing_changed(error), "error")
    else:
        flash(gettext("The match has ended. Its record is kept."), "success")
    return redirect(url_for("staff.matches"))
