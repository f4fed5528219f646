"""Ready replies and answering: the email reply by SMTP, the Instagram answer by hand.

Ready replies start from the program's guidance in the taxonomy; a supervisor's edit is
stored in `ready_replies` and wins over the default.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import string
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import AuditEvent, Message, ReadyReply, Ticket, User, utcnow
from triage.settings import Settings
from triage.taxonomy import CATEGORIES, LABELS, category

log = logging.getLogger(__name__)

# Placeholders a ready reply may use, and what each stands for.
PLACEHOLDERS = {
    "name": "nama peserta",
    "agent": "nama agen",
    "ticket": "nomor tiket",
}
PARTICIPANT_FALLBACK = "Peserta Kartu Prakerja"


class ReplyError(Exception):
    """A reply that could not be sent (nothing was stored)."""


def placeholders_in(body: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(body) if name is not None]
    except ValueError as exc:
        raise ValueError(f"broken placeholder: {exc}") from None


# Built once: every ticket page view fills in its category's ready reply.
_EDITED = sa.select(ReadyReply.label, ReadyReply.body)


def ready_replies(session: so.Session) -> dict[str, str]:
    """Every category's ready reply: the supervisor's edit, else the program's default."""
    edited = dict(session.execute(_EDITED).all())
    return {c.label: edited.get(c.label, c.ready_reply) for c in CATEGORIES}


def save_ready_reply(session: so.Session, label: str, body: str, actor: User) -> None:
    """Store a supervisor's edit after checking its placeholders."""
    if label not in LABELS:
        raise ValueError(f"unknown category {label!r}")
    body = body.strip().replace("\r\n", "\n")
    if not body:
        raise ValueError("a ready reply needs text")
    unknown = [p for p in placeholders_in(body) if p not in PLACEHOLDERS]
    if unknown:
        raise ValueError("unknown placeholders: " + ", ".join("{" + p + "}" for p in unknown))
    row = session.get(ReadyReply, label)
    if row is None:
        session.add(ReadyReply(label=label, body=body, updated_by_id=actor.id))
    else:
        row.body, row.updated_by_id = body, actor.id
    session.add(AuditEvent(actor_id=actor.id, action="ready_reply.saved", detail={"label": label}))


def participant_name(ticket: Ticket) -> str:
    name = (ticket.contact.display_name or "").strip()
    if not name and ticket.channel == "instagram":
        name = "@" + ticket.contact.handle
    return name or PARTICIPANT_FALLBACK


def render_ready_reply(session: so.Session, ticket: Ticket, agent: User) -> str:
    """The ticket's category's ready reply with its placeholders filled in."""
    body = ready_replies(session).get(ticket.label) or category(ticket.label).ready_reply
    values = {"name": participant_name(ticket), "agent": agent.display_name or agent.username, "ticket": str(ticket.id)}

    class _Keep(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return body.format_map(_Keep(values))
    except (ValueError, IndexError):
        return body


def _last_inbound(ticket: Ticket) -> Optional[Message]:
    inbound = [m for m in ticket.messages if m.direction == "inbound"]
    return inbound[-1] if inbound else None


def _reply_subject(subject: Optional[str]) -> str:
    subject = (subject or "").strip() or "Kartu Prakerja"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


@dataclass(frozen=True)
class Answer:
    message: Message
    email: Optional[EmailMessage] = None


def _mark_answered(ticket: Ticket, now: datetime) -> None:
    if ticket.first_response_at is None:
        ticket.first_response_at = now


def build_email_reply(ticket: Ticket, text: str, settings: Settings, now: datetime) -> EmailMessage:
    """A reply threaded under the participant's last email (In-Reply-To, References, "Re:")."""
    original = _last_inbound(ticket)
    if original is None:
        raise ReplyError("this ticket has no email to reply to")
    from_addr = parseaddr(settings.smtp_from)[1]
    domain = from_addr.partition("@")[2] or "prakerja.example"
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = original.author
    msg["Subject"] = _reply_subject(original.subject or ticket.subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(idstring=f"t{ticket.id}", domain=domain)
    msg["In-Reply-To"] = original.source_id
    refs = [r for r in (original.thread_refs or []) if isinstance(r, str)]
    msg["References"] = " ".join(list(dict.fromkeys([*refs, original.source_id])))
    msg.set_content(text)
    return msg


def send_email_reply(session: so.Session, ticket: Ticket, agent: User, text: str, settings: Settings, now: Optional[datetime] = None) -> Answer:
    """Send the reply by SMTP, then store it as the ticket's outbound message (caller commits)."""
    if ticket.channel != "email":
        raise ReplyError("only email tickets are answered by email")
    text = text.strip().replace("\r\n", "\n")
    if not text:
        raise ReplyError("the reply is empty")
    now = now or utcnow()
    msg = build_email_reply(ticket, text, settings, now)
    recipients = [addr for _, addr in getaddresses([msg["To"]]) if addr]
    try:
        smtp_class = smtplib.SMTP_SSL if settings.smtp_ssl else smtplib.SMTP
        with smtp_class(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as smtp:
            if settings.smtp_starttls and not settings.smtp_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as exc:
        # The password is never part of the message; the server's answer may help the operator.
        log.warning("SMTP reply for ticket %s failed: %s", ticket.id, type(exc).__name__)
        raise ReplyError(f"the mail server did not accept the reply ({type(exc).__name__})") from exc
    message = Message(
        ticket_id=ticket.id,
        direction="outbound",
        source="email",
        source_id=msg["Message-ID"],
        author=parseaddr(settings.smtp_from)[1] or settings.smtp_from,
        author_name=agent.display_name or agent.username,
        subject=msg["Subject"],
        text=text,
        sent_at=now,
        in_reply_to=msg["In-Reply-To"],
        thread_refs=msg["References"].split(),
        meta={"agent_id": agent.id},
    )
    session.add(message)
    ticket.message_count = (ticket.message_count or 0) + 1
    _mark_answered(ticket, now)
    session.add(AuditEvent(actor_id=agent.id, action="ticket.replied", ticket_id=ticket.id, detail={"channel": "email", "message_id": msg["Message-ID"]}))
    return Answer(message, msg)


def instagram_comment_url(ticket: Ticket) -> Optional[str]:
    """The link to the participant's latest comment (the ingester keeps the post URL)."""
    for m in reversed([m for m in ticket.messages if m.direction == "inbound"]):
        url = (m.meta or {}).get("url") or m.raw_ref
        if url and url.startswith("https://"):
            return url
    return None


def mark_instagram_answered(session: so.Session, ticket: Ticket, agent: User, text: str, now: Optional[datetime] = None) -> Answer:
    """Record the answer the agent posted by hand under the comment (instaloader cannot post)."""
    if ticket.channel != "instagram":
        raise ReplyError("only Instagram tickets are answered by hand")
    text = text.strip().replace("\r\n", "\n")
    if not text:
        raise ReplyError("the reply is empty")
    now = now or utcnow()
    message = Message(
        ticket_id=ticket.id,
        direction="outbound",
        source="instagram",
        source_id=f"manual-answer:{ticket.id}:{now.isoformat()}",
        author="prakerja",
        author_name=agent.display_name or agent.username,
        text=text,
        sent_at=now,
        meta={"agent_id": agent.id, "posted_by_hand": True},
    )
    session.add(message)
    ticket.message_count = (ticket.message_count or 0) + 1
    _mark_answered(ticket, now)
    session.add(AuditEvent(actor_id=agent.id, action="ticket.replied", ticket_id=ticket.id, detail={"channel": "instagram"}))
    return Answer(message)
