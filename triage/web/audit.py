"""The audit log page for admins: who did what, when (triage.audit_log), paged newest first."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Optional

from flask import Blueprint, render_template, request

from triage import audit_log, db
from triage.web.access import admin_required
from triage.web.templating import page_context

bp = Blueprint("audit", __name__)
PAGE_SIZE = 100


def _day(name: str) -> Optional[date]:
    try:
        return date.fromisoformat(request.args.get(name, "")[:10])
    except ValueError:
        return None


def _start_of(day: Optional[date]) -> Optional[datetime]:
    """The first moment of a day in the viewer's time zone (the dates on the page are theirs)."""
    return datetime.combine(day, time(0), tzinfo=page_context().zone) if day else None


@bp.get("/audit")
@admin_required
def audit():
    s = db.get_session()
    first, last = _day("from"), _day("to")
    filters = audit_log.AuditFilters(
        actor=request.args.get("actor", "").strip()[:64],
        action=request.args.get("action", "").strip()[:64],
        since=_start_of(first),
        until=_start_of(last + timedelta(days=1)) if last else None,
    )
    before = request.args.get("before", "")
    before_id = int(before) if before.isdigit() and len(before) < 10 else None
    rows = s.execute(audit_log.audit_events(filters, before_id, PAGE_SIZE + 1)).all()
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    return render_template(
        "audit.html",
        events=[(row, audit_log.detail_text(row.detail)) for row in rows],
        filters=filters,
        first=first.isoformat() if first else "",
        last=last.isoformat() if last else "",
        actions=s.scalars(audit_log.known_actions()).all(),
        system=audit_log.SYSTEM,
        next_before=rows[-1].id if more and rows else None,
    )
