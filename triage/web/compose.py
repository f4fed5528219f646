"""The ticket page's reply and note boxes: drafts kept while typed, the text of a refused
action put back in its box, one-time form keys, the question before resolving a ticket that
never got a reply, and the outgoing-mail banner.

The routes of the actions themselves stay in triage.web.agent, which calls the helpers here.
"""
from __future__ import annotations

from typing import Optional

import sqlalchemy.orm as so
from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from triage import db, drafts, health, submissions
from triage.models import Ticket
from triage.models.workbench import DRAFT_KINDS, Draft
from triage.web.cache import memo
from triage.web.refusals import refusal_text
from triage.web.templating import clock

bp = Blueprint("compose", __name__)
# The banner's view of outgoing mail is at most this old (health.mail_state reads the outbox).
MAIL_STATE_SECONDS = 15
Kept = tuple[str, str]  # (box, text) an action keeps as the agent's draft when it refuses it


def boxes(session: so.Session, ticket: Ticket) -> dict[str, Draft]:
    """The current user's drafts on the ticket, by box, for the page to fill its boxes with."""
    return drafts.for_ticket(session, ticket, current_user)


def keep(session: so.Session, ticket: Ticket, kept: Optional[Kept]) -> None:
    """Keep a refused action's text as the user's draft of its box, whatever its length, and
    commit: the page (and a reload, another browser) shows it in the box again. The caller
    rolled the action back first."""
    if kept is None:
        return
    kind, text = kept
    drafts.save(session, ticket, current_user, kind, text, limit=None)
    session.commit()


def done(session: so.Session, ticket: Ticket, kept: Optional[Kept]) -> None:
    """The box's text was sent or saved: its draft goes, in the action's transaction."""
    if kept is not None:
        drafts.discard(session, ticket, current_user, kept[0])


def first_submit(session: so.Session, ticket: Ticket) -> bool:
    """Whether this form's one-time key is new (stored now, with the action's work); False for
    the same form sent again: the action then does nothing and says what it says on success."""
    action = (request.endpoint or "").rpartition(".")[2]
    return submissions.first_use(session, request.form.get(submissions.KEY_FIELD), current_user, action, ticket.id)


def confirm_resolve(ticket: Ticket):
    """The question asked before resolving a ticket that never got a reply (works without JS)."""
    return render_template("resolve_confirm.html", t=ticket, key=request.form.get(submissions.KEY_FIELD, ""))


@bp.post("/tickets/<int:ticket_id>/draft/<kind>")
@login_required
def save_draft(ticket_id: int, kind: str):
    """Keep what the user has typed in a box (the page posts it a moment after typing stops,
    and when it is left); an empty box removes the draft. JSON for the page's status line."""
    if kind not in DRAFT_KINDS:
        abort(404)
    s = db.get_session()
    ticket = s.get(Ticket, ticket_id)
    if ticket is None:
        abort(404)
    if submissions.used(s, request.form.get(submissions.KEY_FIELD)):
        # A save sent as the box's form went (the box lost focus to its button): the form's
        # action took the text and removed the draft; it is not put back.
        return jsonify(saved=False, message="")
    try:
        draft = drafts.save(s, ticket, current_user, kind, request.form.get("text", ""))
    except drafts.DraftError as exc:
        s.rollback()
        return jsonify(saved=False, message=refusal_text(exc)), 413
    s.commit()
    if draft is None:
        return jsonify(saved=False, message="")
    return jsonify(saved=True, at=draft.updated_at.isoformat(), message=_("Draf tersimpan %(time)s", time=clock(draft.updated_at)))


@bp.app_template_global()
def form_key() -> str:
    """A fresh one-time key for an action form (triage.submissions)."""
    return submissions.new_key()


@bp.app_template_global()
def outgoing_mail() -> health.MailState:
    """Outgoing mail as the outbox shows it, at most MAIL_STATE_SECONDS old (the banner)."""
    settings = current_app.config["SETTINGS"]
    return memo("mail_state", MAIL_STATE_SECONDS, lambda: health.mail_state(db.get_session(), settings))


def mail_state_changed() -> None:
    """An attempt to send just ended: the banner reads the outbox again on the next page."""
    current_app.extensions.get("triage.memo", {}).pop("mail_state", None)


@bp.app_template_global()
def draft_limits() -> dict[str, int]:
    return drafts.LIMITS
