"""Staff reports and their CSV exports (routes on the staff blueprint)."""

from __future__ import annotations

from flask import Response, abort, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.access import recent_password_required, staff_required
from app.content.translations import SOURCE_LANGUAGE
from app.extensions import db
from app.languages import current_language
from app.models import utcnow
from app.services import audit, funder_summary, reports
from app.services.csv_export import table_lines
from app.staff.views import bp, keyed_export
from app.web import current_course

__all__ = ["bp"]

# The funder summary leads the exports as it leads the page.
EXPORTS: dict[str, reports.Export] = {
    "funder-summary": reports.Export(
        columns=funder_summary.COLUMNS,
        rows=lambda session, _course, start, end: funder_summary.rows(
            funder_summary.funder_summary(session, start, end, utcnow().date())
        ),
    ),
    **reports.EXPORTS,
}


def _requested_range() -> reports.DateRange:
    """The range in the query string; raises InvalidDateRange for anything unusable."""
    return reports.parse_range(request.args.get("from"), request.args.get("to"), utcnow().date())


def _refused(error: reports.InvalidDateRange) -> ResponseReturnValue:
    """The reports page with the form, the typed values and what is wrong; nothing else runs."""
    return (
        render_template(
            "staff/reports.html",
            typed={"from": request.args.get("from", ""), "to": request.args.get("to", "")},
            errors=error.errors,
            data=None,
            funder=None,
            exports={},
            keyed_exports={},
        ),
        422,
    )


@bp.get("/reports", endpoint="reports")
@staff_required
def reports_page() -> ResponseReturnValue:
    """Every report over one date range (default: the last 365 days), with CSV links."""
    try:
        span = _requested_range()
    except reports.InvalidDateRange as error:
        return _refused(error)
    query = {"from": span.start.isoformat(), "to": span.end.isoformat()}
    return render_template(
        "staff/reports.html",
        typed=query,
        errors={},
        data=reports.all_reports(db.session, current_course(), span.start, span.end),
        funder=funder_summary.funder_summary(db.session, span.start, span.end, utcnow().date()),
        exports={name: url_for("staff.report_csv", name=name, **query) for name in EXPORTS},
        # In English the plain link already gives the keyed file.
        keyed_exports={
            name: url_for("staff.report_csv", name=name, **query, keys="1") for name in EXPORTS
        }
        if current_language() != SOURCE_LANGUAGE
        else {},
    )


@bp.get("/reports/<name>.csv")
@staff_required
@recent_password_required()
def report_csv(name: str) -> ResponseReturnValue:
    """One report as streamed CSV; every export is written to the audit log first.

    The language-neutral file with the stable column keys (docs/csv-columns.md) as its header,
    as these exports always were, for `?keys=1` and for an English reader; a reader of another
    language gets headers and words in it.
    """
    export = EXPORTS.get(name)
    if export is None:
        abort(404)
    try:
        span = _requested_range()
    except reports.InvalidDateRange as error:
        return _refused(error)
    # The figures are a few rows per quiz or question, so they are computed before the response
    # starts: a failing query then gives an error page, not a truncated file that looks complete.
    rows = export.rows(db.session, current_course(), span.start, span.end)
    audit.record(
        db.session,
        f"export.{name}",
        actor_id=current_user.id,
        detail={"from": span.start.isoformat(), "to": span.end.isoformat()},
    )
    db.session.commit()
    filename = f"mentor-ready-{name}-{span.start.isoformat()}-to-{span.end.isoformat()}.csv"
    return Response(
        stream_with_context(
            table_lines(
                export.columns,
                rows,
                keys=keyed_export() or current_language() == SOURCE_LANGUAGE,
            )
        ),
        # content_type, not mimetype: Werkzeug would append a second "; charset=utf-8".
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
