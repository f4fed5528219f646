"""The outbox: every outgoing reply is a row before it goes out, so none is lost or sent twice.

An email reply's headers (Message-ID, To, Subject, In-Reply-To, References, Date) are fixed
here, when it is queued, and the sender (triage/outbox_sender.py) sends exactly those bytes,
however often it has to try. instaloader cannot post, so an Instagram answer waits here in a
list an agent works through by hand (`to_post_by_hand`, `mark_posted`). Either way the reply
becomes the ticket's outbound message only once it is out (`record_delivery`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from typing import Any, Callable, Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import tickets
from triage.models import ACTIVE_STATUSES, AuditEvent, GroupSend, Message, OutboxReply, Ticket, User, UTCDateTime, utcnow
from triage.replies import REPLY_MAX_CHARS, ReplyError, instagram_comment_url
from triage.settings import Settings

EMAIL, INSTAGRAM = "email", "instagram"
PENDING, SENDING, ACCEPTED, SENT, FAILED, CANCELLED = "pending", "sending", "accepted", "sent", "failed", "cancelled"
UNSENT = (PENDING, SENDING, FAILED)


def _untranslated(message: str) -> str:
    return message  # the message ids are Indonesian, the default interface language


def _audit(session: so.Session, actor_id: Optional[int], action: str, row: OutboxReply, **detail: object) -> None:
    session.add(AuditEvent(actor_id=actor_id, action=action, ticket_id=row.ticket_id, detail={"outbox_id": row.id, **detail}))


def _clean(text: str) -> str:
    text = (text or "").strip().replace("\r\n", "\n")
    if not text:
        raise ReplyError("the reply is empty")
    if len(text) > REPLY_MAX_CHARS:
        raise ReplyError("the reply is too long", length=len(text), limit=REPLY_MAX_CHARS)
    return text


def _last_inbound(ticket: Ticket) -> Optional[Message]:
    inbound = [m for m in ticket.messages if m.direction == "inbound"]
    return inbound[-1] if inbound else None


def _reply_subject(subject: Optional[str]) -> str:
    subject = (subject or "").strip() or "Kartu Prakerja"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def email_reply(
    ticket: Ticket,
    author: User,
    text: str,
    settings: Settings,
    *,
    group_send: Optional[GroupSend] = None,
    resolve_after: bool = False,
    now: Optional[datetime] = None,
) -> OutboxReply:
    """A reply threaded under the participant's last email, its headers fixed now (not yet in
    the session). The Message-ID is the reply's identity from here on: a retry or a resend
    after a crash carries the same one, so the recipient's mail system sees one mail."""
    if ticket.channel != EMAIL:
        raise ReplyError("only email tickets are answered by email")
    text = _clean(text)
    original = _last_inbound(ticket)
    if original is None:
        raise ReplyError("this ticket has no email to reply to")
    now = now or utcnow()
    domain = parseaddr(settings.smtp_from)[1].partition("@")[2] or "prakerja.example"
    refs = [r for r in (original.thread_refs or []) if isinstance(r, str)]
    return OutboxReply(
        ticket_id=ticket.id,
        channel=EMAIL,
        status=PENDING,
        message_id=make_msgid(idstring=f"t{ticket.id}", domain=domain),
        recipient=original.author,
        subject=_reply_subject(original.subject or ticket.subject),
        body=text,
        in_reply_to=original.source_id,
        references=list(dict.fromkeys([*refs, original.source_id])),
        author_id=author.id,
        group_send_id=group_send.id if group_send is not None else None,
        resolve_after=resolve_after,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


def instagram_answer(
    ticket: Ticket,
    author: User,
    text: str,
    *,
    group_send: Optional[GroupSend] = None,
    resolve_after: bool = False,
    now: Optional[datetime] = None,
) -> OutboxReply:
    """An answer an agent posts by hand under the comment (not yet in the session)."""
    if ticket.channel != INSTAGRAM:
        raise ReplyError("only Instagram tickets are answered by hand")
    now = now or utcnow()
    return OutboxReply(
        ticket_id=ticket.id,
        channel=INSTAGRAM,
        status=PENDING,
        recipient=ticket.contact.handle,
        body=_clean(text),
        author_id=author.id,
        group_send_id=group_send.id if group_send is not None else None,
        resolve_after=resolve_after,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


def queue(session: so.Session, rows: Sequence[OutboxReply]) -> None:
    """Put replies in the outbox, one audit event per ticket (caller commits)."""
    session.add_all(rows)
    session.flush()  # the ids, for the audit
    for row in rows:
        extra = {"group_send_id": row.group_send_id} if row.group_send_id is not None else {}
        _audit(session, row.author_id, "outbox.queued", row, channel=row.channel, message_id=row.message_id, **extra)


def enqueue_email_reply(
    session: so.Session,
    ticket: Ticket,
    author: User,
    text: str,
    settings: Settings,
    *,
    group_send: Optional[GroupSend] = None,
    resolve_after: bool = False,
    now: Optional[datetime] = None,
) -> OutboxReply:
    """Queue an email reply with its headers fixed now (caller commits); see `email_reply`."""
    row = email_reply(ticket, author, text, settings, group_send=group_send, resolve_after=resolve_after, now=now)
    queue(session, [row])
    return row


def enqueue_instagram_answer(
    session: so.Session,
    ticket: Ticket,
    author: User,
    text: str,
    *,
    group_send: Optional[GroupSend] = None,
    resolve_after: bool = False,
    now: Optional[datetime] = None,
) -> OutboxReply:
    """Queue an answer for the by-hand list (caller commits)."""
    row = instagram_answer(ticket, author, text, group_send=group_send, resolve_after=resolve_after, now=now)
    queue(session, [row])
    return row


def email_message(row: OutboxReply, settings: Settings) -> EmailMessage:
    """The mail a queued reply is: the same headers and text on every attempt."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = row.recipient
    msg["Subject"] = row.subject or ""
    msg["Date"] = format_datetime(row.created_at)  # when the agent finished it (RFC 5322 3.6.1)
    msg["Message-ID"] = row.message_id
    if row.in_reply_to:
        msg["In-Reply-To"] = row.in_reply_to
    if row.references:
        msg["References"] = " ".join(row.references)
    msg.set_content(row.body)
    return msg


def envelope(row: OutboxReply, settings: Settings) -> tuple[str, list[str]]:
    """The SMTP envelope: our address, and the participant's; with outbox_bcc, also the support
    mailbox, which gets its copy in the same transaction (the recovery's proof of delivery)."""
    recipients = [a for _, a in getaddresses([row.recipient]) if a]
    if recipients and settings.outbox_bcc:
        recipients.append(settings.outbox_bcc)
    return parseaddr(settings.smtp_from)[1] or settings.smtp_from, recipients


def outbound_message(session: so.Session, row: OutboxReply, now: datetime, sender_address: str = "") -> dict[str, Any]:
    """The ticket's outbound message a reply becomes once it is out, as the values to insert."""
    author = session.get(User, row.author_id) if row.author_id is not None else None
    email = row.channel == EMAIL
    return dict(
        ticket_id=row.ticket_id,
        direction="outbound",
        source=row.channel,
        source_id=row.message_id if email else f"outbox-{row.id}",
        author=sender_address if email else "prakerja",
        author_name=(author.display_name or author.username) if author else None,
        subject=row.subject,
        text=row.body,
        sent_at=now,
        in_reply_to=row.in_reply_to,
        thread_refs=list(row.references or []),
        meta={"agent_id": row.author_id, "outbox_id": row.id, **({} if email else {"posted_by_hand": True})},
        created_at=now,
    )


# Built once, as plain table statements: the sender runs them between the server's 250 and
# its commit, the window in which a crash leaves the reply in doubt, and building an ORM
# statement per reply cost more than running it.
_messages, _tickets, _audit_events = Message.__table__, Ticket.__table__, AuditEvent.__table__
_INSERT_MESSAGE = _messages.insert()
_ANSWERED = (
    _tickets.update()
    .where(_tickets.c.id == sa.bindparam("ticket"))
    .values(message_count=_tickets.c.message_count + 1,
            first_response_at=sa.func.coalesce(_tickets.c.first_response_at, sa.bindparam("now", type_=UTCDateTime())))
)
_INSERT_AUDIT = _audit_events.insert()
_outbox = OutboxReply.__table__
# A reply the server accepted is recorded on its ticket once: whoever moves it to sent does it.
_RECORDED = (
    _outbox.update()
    .where(_outbox.c.id == sa.bindparam("reply"), _outbox.c.status == ACCEPTED)
    .values(status=SENT, sent_at=sa.bindparam("at"))
)


def finish_delivery(session: so.Session, row: OutboxReply, message: dict[str, Any], stored: bool = False) -> bool:
    """Record an accepted email reply on its ticket (`record_delivery`) and mark it sent,
    unless that was done already; whether it was done now (caller commits)."""
    if session.execute(_RECORDED, {"reply": row.id, "at": message["sent_at"]}).rowcount != 1:
        return False
    record_delivery(session, row, message["sent_at"], message, stored)
    return True


def stored_outbound(session: so.Session, message_ids: Sequence[str]) -> set[str]:
    """Which of these Message-IDs the messages table holds as our outbound email (the
    ingester read their Bcc copies): each is proof the server took that reply."""
    return set(session.scalars(sa.select(Message.source_id).where(
        Message.source == EMAIL, Message.direction == "outbound", Message.source_id.in_(list(message_ids)))))


def record_delivery(session: so.Session, row: OutboxReply, now: datetime, message: Optional[dict[str, Any]] = None,
                    stored: bool = False) -> None:
    """The reply is out: it becomes the ticket's outbound message (`message`, built ahead by the
    sender), the ticket is answered, and resolved if asked (caller commits, in the transaction
    that marks the row sent). `stored`: the email ingester already stored it from its Bcc copy
    (and answered the ticket with it), so only the audit and the resolve are left."""
    message = message if message is not None else outbound_message(session, row, now)
    if not stored:
        session.execute(_INSERT_MESSAGE, message)
        session.execute(_ANSWERED, {"ticket": row.ticket_id, "now": now})
    held = session.identity_map.get(session.identity_key(Ticket, row.ticket_id))
    if held is not None:  # a caller's copy of the ticket reads the new figures
        session.expire(held, ["message_count", "first_response_at", "updated_at"])
    session.execute(_INSERT_AUDIT, {"at": now, "actor_id": row.author_id, "action": "ticket.replied", "ticket_id": row.ticket_id,
                                    "detail": {"outbox_id": row.id, "channel": row.channel, "message_id": message["source_id"]}})
    if row.resolve_after and row.author_id is not None:
        ticket = session.get(Ticket, row.ticket_id, populate_existing=True, options=[so.lazyload(Ticket.messages)])
        if ticket.status in ACTIVE_STATUSES and ticket.merged_into_id is None:
            tickets.resolve(session, ticket, session.get(User, row.author_id), now)


def mark_posted(session: so.Session, reply_id: int, user: User, now: Optional[datetime] = None) -> OutboxReply:
    """An agent posted this Instagram answer by hand: record it as sent (caller commits).

    A conditional UPDATE, so two agents marking the same answer record it once.
    """
    now = now or utcnow()
    row = session.get(OutboxReply, reply_id)
    if row is None or row.channel != INSTAGRAM:
        raise ReplyError("no such answer to post by hand")
    taken = session.execute(
        sa.update(OutboxReply)
        .where(OutboxReply.id == reply_id, OutboxReply.status == PENDING)
        .values(status=SENT, sent_at=now, attempts=OutboxReply.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise ReplyError("this answer was already marked as posted")
    session.refresh(row)
    record_delivery(session, row, now)
    _audit(session, user.id, "outbox.posted", row)
    return row


def answer_on_instagram(session: so.Session, ticket: Ticket, user: User, text: str, now: Optional[datetime] = None) -> OutboxReply:
    """An agent already posted this answer under the comment: queue it and mark it posted."""
    row = enqueue_instagram_answer(session, ticket, user, text, now=now)
    return mark_posted(session, row.id, user, now)


def retry_failed(session: so.Session, actor: Optional[User], reply_ids: Optional[Sequence[int]] = None, now: Optional[datetime] = None) -> int:
    """Queue failed email replies again with a fresh count of attempts (caller commits);
    all of them, or those named. The Message-ID stays: the recipient never got them."""
    now = now or utcnow()
    query = sa.select(OutboxReply).where(OutboxReply.status == FAILED, OutboxReply.channel == EMAIL)
    if reply_ids is not None:
        query = query.where(OutboxReply.id.in_(list(reply_ids)))
    rows = session.scalars(query).all()
    for row in rows:
        row.status, row.attempts, row.next_attempt_at, row.holder, row.updated_at = PENDING, 0, now, None, now
        _audit(session, actor.id if actor else None, "outbox.retried", row, last_error=row.last_error)
    return len(rows)


def cancel_failed(session: so.Session, actor: User, reply_id: int, now: Optional[datetime] = None) -> bool:
    """Drop a failed email reply (caller commits): the agent answers anew instead, e.g. from the
    text that came back in the reply box. Audited; False when it is no longer failed."""
    row = session.get(OutboxReply, reply_id)
    if row is None or row.status != FAILED:
        return False
    row.status, row.updated_at = CANCELLED, now or utcnow()
    _audit(session, actor.id, "outbox.cancelled", row, last_error=row.last_error)
    return True


# What went wrong, as stored in last_error: "kind: detail". The detail is the server's code and
# the error's type, never a secret; the kind is what the interface translates (error_text).
UNREACHABLE, REFUSED_FOR_NOW, REJECTED, LOGIN, IN_DOUBT = "unreachable", "refused_for_now", "rejected", "login", "in_doubt"
UNCONFIRMED = "unconfirmed"  # in doubt, and the support mailbox could not be asked yet (outbox_recovery)


def error_text(last_error: Optional[str], gettext: Callable[[str], str] = _untranslated) -> str:
    """A stored error in the interface's words, with its detail."""
    if not last_error:
        return ""
    kind, _, detail = last_error.partition(": ")
    texts = {
        UNREACHABLE: gettext("Server email tidak bisa dihubungi."),
        REFUSED_FOR_NOW: gettext("Server email menolak untuk sementara."),
        REJECTED: gettext("Server email menolak balasan ini."),
        LOGIN: gettext("Server email menolak login layanan; periksa pengaturan SMTP."),
        IN_DOUBT: gettext("Pengirim terhenti saat menyerahkan balasan ke server email; dikirim ulang dengan Message-ID yang sama."),
        UNCONFIRMED: gettext("Pengirim terhenti saat menyerahkan balasan; menunggu kotak surat dukungan bisa diperiksa sebelum dikirim ulang."),
    }
    text = texts.get(kind)
    if text is None:
        return last_error
    return f"{text} ({detail})" if detail else text


@dataclass(frozen=True)
class Queued:
    """An unsent reply as the ticket page and the by-hand list show it."""

    id: int
    ticket_id: int
    channel: str
    status: str
    body: str
    attempts: int
    last_error: Optional[str]
    next_attempt_at: datetime
    created_at: datetime
    comment_url: Optional[str] = None


def _queued(row: OutboxReply, comment_url: Optional[str] = None) -> Queued:
    return Queued(row.id, row.ticket_id, row.channel, row.status, row.body, row.attempts, row.last_error,
                  row.next_attempt_at, row.created_at, comment_url)


def unsent_for_ticket(session: so.Session, ticket: Ticket) -> list[Queued]:
    """The ticket's replies that are not out yet (queued, being sent, failed), oldest first."""
    rows = session.scalars(
        sa.select(OutboxReply)
        .where(OutboxReply.ticket_id == ticket.id, OutboxReply.status.in_(UNSENT))
        .order_by(OutboxReply.created_at, OutboxReply.id)
    ).all()
    url = instagram_comment_url(ticket) if ticket.channel == INSTAGRAM and rows else None
    return [_queued(row, url if row.channel == INSTAGRAM else None) for row in rows]


def to_post_by_hand(session: so.Session, *, group_send_id: Optional[int] = None, limit: int = 100) -> list[Queued]:
    """Instagram answers waiting for an agent to post them, oldest first, each with the link
    to the comment it answers."""
    query = sa.select(OutboxReply).where(OutboxReply.channel == INSTAGRAM, OutboxReply.status == PENDING)
    if group_send_id is not None:
        query = query.where(OutboxReply.group_send_id == group_send_id)
    rows = session.scalars(query.order_by(OutboxReply.created_at, OutboxReply.id).limit(limit)).all()
    found = {t.id: t for t in session.scalars(sa.select(Ticket).where(Ticket.id.in_({r.ticket_id for r in rows})))} if rows else {}
    return [_queued(row, instagram_comment_url(found[row.ticket_id])) for row in rows]


def ticket_of(reply_id: int) -> sa.Select[tuple[int]]:
    return sa.select(OutboxReply.ticket_id).where(OutboxReply.id == reply_id)


def last_error_of(reply_id: int) -> sa.Select[tuple[Optional[str]]]:
    return sa.select(OutboxReply.last_error).where(OutboxReply.id == reply_id)


def status_counts(session: so.Session) -> dict[tuple[str, str], int]:
    """How many replies per (channel, status), for the operator."""
    return {
        (channel, status): n
        for channel, status, n in session.execute(
            sa.select(OutboxReply.channel, OutboxReply.status, sa.func.count()).group_by(OutboxReply.channel, OutboxReply.status)
        )
    }
