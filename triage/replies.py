"""Ready replies and their placeholders, filled in per ticket.

Ready replies start from the program's guidance in the taxonomy; a supervisor's edit is
stored in `ready_replies` and wins over the default. Answers go out through the outbox
(triage/outbox.py).
"""
from __future__ import annotations

import string
from typing import Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import AuditEvent, ReadyReply, Ticket, User
from triage.taxonomy import CATEGORIES, LABELS, category


def _untranslated(message: str) -> str:
    return message  # the message ids are Indonesian, the default interface language


def placeholders(gettext: Callable[[str], str] = _untranslated) -> dict[str, str]:
    """Placeholders a ready reply (or a group's answer) may use, and what each stands for, in
    the interface's words. The one list: checks, the ready-replies page and the filling use it."""
    return {
        "name": gettext("nama peserta"),
        "agent": gettext("nama agen"),
        "ticket": gettext("nomor tiket"),
        "wave": gettext("gelombang, mis. “gelombang 48”"),
        "platform": gettext("platform pelatihan, mis. “Tokopedia”"),
        "payout": gettext("rekening / e-wallet, mis. “LinkAja”"),
        "month": gettext("bulan insentif, mis. “bulan ke-3”"),
    }


PLACEHOLDERS = tuple(placeholders())
PARTICIPANT_FALLBACK = "Peserta Kartu Prakerja"
# What the participant reads where the ticket's message did not say (the text goes to the
# participant, in Indonesian, whatever the agent's interface language): each reads well in
# the sentences the placeholders are written for ("insentif {month} untuk {wave}").
FALLBACKS = {
    "wave": "gelombang Anda",
    "platform": "platform pelatihan Anda",
    "payout": "rekening atau e-wallet Anda",
    "month": "bulan ini",
}


# The longest reply sent; a longer one is refused (never cut), and the reply box says so.
REPLY_MAX_CHARS = 10_000


class ReplyError(Exception):
    """A reply that cannot be queued (nothing was stored): `reason` in short English, `params`
    the figures a page puts into its translation (triage.web.refusals)."""

    def __init__(self, reason: str, **params: object) -> None:
        detail = ", ".join(f"{key}={value}" for key, value in params.items())
        super().__init__(f"{reason} ({detail})" if params else reason)
        self.reason, self.params = reason, params


def placeholders_in(body: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(body) if name is not None]
    except ValueError as exc:
        raise ValueError(f"broken placeholder: {exc}") from None


def check_placeholders(body: str) -> None:
    """Refuse a text whose placeholders are broken or unknown (ValueError naming them)."""
    unknown = [p for p in placeholders_in(body) if p not in PLACEHOLDERS]
    if unknown:
        raise ValueError("unknown placeholders: " + ", ".join("{" + p + "}" for p in unknown))


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
    if len(body) > REPLY_MAX_CHARS:  # it becomes the reply on every ticket of its category
        raise ReplyError("the ready reply is too long", length=len(body), limit=REPLY_MAX_CHARS)
    check_placeholders(body)
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


def _listed(value: object) -> Optional[str]:
    if isinstance(value, (list, tuple)):
        names = [str(v) for v in value if v]
        return " / ".join(names) if names else None
    return str(value) if value not in (None, "") else None


def placeholder_values(ticket: Ticket, agent: User) -> dict[str, str]:
    """What each placeholder stands for on this ticket: the contact, the agent, and the
    specifics the entity extractor found (triage.classifier.entities), else FALLBACKS."""
    entities = ticket.entities or {}
    wave, month = entities.get("wave"), entities.get("month")
    found = {
        "wave": f"gelombang {wave}" if wave not in (None, "") else None,
        "platform": _listed(entities.get("platforms")),
        "payout": _listed(entities.get("payout_channels")),
        "month": f"bulan ke-{month}" if month not in (None, "") else None,
    }
    return {
        "name": participant_name(ticket),
        "agent": agent.display_name or agent.username,
        "ticket": str(ticket.id),
        **{key: value or FALLBACKS[key] for key, value in found.items()},
    }


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(body: str, ticket: Ticket, agent: User) -> str:
    """`body` with its placeholders filled in for `ticket`; an unknown one stays as written."""
    try:
        return body.format_map(_Keep(placeholder_values(ticket, agent)))
    except (ValueError, IndexError, AttributeError, KeyError):
        return body


def render_ready_reply(session: so.Session, ticket: Ticket, agent: User) -> str:
    """The ticket's category's ready reply with its placeholders filled in."""
    body = ready_replies(session).get(ticket.label) or category(ticket.label).ready_reply
    return fill(body, ticket, agent)


def instagram_comment_url(ticket: Ticket) -> Optional[str]:
    """The link to the participant's latest comment (the ingester keeps the post URL)."""
    for m in reversed([m for m in ticket.messages if m.direction == "inbound"]):
        url = (m.meta or {}).get("url") or m.raw_ref
        if url and url.startswith("https://"):
            return url
    return None
