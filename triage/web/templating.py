"""Filters and globals the templates share (display names, due times, masking, dates)."""
from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from triage.models import utcnow
from triage.priority import describe_due
from triage.taxonomy import CATEGORIES, display_name
from triage.tickets import mask_handle, mask_text
from triage.web.access import is_supervisor


STATUS_NAMES = {"open": _l("terbuka"), "claimed": _l("diklaim"), "resolved": _l("selesai"), "noise": _l("bukan keluhan")}


def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


def label_name(label: str) -> str:
    return display_name(label, str(get_locale()))


def due_text(due_at: datetime, now: datetime | None = None) -> str:
    text = describe_due(due_at, now or utcnow())
    if str(get_locale()) == "en":
        text = text.replace(" lagi", "").replace("lewat ", "overdue ").replace("menit", "min").replace("jam", "h").replace("hari", "d")
        text = text if text.startswith("overdue") else f"in {text}"
    return text


def age_text(created_at: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or utcnow()) - created_at).total_seconds()))
    en = str(get_locale()) == "en"
    if seconds < 3600:
        return f"{seconds // 60} {'min' if en else 'menit'}"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} {'h' if en else 'jam'}"
    return f"{seconds // 86400} {'d' if en else 'hari'}"


def when(value: datetime | None) -> str:
    return format_datetime(value, "d MMM yyyy HH:mm") if value else "—"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    en = str(get_locale()) == "en"
    if minutes < 60:
        return f"{minutes} {'min' if en else 'menit'}"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} {'h' if en else 'jam'} {minutes} {'min' if en else 'menit'}"
    return f"{hours // 24} {'d' if en else 'hari'} {hours % 24} {'h' if en else 'jam'}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        label_name=label_name,
        status_name=status_name,
        due_text=due_text,
        age_text=age_text,
        when=when,
        duration=duration,
        mask_text=mask_text,
        mask_handle=mask_handle,
    )
    app.jinja_env.globals.update(categories=CATEGORIES, is_supervisor=is_supervisor, now=utcnow)
