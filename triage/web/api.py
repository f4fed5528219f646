"""The JSON API (bearer tokens with scopes), described by /api/v1/openapi.json."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import Blueprint, abort, current_app, g, jsonify, request

from triage import claims, db, groups, stats, tickets
from triage.web.cache import kept_days
from triage.models import CHANNELS, Ticket, parse_id
from triage.queue import ACTIVE_FILTER, STATUS_FILTERS, Cursor, QueueFilters, queue_page
from triage.schedule import ingest_intervals
from triage.taxonomy import LABELS
from triage.users import STATS_READ, TICKETS_READ, TICKETS_WRITE, token_user
from triage.web.openapi import DEFAULT_LIMIT, MAX_LIMIT, openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def scope_required(scope: str):
    """401 without a valid token; 403 when the token (or its user's role) lacks the scope."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            kind, _, token = header.partition(" ")
            if kind.lower() != "bearer" or not token.strip():
                return jsonify(error="missing bearer token", status=401), 401, {"WWW-Authenticate": "Bearer"}
            s = db.get_session()
            found = token_user(s, token.strip())
            if found is None:
                return jsonify(error="invalid or revoked token", status=401), 401, {"WWW-Authenticate": "Bearer"}
            s.commit()
            g.api_user, g.api_scopes = found
            if scope not in g.api_scopes:
                return jsonify(error=f"token lacks scope {scope}", status=403), 403
            return view(*args, **kwargs)

        return wrapped

    return decorator


def ticket_summary(t: Ticket, masked: bool = True) -> dict:
    """A ticket as lists show it: masked for every role, as on the pages (issue 18)."""
    return {
        "id": t.id,
        "channel": t.channel,
        "label": t.label,
        "confidence": round(t.confidence, 4),
        "needs_review": t.needs_review,
        "label_source": t.label_source,
        "status": t.status,
        "due_at": t.due_at.isoformat(),
        "due_explanation": t.due_explanation,
        "subject": tickets.mask_text(t.subject) if masked and t.subject else t.subject,
        "preview": tickets.mask_text(t.preview) if masked else t.preview,
        "contact": tickets.mask_handle(t.contact.handle) if masked else t.contact.handle,
        "assignee": t.assignee.username if t.assignee else None,
        "created_at": t.created_at.isoformat(),
        "last_message_at": t.last_message_at.isoformat(),
        "message_count": t.message_count,
    }


def ticket_detail(t: Ticket) -> dict:
    """One ticket whole: masked for agents; a supervisor's token reads it unmasked, and that
    look is audited like a reveal on the ticket page (committed with the response)."""
    masked = not g.api_user.is_supervisor
    if not masked:
        tickets.record_reveal(db.get_session(), t, g.api_user, via="api")
        db.get_session().commit()
    return {
        **ticket_summary(t, masked),
        "entities": tickets.display_entities(t.entities, reveal=not masked),
        "merged_into": t.merged_into_id,
        "first_response_at": t.first_response_at.isoformat() if t.first_response_at else None,
        "resolved_at": t.resolved_at.isoformat() if t.resolved_at else None,
        "messages": [
            {
                "id": m.id,
                "direction": m.direction,
                "author": tickets.mask_handle(m.author) if masked and m.direction == "inbound" else m.author,
                "subject": tickets.mask_text(m.subject) if masked and m.subject else m.subject,
                "text": tickets.mask_text(m.text) if masked else m.text,
                "sent_at": m.sent_at.isoformat(),
            }
            for m in t.messages
        ],
    }


def _bad(message: str):
    return jsonify(error=message, status=400), 400


@bp.get("/tickets")
@scope_required(TICKETS_READ)
def list_tickets():
    args = request.args
    for name, allowed in (("label", LABELS), ("channel", CHANNELS), ("status", STATUS_FILTERS)):
        if args.get(name) and args[name] not in allowed:
            return _bad(f"{name} must be one of {', '.join(allowed)}")
    try:
        limit = min(max(int(args.get("limit", DEFAULT_LIMIT)), 1), MAX_LIMIT)
    except ValueError:
        return _bad("limit must be a whole number")
    assignee = args.get("assignee") or None
    if assignee is not None and assignee != "none" and parse_id(assignee) is None:
        return _bad("assignee must be a user id or none")
    after = Cursor.decode(args.get("after"))
    if args.get("after") and after is None:
        return _bad("after is not a cursor returned by this API")
    filters = QueueFilters(
        label=args.get("label"),
        channel=args.get("channel"),
        status=args.get("status", ACTIVE_FILTER),
        needs_review={"true": True, "false": False}.get(args.get("needs_review", "")),
        assignee=assignee,
        text=args.get("q"),
    )
    s = db.get_session()
    rows = s.scalars(queue_page(filters, after, s.get_bind().dialect.name).limit(limit + 1)).unique().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return jsonify(
        tickets=[ticket_summary(t) for t in rows],
        next_cursor=Cursor(rows[-1].due_at, rows[-1].id).encode() if more and rows else None,
    )


@bp.get("/tickets/<int:ticket_id>")
@scope_required(TICKETS_READ)
def get_ticket(ticket_id: int):
    t = db.get_session().get(Ticket, ticket_id)
    if t is None:
        abort(404)
    return jsonify(ticket_detail(t))


@bp.post("/take-next")
@scope_required(TICKETS_WRITE)
def take_next():
    s = db.get_session()
    settings = current_app.config["SETTINGS"]
    claims.upkeep(s, timedelta(minutes=settings.claim_idle_minutes), settings.auto_assign)
    try:
        ticket_id = claims.take_next_ticket(s, g.api_user)
    except claims.CapacityReached:
        return jsonify(error="capacity reached", status=409), 409
    if ticket_id is None:
        return "", 204
    return jsonify(ticket_detail(s.get(Ticket, ticket_id, populate_existing=True)))


@bp.post("/tickets/<int:ticket_id>/resolve")
@scope_required(TICKETS_WRITE)
def resolve(ticket_id: int):
    s = db.get_session()
    t = s.get(Ticket, ticket_id)
    if t is None:
        abort(404)
    if claims.held_by_another(t, g.api_user):
        return jsonify(error="ticket is held by another agent", status=409), 409
    try:
        tickets.resolve(s, t, g.api_user)
    except tickets.TicketError as exc:
        s.rollback()
        return jsonify(error=str(exc), status=409), 409
    s.commit()
    return jsonify(ticket_summary(t))


@bp.get("/stats")
@scope_required(STATS_READ)
def get_stats():
    s = db.get_session()
    figures = stats.api_stats(s, ingest_intervals(current_app.config["SETTINGS"]), kept=kept_days())
    s.commit()  # the past days of the history it had to compute, for the other processes
    return jsonify(figures)


def _language() -> str:
    return "en" if request.args.get("lang") == "en" else "id"


@bp.get("/groups")
@scope_required(TICKETS_READ)
def list_groups():
    """Open groups that are a real pattern, surges first; all=true adds closed, merged and small ones."""
    listed = groups.list_groups(
        db.get_session(),
        include_all=request.args.get("all") in ("1", "true"),
        language=_language(),
        min_size=current_app.config["SETTINGS"].group_min_size,
    )
    return jsonify(groups=[g.as_dict() for g in listed])


@bp.get("/groups/<int:group_id>")
@scope_required(TICKETS_READ)
def get_group(group_id: int):
    detail = groups.group_detail(db.get_session(), group_id, language=_language())
    if detail is None:
        abort(404)
    out = detail.as_dict()
    for member in out["members"]:  # masked for every role, as on the group page (issue 18)
        member["contact"] = tickets.mask_handle(member["contact"])
    return jsonify(out)


@bp.get("/openapi.json")
@scope_required(TICKETS_READ)
def openapi():
    return jsonify(openapi_document())

