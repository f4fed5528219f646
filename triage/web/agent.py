"""The agents' pages: the queue, take next, and the ticket page with its actions."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from triage import claims, db, reads, replies, tickets, users
from triage.models import ACTIVE_STATUSES, CHANNELS, Ticket, User
from triage.queue import STATUS_FILTERS, Cursor, QueueFilters, QueueItem, count_by_status, queue_listing
from triage.taxonomy import LABELS
from triage.web.access import is_supervisor
from triage.web import display
from triage.web.cache import due, memo
from triage.web.templating import page_context

bp = Blueprint("agent", __name__)
PAGE_SIZE = 50
CLOSED_COUNTS_SECONDS = 60
ACTIVE_COUNTS_SECONDS = 5
HOUSEKEEPING_SECONDS = 5
REVEALED_KEY = "revealed_tickets"


def housekeeping(s) -> None:
    """Return idle claims to the queue and, when switched on, auto-assign open tickets.

    At most every HOUSEKEEPING_SECONDS per process: claims go idle after minutes, and the
    scheduler does the same upkeep, so every page view need not ask again.
    """
    if not due("housekeeping", HOUSEKEEPING_SECONDS):
        return
    settings = current_app.config["SETTINGS"]
    claims.upkeep(s, timedelta(minutes=settings.claim_idle_minutes), settings.auto_assign)


def _filters() -> QueueFilters:
    args = request.args
    label = args.get("label") if args.get("label") in LABELS else None
    channel = args.get("channel") if args.get("channel") in CHANNELS else None
    status = args.get("status") if args.get("status") in STATUS_FILTERS else "active"
    review = {"1": True, "0": False}.get(args.get("review", ""))
    assignee = args.get("assignee") or None
    if assignee == "me":
        assignee = str(current_user.id)
    return QueueFilters(label, channel, status, review, assignee, args.get("q") or None)


def _page(filters: QueueFilters, after: Cursor | None):
    s = db.get_session()
    rows = [QueueItem._make(r) for r in reads.rows(s, *queue_listing(filters, after, s.get_bind().dialect.name, limit=PAGE_SIZE + 1))]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_cursor = Cursor(rows[-1].due_at, rows[-1].id).encode() if more and rows else None
    return rows, next_cursor


def _status_counts(s) -> dict[str, int]:
    """Counts for the queue header: open and claimed at most 5 s old, resolved and noise a minute."""
    closed = memo("closed_counts", CLOSED_COUNTS_SECONDS, lambda: dict(s.execute(count_by_status(("resolved", "noise"))).all()))
    active = memo("active_counts", ACTIVE_COUNTS_SECONDS, lambda: dict(s.execute(count_by_status(ACTIVE_STATUSES)).all()))
    return {**closed, **active}


def _filter_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k in ("label", "channel", "status", "review", "assignee", "q") and v}


@bp.get("/")
@login_required
def queue():
    s = db.get_session()
    housekeeping(s)
    filters = _filters()
    after = Cursor.decode(request.args.get("after"))
    rows, next_cursor = _page(filters, after)
    return render_template(
        "queue.html",
        rows=display.queue_rows(rows, page_context(), reveal=is_supervisor()),
        next_cursor=next_cursor,
        paged=after is not None,
        filters=filters,
        filter_args=_filter_args(),
        raw_assignee=request.args.get("assignee", ""),
        counts=_status_counts(s),
        held=claims.held_count(s, current_user.id),
        agents=reads.rows(s, users.active_members()).all(),
    )


@bp.get("/queue/rows")
@login_required
def queue_rows():
    """The first page's rows alone, polled by htmx so new tickets appear without a reload."""
    housekeeping(db.get_session())
    rows, next_cursor = _page(_filters(), None)
    rows = display.queue_rows(rows, page_context(), reveal=is_supervisor())
    return render_template("_queue_rows.html", rows=rows, filter_args=_filter_args(), poll=True)


@bp.post("/take-next")
@login_required
def take_next():
    s = db.get_session()
    housekeeping(s)
    try:
        ticket_id = claims.take_next_ticket(s, current_user)
    except claims.CapacityReached:
        flash(_("Anda sudah memegang %(n)d tiket (kapasitas Anda). Selesaikan dulu salah satunya.", n=current_user.capacity), "warning")
        return redirect(url_for("agent.queue", assignee="me"))
    if ticket_id is None:
        flash(_("Tidak ada tiket terbuka yang sesuai dengan keahlian Anda."), "info")
        return redirect(url_for("agent.queue"))
    return redirect(url_for("agent.ticket", ticket_id=ticket_id))


def _ticket_or_404(ticket_id: int) -> Ticket:
    # The page lists the conversation by a query of its own (tickets.conversation); only
    # actions that need the messages load them, lazily.
    ticket = tickets.page_ticket(db.get_session(), ticket_id)
    if ticket is None:
        abort(404)
    return ticket


def _revealed(ticket_id: int) -> bool:
    return is_supervisor() or ticket_id in session.get(REVEALED_KEY, [])


@bp.get("/tickets/<int:ticket_id>")
@login_required
def ticket(ticket_id: int):
    s = db.get_session()
    t = _ticket_or_404(ticket_id)
    # Only the holder's view writes; anyone else's is read-only and needs no commit (a round
    # trip, and a second connection checkout for the queries below).
    if claims.touch_claim(s, t, current_user):
        s.commit()
    reveal = _revealed(t.id)
    settings = current_app.config["SETTINGS"]
    return render_template(
        "ticket.html",
        t=t,
        entries=tickets.conversation(s, t),
        entities=tickets.display_entities(t.entities, reveal),
        reveal=reveal,
        others=tickets.contact_tickets(s, t),
        draft=replies.render_ready_reply(s, t, current_user),
        comment_url=replies.instagram_comment_url(t) if t.channel == "instagram" else None,
        merged_into=s.get(Ticket, t.merged_into_id) if t.merged_into_id else None,
        agents=s.scalars(sa.select(User).where(User.active.is_(True), User.role == "agent").order_by(User.username)).all() if is_supervisor() else [],
        smtp_from=settings.smtp_from,
    )


def _guard(t: Ticket) -> None:
    """Another agent's claimed ticket is theirs to work on (supervisors may step in)."""
    if t.status == "claimed" and t.assignee_id not in (None, current_user.id) and not is_supervisor():
        abort(409, description=_("Tiket ini sedang ditangani %(name)s.", name=t.assignee.display_name if t.assignee else "-"))


def _done(t: Ticket, message: str | None = None, category: str = "success"):
    if message:
        flash(message, category)
    return redirect(url_for("agent.ticket", ticket_id=t.id))


@bp.post("/tickets/<int:ticket_id>/<action>")
@login_required
def ticket_action(ticket_id: int, action: str):
    s = db.get_session()
    t = _ticket_or_404(ticket_id)
    form = request.form
    try:
        if action == "reveal":
            tickets.record_reveal(s, t, current_user)
            s.commit()
            session[REVEALED_KEY] = [*session.get(REVEALED_KEY, [])[-49:], t.id]
            return _done(t, _("Nomor ditampilkan. Tindakan ini dicatat."), "info")
        _guard(t)
        if action == "claim":
            if t.status != "open" or t.assignee_id is not None:
                abort(409, description=_("Tiket ini tidak lagi terbuka."))
            if claims.held_count(s, current_user.id) >= current_user.capacity:
                return _done(t, _("Kapasitas Anda sudah penuh."), "warning")
            claims.assign(s, t, current_user, current_user)
            message = _("Tiket diambil.")
        elif action == "release":
            claims.release(s, t, current_user)
            message = _("Tiket dikembalikan ke antrean.")
        elif action == "relabel":
            tickets.relabel(s, t, form.get("label", ""), current_user)
            message = _("Kategori diperbarui.")
        elif action == "note":
            tickets.add_note(s, t, current_user, form.get("text", ""))
            message = _("Catatan internal disimpan.")
        elif action == "resolve":
            tickets.resolve(s, t, current_user)
            message = _("Tiket diselesaikan.")
        elif action == "reopen":
            tickets.reopen(s, t, current_user)
            message = _("Tiket dibuka kembali.")
        elif action == "noise":
            tickets.mark_noise(s, t, current_user)
            message = _("Tiket dipindahkan ke tempat bukan keluhan.")
        elif action == "merge":
            target_id = form.get("target", "").strip().lstrip("#")
            target = s.get(Ticket, int(target_id)) if target_id.isdigit() else None
            if target is None:
                return _done(t, _("Tiket tujuan tidak ditemukan."), "error")
            tickets.merge(s, t, target, current_user)
            s.commit()
            flash(_("Tiket #%(a)d digabung ke #%(b)d.", a=t.id, b=target.id), "success")
            return redirect(url_for("agent.ticket", ticket_id=target.id))
        elif action == "reply":
            settings = current_app.config["SETTINGS"]
            replies.send_email_reply(s, t, current_user, form.get("text", ""), settings)
            message = _("Balasan email terkirim.")
        elif action == "answered":
            replies.mark_instagram_answered(s, t, current_user, form.get("text", ""))
            message = _("Tiket ditandai sudah dibalas di Instagram.")
        elif action == "assign":
            if not is_supervisor():
                abort(403)
            agent = s.get(User, int(form.get("user_id", "0") or 0))
            if agent is None or not agent.active:
                return _done(t, _("Agen tidak ditemukan."), "error")
            claims.assign(s, t, agent, current_user)
            message = _("Tiket diberikan ke %(name)s.", name=agent.display_name)
        else:
            abort(404)
    except (tickets.TicketError, replies.ReplyError, ValueError) as exc:
        s.rollback()
        return _done(t, _("Tidak bisa: %(reason)s", reason=str(exc)), "error")
    claims.touch_claim(s, t, current_user)
    s.commit()
    return _done(t, message)
