"""Answering a group at once: one text, its placeholders filled per member, a reply to every
member in their own channel through the outbox; and bulk relabel, assign and resolve.

Members are the group's active tickets (tickets.group_id). Each change to a member goes
through the single-ticket service (triage.tickets, triage.claims, triage.outbox), so each is
audited on its ticket like the same action taken on the ticket page. Callers commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import claims, outbox, replies, tickets
from triage.models import AuditEvent, GroupSend, OutboxReply, Ticket, TicketGroup, User, active_clause, utcnow
from triage.settings import Settings
from triage.taxonomy import LABELS
from triage.transactions import savepoint


class NotAllowed(PermissionError):
    """Only a supervisor, or the agent the group is assigned to, acts on a whole group."""


class GroupError(ValueError):
    """The group cannot be answered or changed as asked (nothing was changed)."""


def may_act(group: TicketGroup, user: User) -> bool:
    return user.is_supervisor or (group.assignee_id is not None and group.assignee_id == user.id)


def _group_for(session: so.Session, group_id: int, actor: User) -> TicketGroup:
    group = session.get(TicketGroup, group_id)
    if group is None:
        raise GroupError(f"no group {group_id}")
    if not may_act(group, actor):
        raise NotAllowed(f"only a supervisor or the group's agent may act on group {group_id}")
    return group


def members_query(group_id: int) -> sa.Select[tuple[Ticket]]:
    """The group's active tickets, oldest first, with their contact (messages load in batches)."""
    return (
        sa.select(Ticket)
        .options(so.joinedload(Ticket.contact))
        .where(Ticket.group_id == group_id, active_clause())
        .order_by(Ticket.id)
    )


def members(session: so.Session, group_id: int, limit: Optional[int] = None) -> Sequence[Ticket]:
    query = members_query(group_id)
    return session.scalars(query.limit(limit) if limit is not None else query).unique().all()


def _text(body: str) -> str:
    body = (body or "").strip().replace("\r\n", "\n")
    if not body:
        raise GroupError("the answer is empty")
    if len(body) > replies.REPLY_MAX_CHARS:  # each member's reply is at most this long
        raise replies.ReplyError("the reply is too long", length=len(body), limit=replies.REPLY_MAX_CHARS)
    replies.check_placeholders(body)  # a typo'd placeholder would reach every member as written
    return body


@dataclass(frozen=True)
class Preview:
    ticket_id: int
    channel: str
    name: str
    text: str


def preview(session: so.Session, group_id: int, body: str, actor: User, n: int = 3) -> list[Preview]:
    """The answer as the first `n` members would get it."""
    _group_for(session, group_id, actor)
    body = _text(body)
    return [Preview(t.id, t.channel, replies.participant_name(t), replies.fill(body, t, actor)) for t in members(session, group_id, n)]


def send_to_group(
    session: so.Session,
    group_id: int,
    body: str,
    actor: User,
    resolve: bool,
    settings: Settings,
    now: Optional[datetime] = None,
    request_key: Optional[str] = None,
) -> GroupSend:
    """Queue the answer for every member: a threaded email, or an Instagram answer in the
    by-hand list; each member resolved as its reply goes out when `resolve`. A member that
    cannot be answered (an email ticket without an email to reply to) is skipped and audited.

    `request_key` is the answer form's one-time key: the same key again (a double click, a
    resubmitted form, two at once) returns the first send and queues nothing more."""
    group = _group_for(session, group_id, actor)
    body = _text(body)
    earlier = _sent_with(session, request_key)
    if earlier is not None:
        return earlier
    found = members(session, group_id)
    if not found:
        raise GroupError("the group has no open tickets")
    now = now or utcnow()
    send = GroupSend(group_id=group.id, actor_id=actor.id, body=body, resolve=resolve, total=0, created_at=now, request_key=request_key)
    try:
        with savepoint(session):
            session.add(send)
            session.flush()
    except sa.exc.IntegrityError:  # the same key committed meanwhile by a request running at once
        earlier = _sent_with(session, request_key)
        if earlier is None:
            raise
        return earlier
    rows: list[OutboxReply] = []
    for ticket in found:
        text = replies.fill(body, ticket, actor)
        try:
            if ticket.channel == outbox.EMAIL:
                rows.append(outbox.email_reply(ticket, actor, text, settings, group_send=send, resolve_after=resolve, now=now))
            else:
                rows.append(outbox.instagram_answer(ticket, actor, text, group_send=send, resolve_after=resolve, now=now))
        except replies.ReplyError as exc:
            session.add(AuditEvent(actor_id=actor.id, action="group.reply_skipped", ticket_id=ticket.id,
                                   detail={"group_id": group.id, "group_send_id": send.id, "reason": str(exc)}))
    outbox.queue(session, rows)
    send.total = len(rows)
    session.add(AuditEvent(actor_id=actor.id, action="group.answered",
                           detail={"group_id": group.id, "group_send_id": send.id, "total": send.total, "resolve": resolve}))
    return send


def _sent_with(session: so.Session, request_key: Optional[str]) -> Optional[GroupSend]:
    if not request_key:
        return None
    return session.scalar(sa.select(GroupSend).where(GroupSend.request_key == request_key))


def sends_of(session: so.Session, group_id: int, limit: int = 5) -> Sequence[GroupSend]:
    """The group's latest answers, newest first (the group page links their progress)."""
    return session.scalars(
        sa.select(GroupSend).where(GroupSend.group_id == group_id).order_by(GroupSend.created_at.desc(), GroupSend.id.desc()).limit(limit)
    ).all()


@dataclass(frozen=True)
class Progress:
    """How far a group's answer is: email replies sent, waiting or failed, Instagram answers
    still to post by hand."""

    total: int
    sent: int
    pending: int  # email, queued or being handed to the server
    failed: int
    to_post_by_hand: int

    @property
    def finished(self) -> bool:
        return self.pending == 0 and self.to_post_by_hand == 0


def progress(session: so.Session, send_id: int) -> Progress:
    send = session.get(GroupSend, send_id)
    if send is None:
        raise GroupError(f"no group answer {send_id}")
    counts = {
        (channel, status): n
        for channel, status, n in session.execute(
            sa.select(OutboxReply.channel, OutboxReply.status, sa.func.count())
            .where(OutboxReply.group_send_id == send_id)
            .group_by(OutboxReply.channel, OutboxReply.status)
        )
    }

    def count(*statuses: str, channel: Optional[str] = None) -> int:
        return sum(n for (c, s), n in counts.items() if s in statuses and channel in (None, c))

    return Progress(
        total=send.total,
        sent=count(outbox.SENT, outbox.ACCEPTED),
        pending=count(outbox.PENDING, outbox.SENDING, channel=outbox.EMAIL),
        failed=count(outbox.FAILED),
        to_post_by_hand=count(outbox.PENDING, channel=outbox.INSTAGRAM),
    )


def waiting_reason(session: so.Session, send_id: int) -> Optional[str]:
    """Why this answer's emails still wait or failed: the newest error among its unsent email
    replies, as stored (outbox.error_text words it), or None while none has hit one."""
    return session.scalar(
        sa.select(OutboxReply.last_error)
        .where(
            OutboxReply.group_send_id == send_id,
            OutboxReply.channel == outbox.EMAIL,
            OutboxReply.status.in_(outbox.UNSENT),
            OutboxReply.last_error.is_not(None),
        )
        .order_by(OutboxReply.updated_at.desc(), OutboxReply.id.desc())
        .limit(1)
    )


def _bulk(session: so.Session, group_id: int, actor: User, action: str, change, **detail: object) -> int:
    """Apply a single-ticket change to every member; how many changed."""
    _group_for(session, group_id, actor)
    changed = 0
    for ticket in members(session, group_id):
        if change(ticket) is not False:
            changed += 1
    session.add(AuditEvent(actor_id=actor.id, action=action, detail={"group_id": group_id, "tickets": changed, **detail}))
    return changed


def bulk_relabel(session: so.Session, group_id: int, label: str, actor: User) -> int:
    """Relabel every member (classifier feedback for each, like the ticket page's relabel)."""
    if label not in LABELS:
        raise GroupError(f"unknown category {label!r}")
    return _bulk(session, group_id, actor, "group.bulk_relabel",
                 lambda t: tickets.relabel(session, t, label, actor) is not None, label=label)


def bulk_assign(session: so.Session, group_id: int, user_id: int, actor: User) -> int:
    """Give every member to one active team member."""
    agent = session.get(User, user_id)
    if agent is None or not agent.active:
        raise GroupError(f"no active team member {user_id}")
    return _bulk(session, group_id, actor, "group.bulk_assign",
                 lambda t: claims.assign(session, t, agent, actor), to=agent.username)


def bulk_resolve(session: so.Session, group_id: int, actor: User, now: Optional[datetime] = None) -> int:
    """Resolve every member."""
    now = now or utcnow()
    return _bulk(session, group_id, actor, "group.bulk_resolve", lambda t: tickets.resolve(session, t, actor, now))
