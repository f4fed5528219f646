"""Filters and globals the templates share (display names, due times, masking, dates).

The language, time zone, clock and translations are resolved once per request and kept on
flask.g (`page_context`, `_translations`): Flask-Babel's own lookups walk several context
proxies per call, and a queue page makes hundreds of them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

import flask_babel
from flask import Flask, current_app, g, url_for
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from triage.outbox import error_text
from triage.taxonomy import CATEGORIES, display_name
from triage.tickets import mask_handle, mask_text
from triage.web import display
from triage.web.access import is_admin, is_supervisor
from triage.web.refusals import quarantine_reason
from triage.web.queue_markup import queue_rows_markup
from triage.models import ACTIVE_STATUSES, TicketStatus, utcnow


CHANNEL_NAMES: dict[str, LazyString] = {"email": _l("Email"), "instagram": _l("Instagram")}
ROLE_NAMES: dict[str, LazyString] = {"agent": _l("agen"), "supervisor": _l("supervisor"), "admin": _l("admin")}
RUN_STATUS_NAMES: dict[str, LazyString] = {
    "ok": _l("berhasil"), "failed": _l("gagal"), "running": _l("sedang berjalan"), "stopped": _l("dihentikan"),
    "interrupted": _l("terputus"), "never run": _l("belum pernah jalan"),
}
STATUS_NAMES: dict[str, LazyString] = {TicketStatus.OPEN: _l("terbuka"), TicketStatus.CLAIMED: _l("diklaim"), TicketStatus.RESOLVED: _l("selesai"), TicketStatus.NOISE: _l("bukan keluhan")}


def page_context() -> display.PageContext:
    """This request's language, clock, time zone and status names (computed on first use)."""
    ctx = g.get("_triage_page_context")
    if ctx is None:
        lang = str(flask_babel.get_locale())
        ctx = display.PageContext(
            lang=lang,
            now=utcnow(),
            zone=flask_babel.get_timezone(),
            status_names={k: str(v) for k, v in STATUS_NAMES.items()},
            ticket_url=url_for("agent.ticket", ticket_id=0).removesuffix("0"),
            due_soon=timedelta(minutes=current_app.config["SETTINGS"].due_soon_minutes),
        )
        g._triage_page_context = ctx
    return ctx


def current_lang() -> str:
    return page_context().lang


def status_name(status: str) -> str:
    return page_context().status_names.get(status, status)


def _named(names: dict[str, LazyString], key: str) -> str:
    name = names.get(key)
    return str(name) if name is not None else key


def channel_name(channel: str) -> str:
    return _named(CHANNEL_NAMES, channel)


def role_name(role: str) -> str:
    return _named(ROLE_NAMES, role)


def run_status(status: str) -> str:
    """An ingest run's status (IngestRun.status, stats.SourceHealth.last_status)."""
    return _named(RUN_STATUS_NAMES, status)


def label_name(label: str) -> str:
    return display_name(label, current_lang())


def due_text(due_at: datetime, now: Optional[datetime] = None) -> str:
    ctx = page_context()
    return display.due_text(due_at, now or ctx.now, ctx.lang)


def when(value: Optional[datetime]) -> str:
    ctx = page_context()
    return display.when_text(value, ctx.lang, ctx.zone)


def clock(value: Optional[datetime]) -> str:
    """A moment as "09.10" today, "27 Nov 09.10" before (the member line, surges)."""
    if value is None:
        return "—"
    ctx = page_context()
    return display.clock_text(value, ctx.now, ctx.lang, ctx.zone)


def duration(seconds: Optional[float]) -> str:
    return display.duration_text(seconds, current_lang())


def outbox_error(last_error: Optional[str]) -> str:
    """A queued reply's stored error in the page's language."""
    return error_text(last_error, _translations().ugettext)


def _translations():
    """This request's catalog, looked up through Flask-Babel once."""
    translations = g.get("_triage_translations")
    if translations is None:
        translations = g._triage_translations = flask_babel.get_translations()
    return translations


@pass_context
def _gettext(context: Context, message: str, **variables: object) -> str:
    """Jinja's newstyle gettext (and `_`) in one call instead of three nested context calls.

    Same result: the translation, as Markup when autoescaping, always %-formatted with the
    variables (escaped); a text without '%' formats to itself, so that step is skipped.
    Kept for its measured share of the pages on SQLite (README, Performance).
    """
    text = _translations().ugettext(message)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables if "%" in text else text


FIXED_PARTS_KEPT = 2000


def fixed_part(name: str, **keys: object) -> Markup:
    """A template part that depends only on the language and `keys`, rendered once per process.

    The key list, the menu and the queue's column headers are on every page view and every
    15 s poll; rendering them each time was most of what the workbench added to a short
    (searched) queue page. Such a part sees only `keys` and the app's globals (url_for,
    gettext): no csrf_token, no current_user. Each key's values must come from a small
    set (a role, a validated filter), never from what a person typed.
    """
    parts = current_app.extensions.setdefault("triage.fixed_parts", {})
    key = (name, current_lang(), *sorted(keys.items()))
    part = parts.get(key)
    if part is None:
        part = Markup(current_app.jinja_env.get_template(name).render(**keys))
        if len(parts) < FIXED_PARTS_KEPT:  # keys come from small sets; this only bounds a mistake
            parts[key] = part
    return part


def private(text: str | None, reveal: bool) -> str:
    """A participant's text as this viewer may see it: masked (tickets.mask_text) unless revealed."""
    return (text or "") if reveal else mask_text(text or "")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        label_name=label_name,
        status_name=status_name,
        channel_name=channel_name,
        role_name=role_name,
        run_status=run_status,
        quarantine_reason=quarantine_reason,
        due_text=due_text,
        when=when,
        clock=clock,
        duration=duration,
        mask_text=mask_text,
        mask_handle=mask_handle,
        private=private,
        outbox_error=outbox_error,
        message_parts=display.message_parts,
    )
    app.jinja_env.globals.update(queue_rows_markup=queue_rows_markup, fixed_part=fixed_part, categories=CATEGORIES, is_supervisor=is_supervisor, is_admin=is_admin, current_locale=current_lang, TicketStatus=TicketStatus, ACTIVE_STATUSES=ACTIVE_STATUSES)
    # Replaces the callables Flask-Babel installed (same catalogs, same newstyle formatting).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(gettext=_gettext, _=_gettext)
