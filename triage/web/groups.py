"""The group pages: one problem many people have, and answering all of them at once.

Supervisors see every group; an agent sees the groups a supervisor assigned to them. Each
action is a POST that calls one service (triage.groups, triage.group_send, triage.outbox),
which audits it per ticket, and redirects back with what happened.
"""
from __future__ import annotations

import secrets
from typing import Callable

import sqlalchemy.orm as so
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from triage import db, group_send, groups, outbox, replies, users
from triage.models import GroupSend, OutboxReply, Ticket, TicketGroup, User, parse_id
from triage.replies import ReplyError
from triage.taxonomy import LABELS
from triage.web import charts, display
from triage.web.access import is_supervisor, supervisor_required
from triage.web.refusals import refusal_text
from triage.web.templating import page_context

bp = Blueprint("groups", __name__, url_prefix="/groups")
INFLOW_HOURS = 48
MEMBERS_SHOWN = 200  # the page lists this many members; ?members=all lists every one
PREVIEWS = 3
# What a refused action raises: shown to the person, nothing is changed.
REFUSALS = (groups.GroupError, group_send.GroupError, ReplyError, ValueError)


def _settings():
    return current_app.config["SETTINGS"]


def _group_or_404(group_id: int) -> TicketGroup:
    """The group, for a supervisor or the agent it is assigned to (403 for anyone else)."""
    group = db.get_session().get(TicketGroup, group_id)
    if group is None:
        abort(404)
    if not group_send.may_act(group, current_user):
        abort(403)
    return group


def _back(group_id: int, message: str, category: str = "success", anchor: str | None = None) -> Response:
    flash(message, category)
    return redirect(url_for("groups.page", group_id=group_id, _anchor=anchor))


def _apply(group_id: int, change: Callable[[so.Session, TicketGroup], object], message: str | Callable[[object], str],
           anchor: str | None = None) -> Response:
    """Run one service call on the group and commit, or roll back and say why it was refused."""
    s, group = db.get_session(), _group_or_404(group_id)
    try:
        result = change(s, group)
    except group_send.NotAllowed:
        s.rollback()
        abort(403)
    except REFUSALS as exc:
        s.rollback()
        return _back(group_id, refusal_text(exc), "error", anchor)
    s.commit()
    return _back(group_id, message(result) if callable(message) else message, anchor=anchor)


@bp.get("")
@login_required
def index():
    s, settings = db.get_session(), _settings()
    language = page_context().lang
    if is_supervisor():
        listed = groups.list_groups(s, language=language, min_size=settings.group_min_size, limit=200, with_tickets=False)
    else:
        listed = groups.list_groups(s, language=language, assignee_id=current_user.id, limit=200, with_tickets=False)
    return render_template("groups.html", groups=listed, min_size=settings.group_min_size)


def _page(group: TicketGroup, body: str | None = None, previews: list | None = None, resolve: bool = True,
          typed_name: str | None = None) -> str:
    """The group page; after a preview, with the text as written and the members' filled texts;
    after a refused rename, with the name as typed."""
    s, ctx = db.get_session(), page_context()
    show_all = request.args.get("members") == "all"
    detail = groups.group_detail(s, group.id, language=ctx.lang, hours=INFLOW_HOURS, member_limit=10**9 if show_all else MEMBERS_SHOWN, rolling=True)
    assert detail is not None  # the group was just read
    inflow = detail.inflow
    supervisor = is_supervisor()
    return render_template(
        "group.html",
        grp=detail.group,
        group=group,
        members=display.member_rows(detail.members, ctx, reveal=False),  # a reveal is per ticket, audited on its page
        members_total=detail.members_total,
        show_all=show_all,
        merged_into=s.get(TicketGroup, group.merged_into_id) if group.merged_into_id else None,
        inflow_chart=charts.lines_both(display.hour_labels([h for h, _n in inflow], ctx.lang, ctx.zone), [(_("Masuk per jam"), [n for _h, n in inflow])]),
        body=replies.ready_replies(s).get(group.label, "") if body is None else body,
        placeholders=replies.placeholders(_),
        previews=previews,
        resolve=resolve,
        request_key=secrets.token_urlsafe(16) if previews else None,
        sends=[(send, group_send.progress(s, send.id)) for send in group_send.sends_of(s, group.id)],
        merge_targets=groups.merge_targets(s, group, language=ctx.lang) if supervisor else [],
        agents=s.scalars(users.active_agents()).all(),
        assignee=s.get(User, group.assignee_id) if group.assignee_id else None,
        labels=LABELS,
        typed_name=typed_name,
    )


@bp.get("/<int:group_id>")
@login_required
def page(group_id: int):
    return _page(_group_or_404(group_id))


@bp.post("/<int:group_id>/rename")
@supervisor_required
def rename(group_id: int):
    s, group, name = db.get_session(), _group_or_404(group_id), request.form.get("name", "")
    try:
        groups.rename_group(s, group.id, name, current_user)
    except REFUSALS as exc:
        s.rollback()
        flash(refusal_text(exc), "error")
        return _page(group, typed_name=name), 422
    s.commit()
    return _back(group_id, _("Nama kelompok disimpan."))


@bp.post("/<int:group_id>/merge")
@supervisor_required
def merge(group_id: int):
    """Fold this group into the one chosen, then show that one."""
    s, group = db.get_session(), _group_or_404(group_id)
    target = request.form.get("target", "")
    try:
        merged = groups.merge_groups(s, group.id, parse_id(target) or 0, current_user)
    except REFUSALS as exc:
        s.rollback()
        return _back(group_id, refusal_text(exc), "error")
    s.commit()
    flash(_("Kelompok #%(a)d digabung ke #%(b)d.", a=group_id, b=merged.id), "success")
    return redirect(url_for("groups.page", group_id=merged.id))


@bp.post("/<int:group_id>/assign")
@supervisor_required
def assign(group_id: int):
    """Let one agent answer the whole group (or nobody besides the supervisors)."""
    raw = request.form.get("user_id", "").strip()
    user_id = (parse_id(raw) or 0) if raw else None  # 0 names nobody: refused as no active member
    return _apply(group_id, lambda s, g: groups.assign_group(s, g.id, user_id, current_user),
                  _("Kelompok diberikan ke agen.") if user_id else _("Kelompok tidak lagi diberikan ke agen."))


@bp.post("/<int:group_id>/remove")
@login_required
def remove(group_id: int):
    """Take one ticket out of the group (it may join again with a later message); the members
    table is one form, each row's button names its ticket."""
    s = db.get_session()
    _group_or_404(group_id)  # who may act on the group, before anything about the ticket
    raw = request.form.get("ticket_id", "")
    ticket_id = parse_id(raw) or 0
    t = s.get(Ticket, ticket_id) if ticket_id else None
    if t is None or t.group_id != group_id:
        return _back(group_id, refusal_text(groups.GroupError("this ticket is in no group")), "error", "members")
    return _apply(group_id, lambda s, g: groups.remove_from_group(s, t, current_user),
                  _("Tiket #%(id)d dikeluarkan dari kelompok.", id=ticket_id), "members")


@bp.post("/<int:group_id>/bulk/relabel")
@login_required
def bulk_relabel(group_id: int):
    label = request.form.get("label", "")
    return _apply(group_id, lambda s, g: group_send.bulk_relabel(s, g.id, label, current_user),
                  lambda n: _("Kategori %(n)d tiket diubah.", n=n), "bulk")


@bp.post("/<int:group_id>/bulk/assign")
@login_required
def bulk_assign(group_id: int):
    raw = request.form.get("user_id", "")
    return _apply(group_id, lambda s, g: group_send.bulk_assign(s, g.id, parse_id(raw) or 0, current_user),
                  lambda n: _("%(n)d tiket diberikan ke agen.", n=n), "bulk")


@bp.post("/<int:group_id>/bulk/resolve")
@login_required
def bulk_resolve(group_id: int):
    return _apply(group_id, lambda s, g: group_send.bulk_resolve(s, g.id, current_user), lambda n: _("%(n)d tiket diselesaikan.", n=n), "bulk")


def _answer_form() -> tuple[str, bool]:
    return request.form.get("body", ""), request.form.get("resolve", "1") == "1"


@bp.post("/<int:group_id>/preview")
@login_required
def preview(group_id: int):
    """The answer as the first members would get it; the send button comes with the preview."""
    s, group = db.get_session(), _group_or_404(group_id)
    body, resolve = _answer_form()
    try:
        previews = group_send.preview(s, group.id, body, current_user, PREVIEWS)
    except group_send.NotAllowed:
        abort(403)
    except REFUSALS as exc:
        s.rollback()
        flash(refusal_text(exc), "error")
        return _page(group, body=body, resolve=resolve)
    if not previews:
        flash(refusal_text(group_send.GroupError("the group has no open tickets")), "error")
    return _page(group, body=body, previews=previews, resolve=resolve)


@bp.post("/<int:group_id>/send")
@login_required
def send(group_id: int):
    """Queue the answer for every member (the outbox sender sends it), then show its progress."""
    s, group = db.get_session(), _group_or_404(group_id)
    body, resolve = _answer_form()
    try:
        sent = group_send.send_to_group(s, group.id, body, current_user, resolve, _settings(), request_key=request.form.get("request_key") or None)
    except group_send.NotAllowed:
        abort(403)
    except REFUSALS as exc:
        s.rollback()
        flash(refusal_text(exc), "error")
        return _page(group, body=body, resolve=resolve)
    s.commit()
    flash(_("Jawaban masuk antrean untuk %(n)d anggota.", n=sent.total), "success")
    return redirect(url_for("groups.answer", group_id=group.id, send_id=sent.id))


def _send_or_404(group: TicketGroup, send_id: int) -> GroupSend:
    sent = db.get_session().get(GroupSend, send_id)
    if sent is None or sent.group_id != group.id:
        abort(404)
    return sent


@bp.get("/<int:group_id>/answers/<int:send_id>")
@login_required
def answer(group_id: int, send_id: int):
    """A group answer's progress, and the Instagram answers still to post by hand."""
    s, group = db.get_session(), _group_or_404(group_id)
    sent = _send_or_404(group, send_id)
    return render_template(
        "group_answer.html",
        group=group,
        name=groups.group_name(group, page_context().lang),
        sent=sent,
        progress=group_send.progress(s, sent.id),
        reason=group_send.waiting_reason(s, sent.id),
        by_hand=outbox.to_post_by_hand(s, group_send_id=sent.id, limit=200),
    )


@bp.get("/<int:group_id>/answers/<int:send_id>/progress")
@login_required
def answer_progress(group_id: int, send_id: int):
    """The progress figures alone, polled by htmx while the answer goes out."""
    group = _group_or_404(group_id)
    sent = _send_or_404(group, send_id)
    s = db.get_session()
    return render_template("_group_progress.html", group=group, sent=sent, progress=group_send.progress(s, sent.id),
                           reason=group_send.waiting_reason(s, sent.id))


@bp.post("/<int:group_id>/answers/<int:send_id>/posted/<int:reply_id>")
@login_required
def posted(group_id: int, send_id: int, reply_id: int):
    """An Instagram answer of this group answer was posted by hand."""
    s, group = db.get_session(), _group_or_404(group_id)
    _send_or_404(group, send_id)
    row = s.get(OutboxReply, reply_id)
    if row is None or row.group_send_id != send_id:
        abort(404)
    try:
        outbox.mark_posted(s, reply_id, current_user)
    except REFUSALS as exc:
        s.rollback()
        flash(refusal_text(exc), "error")
    else:
        s.commit()
        flash(_("Jawaban ditandai sudah diposting di Instagram."), "success")
    return redirect(url_for("groups.answer", group_id=group.id, send_id=send_id, _anchor="by-hand"))
