"""Priority as a due time: created time plus the category's SLA, moved earlier by boosts.

A deadline needs no recomputation as tickets age and sorts on a plain index; the
explanation tells the agent why the ticket sits where it does.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from triage.taxonomy import category

REPEAT_BOOST_HOURS = 6  # per extra message from the same person
REPEAT_BOOST_CAP_HOURS = 18
URGENCY_BOOST_HOURS = 6
LATE_MONEY_BOOST_HOURS = 12
MONEY_LABELS = frozenset({"missing_incentive", "payment_account", "unspent_voucher"})

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
    if label in MONEY_LABELS and any(map(_late, inbound_texts)):
        boost += LATE_MONEY_BOOST_HOURS
        parts.append(f"uang sudah terlambat −{LATE_MONEY_BOOST_HOURS} jam")
    return Due(created_at + timedelta(hours=cat.sla_hours - boost), "; ".join(parts))


def describe_due(due_at: datetime, now: datetime) -> str:
    """Say how far the deadline is, in the agent's words ("2 jam lagi", "lewat 3 jam")."""
    delta = due_at - now
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        amount = f"{int(seconds // 60)} menit"
    elif seconds < 48 * 3600:
        amount = f"{int(seconds // 3600)} jam"
    else:
        amount = f"{int(seconds // 86400)} hari"
    return f"{amount} lagi" if delta.total_seconds() >= 0 else f"lewat {amount}"
