"""The agents' pages: the queue, take next, and the ticket page with one route per action.

Each action is a POST on /tickets/<id>/<action> that calls one service (triage.claims,
triage.tickets, triage.replies, triage.outbox) and redirects back to the ticket with what happened.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

import sqlalchemy.orm as so
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from triage import claims, db, group_send, groups, outbox, outbox_sender, replies, tickets, timeline, users
from triage.models import ACTIVE_STATUSES, CLOSED_STATUSES, Ticket, TicketGroup, User, parse_id
from triage.queue import (
    NEW_CAP, NEW_SINCE, NEWEST_TICKET, Cursor, QueueFilters, QueueItem, count_by_status, filter_args, parse_filters, queue_listing,
)
from triage.web.access import is_supervisor, remember_reveal, revealed
from triage.web import collisions, compose, display
from triage.web.cache import due, memo
from triage.web.refusals import refusal_text
from triage.web.saved_views import view_tabs
from triage.web.templating import clock, page_context

bp = Blueprint("agent", __name__)
PAGE_SIZE = 50
CLOSED_COUNTS_SECONDS = 60
ACTIVE_COUNTS_SECONDS = 5
MEMBERS_SECONDS = 60
UPKEEP_SECONDS = 5
# What an action refused by its service raises: shown to the agent, nothing is changed.
REFUSALS = (tickets.TicketError, replies.ReplyError, ValueError)


def _filters() -> QueueFilters:
    return parse_filters(request.args, current_user.id)


def _page(filters: QueueFilters, after: Cursor | None):
    s = db.get_session()
    rows = [QueueItem._make(r) for r in s.execute(*queue_listing(filters, after, s.get_bind().dialect.name, limit=PAGE_SIZE + 1))]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_cursor = Cursor(rows[-1].due_at, rows[-1].id).encode() if more and rows else None
    return rows, next_cursor


def _status_counts(s) -> dict[str, int]:
    """Counts for the queue header: the active statuses at most 5 s old, the closed ones a minute."""
    closed = memo("closed_counts", CLOSED_COUNTS_SECONDS, lambda: dict(s.execute(count_by_status(CLOSED_STATUSES)).all()))
    active = memo("active_counts", ACTIVE_COUNTS_SECONDS, lambda: dict(s.execute(count_by_status(ACTIVE_STATUSES)).all()))
    return {**closed, **active}


def _live(s, filters: QueueFilters, after: Cursor | None, poll: bool) -> dict:
    """What the polled part of the queue page shows: its rows, the header counts, the saved
    views' counts, and the newest ticket's id (at most 5 s old, as the counts) with how many
    active tickets came after the one the agent last saw (`seen`, sent by static/queue.js):
    the tab title's "(3)"."""
    rows, next_cursor = _page(filters, after)
    raw_seen, args = request.args.get("seen", ""), filter_args(request.args)
    seen = 0 if raw_seen == "0" else parse_id(raw_seen)  # 0: the queue was empty when it was shown
    return dict(
        rows=display.queue_rows(rows, page_context(), reveal=False),  # a reveal is per ticket, on its page
        next_cursor=next_cursor,
        filter_args=args,
        counts=_status_counts(s),
        views=view_tabs(s, current_user, args),
        newest_id=memo("newest_ticket", ACTIVE_COUNTS_SECONDS, lambda: s.scalar(NEWEST_TICKET) or 0),
        new_count=s.execute(NEW_SINCE, {"seen_id": seen}).scalar_one() if seen is not None else 0,
        new_cap=NEW_CAP,
        poll=poll,
    )


@bp.get("/")
@login_required
def queue():
    s = db.get_session()
    filters = _filters()
    after = Cursor.decode(request.args.get("after"))
    return render_template(
        "queue.html",
        paged=after is not None,
        filters=filters,
        raw_assignee=request.args.get("assignee", ""),
        held=claims.held_count(s, current_user.id),
        # The assignee filter's names: the team changes seldom, a filter list may be a minute old.
        agents=memo("active_members", MEMBERS_SECONDS, lambda: s.execute(users.active_members()).all()),
        **_live(s, filters, after, poll=after is None),
    )


@bp.get("/queue/rows")
@login_required
def queue_rows():
    """The first page's rows with the counts, polled by htmx so new tickets appear without a reload."""
    return render_template("_queue_poll.html", **_live(db.get_session(), _filters(), None, poll=True))


@bp.post("/take-next")
@login_required
def take_next():
    """The claim upkeep first (idle claims back to the queue, then auto-assignment), then the
    most urgent ticket this agent may take.

    The upkeep runs at most every UPKEEP_SECONDS per process: claims go idle after minutes,
    and the scheduler runs the same upkeep every minute.
    """
    s = db.get_session()
    if due("claim_upkeep", UPKEEP_SECONDS):
        settings = current_app.config["SETTINGS"]
        claims.upkeep(s, timedelta(minutes=settings.claim_idle_minutes), settings.auto_assign)
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


@bp.get("/tickets/<int:ticket_id>")
@login_required
def ticket(ticket_id: int):
    s = db.get_session()
    t = _ticket_or_404(ticket_id)
    # Only the holder's view writes; anyone else's is read-only and needs no commit (a round
    # trip, and a second connection checkout for the queries below).
    if claims.touch_claim(s, t, current_user):
        s.commit()
    reveal = revealed(t.id)
    settings = current_app.config["SETTINGS"]
    line = groups.member_line(s, t, language=page_context().lang, min_size=settings.group_min_size)
    return render_template(
        "ticket.html",
        t=t,
        member_line=line,
        may_open_group=line is not None and group_send.may_act(s.get(TicketGroup, line.group_id), current_user),
        entries=tickets.conversation(s, t),
        entities=tickets.display_entities(t.entities, reveal),
        reveal=reveal,
        others=tickets.contact_tickets(s, t),
        draft=replies.render_ready_reply(s, t, current_user),
        boxes=compose.boxes(s, t),
        comment_url=replies.instagram_comment_url(t) if t.channel == "instagram" else None,
        unsent=outbox.unsent_for_ticket(s, t),
        merged_into=s.get(Ticket, t.merged_into_id) if t.merged_into_id else None,
        agents=s.scalars(users.active_agents()).all() if is_supervisor() else [],
        smtp_from=settings.smtp_from,
        **_ticket_page_extras(s, t),
    )


TIMELINE_OPEN_MAX = 8  # a longer timeline starts folded


def _ticket_page_extras(s: so.Session, t: Ticket) -> dict:
    """Who holds the ticket, what the viewer may do, what the holder poll compares, the
    ticket's history and its due reason in the viewer's language."""
    return dict(
        may=claims.allowed(t, current_user),
        claimed_by_other=claims.claimed_by_other(t, current_user),
        holder_seen=claims.holder_id(t),
        holder_poll_seconds=collisions.POLL_SECONDS,
        timeline=timeline.ticket_timeline(s, t),
        timeline_open_max=TIMELINE_OPEN_MAX,
        due_reason=display.due_reason_text(t.due_explanation, t.label, page_context().lang),
    )


def _held_elsewhere(t: Ticket) -> Response:
    """An action sent from a page that no longer knew another agent holds the ticket: back to
    the ticket, saying who holds it and since when (nothing was changed)."""
    name = t.assignee.display_name if t.assignee else "-"
    return _done(t, _("Tidak diubah: tiket ini sedang ditangani oleh %(name)s sejak %(time)s. Anda tetap bisa menambah catatan internal.",
                      name=name, time=clock(t.claimed_at)), "warning")


def _ticket_to_act_on(ticket_id: int, kept: compose.Kept | None = None) -> Ticket:
    """The ticket, unless another agent's claim keeps the current user off it (then the
    request ends in a redirect back to the ticket with who holds it; the text `kept` stays
    in its box as the user's draft)."""
    t = _ticket_or_404(ticket_id)
    if claims.held_by_another(t, current_user):
        compose.keep(db.get_session(), t, kept)
        abort(_held_elsewhere(t))
    return t


def _done(t: Ticket, message: str, category: str = "success") -> Response:
    flash(message, category)
    return redirect(url_for("agent.ticket", ticket_id=t.id))


def _refused(s: so.Session, t: Ticket, exc: Exception, kept: compose.Kept | None = None) -> Response:
    s.rollback()
    compose.keep(s, t, kept)
    return _done(t, refusal_text(exc), "error")


def _committed(s: so.Session, t: Ticket, message: str) -> Response:
    """Commit the action with the holder's activity on the ticket (their claim stays fresh)."""
    claims.touch_claim(s, t, current_user)
    s.commit()
    return _done(t, message)


def _apply(ticket_id: int, change: Callable[[so.Session, Ticket], object], message: str,
           load: Callable[[int], Ticket] = _ticket_to_act_on, kept: compose.Kept | None = None) -> Response:
    """Run one service call on the ticket and commit it, or roll back and say why it was refused
    (the text `kept` back in its box). The same form sent again does nothing more."""
    s, t = db.get_session(), load(ticket_id)
    if not compose.first_submit(s, t):
        s.rollback()
        return _done(t, message)
    try:
        change(s, t)
    except REFUSALS as exc:
        return _refused(s, t, exc, kept)
    compose.done(s, t, kept)
    return _committed(s, t, message)


@bp.post("/tickets/<int:ticket_id>/reveal")
@login_required
def reveal(ticket_id: int):
    """Show this ticket's numbers unmasked to this agent for the session; the look is audited."""
    s, t = db.get_session(), _ticket_or_404(ticket_id)
    tickets.record_reveal(s, t, current_user)
    s.commit()
    remember_reveal(t.id)
    return _done(t, _("Nomor ditampilkan. Tindakan ini dicatat."), "info")


@bp.post("/tickets/<int:ticket_id>/claim")
@login_required
def claim(ticket_id: int):
    s, t = db.get_session(), _ticket_to_act_on(ticket_id)
    try:
        claims.claim(s, t, current_user)
    except claims.NotClaimable:
        s.rollback()
        if claims.claimed_by_other(t, current_user):
            return _held_elsewhere(t)
        return _done(t, _("Tiket ini tidak lagi terbuka."), "warning")
    except claims.CapacityReached:
        return _done(t, _("Kapasitas Anda sudah penuh."), "warning")
    except REFUSALS as exc:
        return _refused(s, t, exc)
    return _committed(s, t, _("Tiket diambil."))


@bp.post("/tickets/<int:ticket_id>/release")
@login_required
def release(ticket_id: int):
    return _apply(ticket_id, lambda s, t: claims.release(s, t, current_user), _("Tiket dikembalikan ke antrean."))


@bp.post("/tickets/<int:ticket_id>/relabel")
@login_required
def relabel(ticket_id: int):
    label = request.form.get("label", "")
    return _apply(ticket_id, lambda s, t: tickets.relabel(s, t, label, current_user), _("Kategori diperbarui."))


@bp.post("/tickets/<int:ticket_id>/note")
@login_required
def note(ticket_id: int):
    text = request.form.get("text", "")
    # Anyone may note on a colleague's ticket; only the holder's own note refreshes their claim.
    return _apply(ticket_id, lambda s, t: tickets.add_note(s, t, current_user, text), _("Catatan internal disimpan."),
                  load=_ticket_or_404, kept=("note", text))


@bp.post("/tickets/<int:ticket_id>/resolve")
@login_required
def resolve(ticket_id: int):
    """Resolve; a ticket that never got a reply is resolved only once the agent confirms."""
    s, t = db.get_session(), _ticket_to_act_on(ticket_id)
    if request.form.get("confirm") != "1" and t.status in ACTIVE_STATUSES and tickets.never_answered(s, t):
        return compose.confirm_resolve(t)
    return _apply(ticket_id, lambda s, t: tickets.resolve(s, t, current_user), _("Tiket diselesaikan."))


@bp.post("/tickets/<int:ticket_id>/reopen")
@login_required
def reopen(ticket_id: int):
    return _apply(ticket_id, lambda s, t: tickets.reopen(s, t, current_user), _("Tiket dibuka kembali."))


@bp.post("/tickets/<int:ticket_id>/noise")
@login_required
def noise(ticket_id: int):
    return _apply(ticket_id, lambda s, t: tickets.mark_noise(s, t, current_user), _("Tiket dipindahkan ke tempat bukan keluhan."))


@bp.post("/tickets/<int:ticket_id>/reply")
@login_required
def reply(ticket_id: int):
    """Queue the agent's text as an email reply in the participant's thread, then try to send
    it at once: a mail server that is down leaves it queued with its error, never lost."""
    text, settings = request.form.get("text", ""), current_app.config["SETTINGS"]
    kept = ("reply", text)
    s, t = db.get_session(), _ticket_to_act_on(ticket_id, kept)
    if not compose.first_submit(s, t):
        s.rollback()
        return _done(t, _("Balasan ini sudah diterima; lihat percakapan."), "info")
    try:
        row = outbox.enqueue_email_reply(s, t, current_user, text, settings)
    except REFUSALS as exc:
        return _refused(s, t, exc, kept)
    compose.done(s, t, kept)  # queued: from here the outbox keeps the text
    claims.touch_claim(s, t, current_user)
    s.commit()
    reply_id = row.id
    if not settings.smtp_host.strip():
        return _done(t, _("Balasan disimpan di antrean; email keluar belum diatur, jadi belum bisa dikirim."), "warning")
    status = outbox_sender.send_now(s, reply_id, settings)
    compose.mail_state_changed()
    if status in (outbox.SENT, outbox.ACCEPTED):
        return _done(t, _("Balasan email terkirim."))
    error = outbox.error_text(s.scalar(outbox.last_error_of(reply_id)), _)
    if status == outbox.FAILED:  # the server refused it for good: back in the box, to change and send again
        compose.keep(s, t, kept)
        return _done(t, _("Balasan tidak terkirim: %(reason)s Teksnya dikembalikan ke kotak balasan.", reason=error), "error")
    return _done(t, _("Balasan disimpan di antrean dan dikirim otomatis begitu server email bisa: %(reason)s", reason=error) if error else _("Balasan disimpan di antrean dan segera dikirim."), "warning")


@bp.post("/tickets/<int:ticket_id>/answered")
@login_required
def answered(ticket_id: int):
    """The agent answered the comment on Instagram by hand: record the text they pasted."""
    text = request.form.get("text", "")
    return _apply(ticket_id, lambda s, t: outbox.answer_on_instagram(s, t, current_user, text), _("Tiket ditandai sudah dibalas di Instagram."),
                  load=lambda i: _ticket_to_act_on(i, ("reply", text)), kept=("reply", text))


def _apply_to_reply(reply_id: int, change: Callable[[so.Session], object], message: str) -> Response:
    """An action on a queued reply, checked and committed like any action on its ticket."""
    ticket_id = db.get_session().scalar(outbox.ticket_of(reply_id))
    if ticket_id is None:
        abort(404)
    return _apply(ticket_id, lambda s, t: change(s), message)


@bp.post("/outbox/<int:reply_id>/posted")
@login_required
def posted(reply_id: int):
    """An agent posted a queued Instagram answer by hand (the by-hand list, the ticket page)."""
    return _apply_to_reply(reply_id, lambda s: outbox.mark_posted(s, reply_id, current_user), _("Jawaban ditandai sudah diposting di Instagram."))


@bp.post("/outbox/<int:reply_id>/retry")
@login_required
def retry(reply_id: int):
    """Queue a failed reply again (same Message-ID); the sender takes it on its next run."""
    return _apply_to_reply(reply_id, lambda s: outbox.retry_failed(s, current_user, [reply_id]), _("Balasan dimasukkan lagi ke antrean."))


@bp.post("/outbox/<int:reply_id>/cancel")
@login_required
def cancel(reply_id: int):
    """Drop a failed reply: its text is back in the reply box to be sent anew, or not at all."""
    return _apply_to_reply(reply_id, lambda s: outbox.cancel_failed(s, current_user, reply_id), _("Balasan yang gagal dibatalkan."))


@bp.post("/tickets/<int:ticket_id>/not-this-problem")
@login_required
def not_this_problem(ticket_id: int):
    """The ticket is not about its group's problem: out of the group, and never put back into it."""
    return _apply(ticket_id, lambda s, t: groups.exclude_ticket(s, t, current_user), _("Tiket dikeluarkan dari kelompok dan tidak akan dimasukkan lagi."))


@bp.post("/tickets/<int:ticket_id>/merge")
@login_required
def merge(ticket_id: int):
    """Fold this ticket into the one named in the form, then show that one."""
    s, t = db.get_session(), _ticket_to_act_on(ticket_id)
    target_id = parse_id(request.form.get("target", "").strip().lstrip("#"))
    try:
        target = s.get(Ticket, target_id) if target_id is not None else None
        if target is None:
            return _done(t, _("Tiket tujuan tidak ditemukan."), "error")
        if claims.held_by_another(target, current_user):  # both tickets change: both must be the agent's to change
            name = target.assignee.display_name if target.assignee else "-"
            return _done(t, _("Tidak digabung: tiket #%(id)d sedang ditangani oleh %(name)s sejak %(time)s.",
                              id=target.id, name=name, time=clock(target.claimed_at)), "warning")
        tickets.merge(s, t, target, current_user)
    except REFUSALS as exc:
        return _refused(s, t, exc)
    s.commit()
    flash(_("Tiket #%(a)d digabung ke #%(b)d.", a=t.id, b=target.id), "success")
    return redirect(url_for("agent.ticket", ticket_id=target.id))


@bp.post("/tickets/<int:ticket_id>/assign")
@login_required
def assign(ticket_id: int):
    """A supervisor gives the ticket to an active agent, whoever holds it."""
    s, t = db.get_session(), _ticket_to_act_on(ticket_id)
    if not is_supervisor():
        abort(403)
    try:
        user_id = parse_id(request.form.get("user_id"))
        agent = s.get(User, user_id) if user_id is not None else None
        if agent is None or not agent.active:
            return _done(t, _("Agen tidak ditemukan."), "error")
        claims.assign(s, t, agent, current_user)
    except REFUSALS as exc:
        return _refused(s, t, exc)
    return _committed(s, t, _("Tiket diberikan ke %(name)s.", name=agent.display_name))
