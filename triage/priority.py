"""Priority as a due time: created time plus the category's SLA, moved earlier by boosts.

A deadline needs no recomputation as tickets age and sorts on a plain index; the
explanation tells the agent why the ticket sits where it does. The pipeline sets it as
messages arrive, the ticket actions when a label or the messages change.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional, Protocol, Sequence

from triage.models import Ticket
from triage.taxonomy import LABELS, category, display_name

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


def _untranslated(message: str) -> str:
    return message  # the message ids are Indonesian, the default interface language


def _reason_sentences(gettext: Callable[[str], str] = _untranslated) -> dict[str, str]:
    """The due-time reasons, keyed: stored untranslated (the API serves that text), shown in
    the viewer's language by `explain_due`. Literal calls, so the catalog extracts them."""
    return {
        "sla": gettext("%(category)s: SLA %(hours)d jam"),
        "repeat": gettext("pesan ke-%(count)d dari orang ini −%(hours)d jam"),
        "urgent": gettext("kata marah/mendesak −%(hours)d jam"),
        "late_money": gettext("uang sudah terlambat −%(hours)d jam"),
        "outbound": gettext("pesan keluar: tidak ada yang perlu dijawab"),
    }


REASON_SEPARATOR = "; "
# Ticket rows the pipeline stored before this reason was Indonesian (read back as "outbound").
_LEGACY_OUTBOUND = "outbound message: nothing to answer"
_ESCAPED_PARAM = re.compile(r"%\\\((\w+)\\\)[sd]")  # "%(hours)d" once re.escape'd


def _reader(sentence: str) -> re.Pattern[str]:
    """The pattern that reads a stored sentence back: its %(name)d become numbers, %(name)s text."""
    def group(m: re.Match[str]) -> str:
        return f"(?P<{m.group(1)}>" + (r"\d+)" if m.group(0).endswith("d") else ".+?)")
    return re.compile("^" + _ESCAPED_PARAM.sub(group, re.escape(sentence)) + "$")


# How each stored sentence reads back into its key and parameters.
_READ_BACK = [(key, _reader(sentence)) for key, sentence in _reason_sentences().items()]


def reason_text(key: str, **params: object) -> str:
    """One stored reason sentence (Indonesian)."""
    return _reason_sentences()[key] % params


OUTBOUND_EXPLANATION = reason_text("outbound")


def compute_due(label: str, created_at: datetime, inbound_texts: Sequence[str]) -> Due:
    """Due time and its explanation for a ticket with these inbound messages."""
    cat = category(label)
    parts = [reason_text("sla", category=cat.name_id, hours=cat.sla_hours)]
    boost = 0
    count = len(inbound_texts)
    if count >= 2:
        repeat = min((count - 1) * REPEAT_BOOST_HOURS, REPEAT_BOOST_CAP_HOURS)
        boost += repeat
        parts.append(reason_text("repeat", count=count, hours=repeat))
    if any(map(_urgent, inbound_texts)):
        boost += URGENCY_BOOST_HOURS
        parts.append(reason_text("urgent", hours=URGENCY_BOOST_HOURS))
    if cat.money and any(map(_late, inbound_texts)):
        boost += LATE_MONEY_BOOST_HOURS
        parts.append(reason_text("late_money", hours=LATE_MONEY_BOOST_HOURS))
    return Due(created_at + timedelta(hours=cat.sla_hours - boost), REASON_SEPARATOR.join(parts))


def read_reasons(explanation: str) -> Optional[list[tuple[str, dict[str, str]]]]:
    """A stored explanation as (key, parameters) pairs; None when some part is not one of ours."""
    if explanation == _LEGACY_OUTBOUND:
        return [("outbound", {})]
    reasons = []
    for part in explanation.split(REASON_SEPARATOR):
        for key, pattern in _READ_BACK:
            match = pattern.match(part)
            if match:
                reasons.append((key, match.groupdict()))
                break
        else:
            return None
    return reasons


def explain_due(explanation: str, label: str, lang: str, gettext: Callable[[str], str] = _untranslated) -> str:
    """The stored explanation said in `gettext`'s language, the category by the ticket's label
    in `lang`; a text that is not ours is returned as it is."""
    reasons = read_reasons(explanation)
    if reasons is None:
        return explanation
    sentences = _reason_sentences(gettext)
    said = []
    for key, params in reasons:
        values: dict[str, object] = {k: int(v) if v.isdigit() else v for k, v in params.items()}
        if key == "sla":
            values["category"] = display_name(label, lang) if label in LABELS else params["category"]
        said.append(sentences[key] % values)
    return REASON_SEPARATOR.join(said)


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
