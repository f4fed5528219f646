"""Priority as a due time: created time plus the category's SLA, moved earlier by boosts.

A deadline needs no recomputation as tickets age and sorts on a plain index; the
explanation tells the agent why the ticket sits where it does. The pipeline sets it as
messages arrive, the ticket actions when a label or the messages change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Protocol, Sequence

from triage.models import Ticket
from triage.taxonomy import category

REPEAT_BOOST_HOURS = 6  # per extra message from the same person
REPEAT_BOOST_CAP_HOURS = 18
URGENCY_BOOST_HOURS = 6
LATE_MONEY_BOOST_HOURS = 12  # for a category about money (taxonomy: Category.money)

_URGENT = re.compile(
    r"\b(tolong|tlg|segera|secepatnya|urgent|darurat|kecewa|marah|parah|kesal|"
    r"lapor|ombudsman|penipuan|bohong|zalim)\w*|!!!",
    re.IGNORECASE,
)
_LATE = re.compile(
    r"\b(sudah|udah|udh|sdh|dah|sejak|lebih dari)\s+(\d+|satu|dua|tiga|empat|lima|berapa)\s*"
    r"(bulan|bln|minggu|mgg|pekan)\b|\b(berbulan|berminggu)|\b(telat|terlambat)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Due:
    at: datetime
    explanation: str


# Lowercase substrings that every match of the pattern contains. On ASCII text a pattern
# whose needles are all absent cannot match, and a substring test costs a tenth of a search;
# other text always runs the pattern ("(?i)i" also matches "ı").
_URGENT_NEEDLES = ("tolong", "tlg", "segera", "secepatnya", "urgent", "darurat", "kecewa", "arah", "kesal",
                   "lapor", "ombudsman", "penipuan", "bohong", "zalim", "!!!")  # fmt: skip
_LATE_NEEDLES = ("bulan", "bln", "minggu", "mgg", "pekan", "telat", "terlambat")
_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _may_match(text: str, needles: tuple[str, ...]) -> bool:
    if not text.isascii():
        return True
    low = text.lower()
    return any(n in low for n in needles)


def _shouting(text: str) -> bool:
    # This runs for every inbound message: ASCII text is counted by bytes.translate in C.
    if text.isascii():
        raw = text.encode("ascii")
        letters = len(raw) - len(raw.translate(None, _LETTERS))
        upper = len(raw) - len(raw.translate(None, _LETTERS[:26]))
    else:
        letters_only = "".join(filter(str.isalpha, text))
        letters, upper = len(letters_only), sum(map(str.isupper, letters_only))
    return letters >= 12 and upper / letters > 0.6


def _urgent(text: str) -> bool:
    return (_may_match(text, _URGENT_NEEDLES) and _URGENT.search(text) is not None) or _shouting(text)


def _late(text: str) -> bool:
    return _may_match(text, _LATE_NEEDLES) and _LATE.search(text) is not None


def compute_due(label: str, created_at: datetime, inbound_texts: Sequence[str]) -> Due:
    """Due time and its explanation for a ticket with these inbound messages."""
    cat = category(label)
    parts = [f"{cat.name_id}: SLA {cat.sla_hours} jam"]
    boost = 0
    count = len(inbound_texts)
    if count >= 2:
        repeat = min((count - 1) * REPEAT_BOOST_HOURS, REPEAT_BOOST_CAP_HOURS)
        boost += repeat
        parts.append(f"pesan ke-{count} dari orang ini −{repeat} jam")
    if any(map(_urgent, inbound_texts)):
        boost += URGENCY_BOOST_HOURS
        parts.append(f"kata marah/mendesak −{URGENCY_BOOST_HOURS} jam")
    if cat.money and any(map(_late, inbound_texts)):
        boost += LATE_MONEY_BOOST_HOURS
        parts.append(f"uang sudah terlambat −{LATE_MONEY_BOOST_HOURS} jam")
    return Due(created_at + timedelta(hours=cat.sla_hours - boost), "; ".join(parts))


class Dated(Protocol):
    """A ticket, stored or about to be (the pipeline writes new tickets as plain rows)."""

    label: str
    created_at: datetime
    due_at: datetime
    due_explanation: str


def set_due(ticket: Dated, inbound_texts: Sequence[str]) -> None:
    """Give a ticket the due time and explanation its inbound messages earn."""
    due = compute_due(ticket.label, ticket.created_at, inbound_texts)
    ticket.due_at, ticket.due_explanation = due.at, due.explanation


def refresh_due(ticket: Ticket) -> None:
    """Recompute a stored ticket's due time from its label and inbound messages."""
    set_due(ticket, [m.text for m in ticket.messages if m.direction == "inbound"])


def _untranslated(message: str) -> str:
    return message  # the message ids are Indonesian, the default interface language


def describe_due(due_at: datetime, now: datetime, gettext: Callable[[str], str] = _untranslated) -> str:
    """Say how far the deadline is, in the agent's words ("2 jam lagi", "lewat 3 jam").

    `gettext` looks the words up in the interface language's catalog ("in 2 h", "overdue 3 h").
    """
    delta = due_at - now
    seconds = int(abs(delta.total_seconds()))
    if seconds < 3600:
        amount = gettext("%(n)d menit") % {"n": seconds // 60}
    elif seconds < 48 * 3600:
        amount = gettext("%(n)d jam") % {"n": seconds // 3600}
    else:
        amount = gettext("%(n)d hari") % {"n": seconds // 86400}
    phrase = gettext("%(amount)s lagi") if delta.total_seconds() >= 0 else gettext("lewat %(amount)s")
    return phrase % {"amount": amount}
