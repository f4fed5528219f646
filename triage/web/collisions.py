"""Two people on one ticket: the polled notice that someone else claimed, was given or freed
the ticket a page shows (the banner and the read-only actions are the ticket page's own)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from triage import claims, db
from triage.models import Ticket, parse_id

bp = Blueprint("collisions", __name__)
POLL_SECONDS = 10  # how often an open ticket page asks who holds the ticket
STOP_POLLING = 286  # htmx's status for "stop polling"


@bp.get("/tickets/<int:ticket_id>/holder")
def holder(ticket_id: int):
    """The notice fragment: empty (and polling on) while the ticket's holder is still `seen`
    (0: nobody); the news once it is not. Reads only: a poll never refreshes a claim.

    Signed out meanwhile (another tab, session expired): polling stops, instead of the login
    page that login_required redirects to being swapped into the ticket page."""
    if not current_user.is_authenticated:
        return "", STOP_POLLING
    raw = request.args.get("seen", "0")
    seen = 0 if raw == "0" else parse_id(raw)  # 0: nobody held it
    if seen is None:
        abort(400)
    s = db.get_session()
    ticket = s.get(Ticket, ticket_id)
    if ticket is None:
        abort(404)
    change = claims.holder_change(s, ticket, seen or None)
    return render_template("_holder_notice.html", t=ticket, change=change, holder_seen=seen, holder_poll_seconds=POLL_SECONDS)
