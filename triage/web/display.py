"""How tickets read on the agents' pages: due and age phrases, dates, the queue's rows.

Plain functions of (values, language, clock) that never ask Flask for anything: the web
layer resolves the language, time zone and clock once per request (triage.web.templating)
and hands them in. A page of 50 rows used to ask Flask-Babel for the locale ~250 times and
format each row through several template filters; `queue_rows` does each row in one pass.
Every string here is plain text: the templates escape it like any other value.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Iterable, Mapping, NamedTuple, Optional

from babel import Locale
from babel.dates import format_datetime

from triage.i18n import catalog
from triage.models import ACTIVE_STATUSES
from triage.priority import describe_due, explain_due
from triage.queue import DUE_FINE, QueueItem, due_state
from triage.quoting import folded_line_count, split_quoted
from triage.taxonomy import display_name
from triage.tickets import mask_handle, mask_text

WHEN_PATTERN = "d MMM yyyy HH:mm"
_UNITS = {
    "id": {"min": "menit", "h": "jam", "d": "hari"},
    "en": {"min": "min", "h": "h", "d": "d"},
}


@lru_cache(maxsize=8)
def babel_locale(lang: str) -> Locale:
    """The parsed Babel locale of a language code (parsing CLDR data costs a few ms)."""
    return Locale.parse(lang)


def _units(lang: str) -> Mapping[str, str]:
    return _UNITS["en" if lang == "en" else "id"]


def due_text(due_at: datetime, now: datetime, lang: str) -> str:
    """How far the deadline is ("2 jam lagi", "lewat 3 jam"; "in 2 h", "overdue 3 h")."""
    return describe_due(due_at, now, catalog(lang).gettext)


def age_text(created_at: datetime, now: datetime, lang: str) -> str:
    """A ticket's age in its largest sensible unit ("15 menit", "5 jam", "3 hari")."""
    seconds = max(0, int((now - created_at).total_seconds()))
    units = _units(lang)
    if seconds < 3600:
        return f"{seconds // 60} {units['min']}"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} {units['h']}"
    return f"{seconds // 86400} {units['d']}"


def duration_text(seconds: Optional[float], lang: str) -> str:
    """A span of time in two units ("3 jam 20 menit"), or a dash when there is none."""
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    units = _units(lang)
    if minutes < 60:
        return f"{minutes} {units['min']}"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} {units['h']} {minutes} {units['min']}"
    return f"{hours // 24} {units['d']} {hours % 24} {units['h']}"


def when_text(value: Optional[datetime], lang: str, zone: tzinfo) -> str:
    """A moment on the call center's clock ("27 Nov 2026 14:05"), or a dash."""
    if value is None:
        return "—"
    if value.tzinfo is None:  # stored times are UTC
        value = value.replace(tzinfo=timezone.utc)
    return format_datetime(value, WHEN_PATTERN, tzinfo=zone, locale=babel_locale(lang))


@dataclass(frozen=True)
class PageContext:
    """What every row of one page shares, resolved once per request."""

    lang: str
    now: datetime
    zone: tzinfo
    status_names: Mapping[str, str]  # translated status names
    ticket_url: str  # a ticket's page is this prefix plus its id
    due_soon: timedelta  # a deadline this close is "due soon" (settings.due_soon_minutes)


class QueueRow(NamedTuple):
    """One queue row, every display field ready; all plain text, escaped by the template."""

    id: int
    url: str
    due_state: str  # triage.queue.DUE_FINE, DUE_SOON or DUE_OVERDUE
    due_iso: str
    due_text: str
    due_explanation: str
    label_name: str
    label_title: str  # "Category · 88% · needs review": the category cell's tooltip
    needs_review: bool
    channel: str
    contact: str
    subject: Optional[str]
    preview: str
    first_line: str  # "subject — preview" or the preview: the row's tooltip, its text in full
    age_text: str
    assignee: str  # the holder's display name, "" when nobody holds it


def _contact(ticket: QueueItem, reveal: bool) -> str:
    if ticket.contact_name:
        return ticket.contact_name
    return ticket.contact_handle if reveal else mask_handle(ticket.contact_handle)


def queue_row(ticket: QueueItem, ctx: PageContext, reveal: bool) -> QueueRow:
    """The display fields of one queue row; without `reveal`, numbers and handles are masked."""
    # A closed ticket's deadline no longer matters: no colour for it.
    state = due_state(ticket.due_at, ctx.now, ctx.due_soon) if ticket.status in ACTIVE_STATUSES else DUE_FINE
    preview = ticket.preview if reveal else mask_text(ticket.preview)
    subject = ticket.subject if reveal or not ticket.subject else mask_text(ticket.subject)
    label_name, confidence = display_name(ticket.label, ctx.lang), f"{ticket.confidence * 100:.0f}"
    label_title = f"{label_name} · {confidence}%"
    if ticket.needs_review:
        label_title += " · " + catalog(ctx.lang).gettext("perlu ditinjau")
    return QueueRow(
        id=ticket.id,
        url=f"{ctx.ticket_url}{ticket.id}",
        due_state=state,
        due_iso=ticket.due_at.isoformat(),
        due_text=due_text(ticket.due_at, ctx.now, ctx.lang),
        due_explanation=due_reason_text(ticket.due_explanation, ticket.label, ctx.lang),
        label_name=label_name,
        label_title=label_title,
        needs_review=ticket.needs_review,
        channel=ticket.channel,
        contact=_contact(ticket, reveal),
        subject=subject,
        preview=preview,
        first_line=f"{subject} — {preview}" if subject else preview,
        age_text=age_text(ticket.created_at, ctx.now, ctx.lang),
        assignee=ticket.assignee_name or "",
    )


def queue_rows(tickets: Iterable[QueueItem], ctx: PageContext, reveal: bool) -> list[QueueRow]:
    """The rows of a queue page, in the order given."""
    return [queue_row(t, ctx, reveal) for t in tickets]


def clock_text(value: datetime, now: datetime, lang: str, zone: tzinfo) -> str:
    """A moment as the member line says it: "09.10" today, "27 Nov 09.10" before (call center's clock)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    time_pattern = "HH:mm" if lang == "en" else "HH.mm"
    same_day = value.astimezone(zone).date() == now.astimezone(zone).date()
    pattern = time_pattern if same_day else f"d MMM {time_pattern}"
    return format_datetime(value, pattern, tzinfo=zone, locale=babel_locale(lang))


def hour_labels(hours: Iterable[datetime], lang: str, zone: tzinfo) -> list[str]:
    """Moments on the call center's clock ("09.10"), for an inflow chart's axis."""
    pattern = "HH:mm" if lang == "en" else "HH.mm"
    return [format_datetime(h.replace(tzinfo=timezone.utc) if h.tzinfo is None else h, pattern, tzinfo=zone, locale=babel_locale(lang))
            for h in hours]


class MemberRow(NamedTuple):
    """One member of a group on its page; plain text, escaped by the template."""

    id: int
    url: str
    channel: str
    contact: str
    status: str
    status_text: str
    active: bool
    due_iso: str
    due_text: str
    overdue: bool
    age_text: str


def member_rows(members: Iterable, ctx: PageContext, reveal: bool) -> list[MemberRow]:
    """A group's members (triage.groups.Member) for its page; handles masked unless `reveal`."""
    rows = []
    for m in members:
        contact = m.contact_name or (m.contact if reveal else mask_handle(m.contact))
        active = m.status in ACTIVE_STATUSES
        due_at = m.due_at
        rows.append(MemberRow(
            id=m.ticket_id,
            url=f"{ctx.ticket_url}{m.ticket_id}",
            channel=m.channel,
            contact=contact,
            status=m.status,
            status_text=ctx.status_names.get(m.status, m.status),
            active=active,
            due_iso=due_at.isoformat() if due_at else "",
            due_text=due_text(due_at, ctx.now, ctx.lang) if due_at and active else "—",
            overdue=bool(due_at and active and due_at < ctx.now),
            age_text=age_text(m.created_at, ctx.now, ctx.lang),
        ))
    return rows


class MessageParts(NamedTuple):
    """A message as its entry shows it: own words, then the fold (quote and signature)."""

    own: str
    quoted: str
    signature: str
    folded_lines: int  # how many lines the fold hides; 0 when there is no fold


def message_parts(text: str, masked: bool) -> MessageParts:
    """Split a message (triage.quoting) and, when `masked`, mask each part like the contact
    panel (numbers and email addresses, the quoted "… <address> menulis:" line included)."""
    split = split_quoted(text)
    parts = [mask_text(part) if masked else part for part in split]
    return MessageParts(*parts, folded_line_count(split))


@lru_cache(maxsize=512)
def due_reason_text(explanation: str, label: str, lang: str) -> str:
    """A ticket's stored due-time reason in the viewer's language (triage.priority.explain_due).
    Cached: reading one back runs several patterns per row, and the same few reasons repeat
    on every queue page."""
    return explain_due(explanation, label, lang, catalog(lang).gettext)
