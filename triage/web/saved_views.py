"""Saved queue views on the queue page: keep the current filters under a name, show them as
tabs with how many tickets each lists, delete one. The rules live in triage.saved_views."""
from __future__ import annotations

from typing import Mapping, NamedTuple

import sqlalchemy.orm as so
import time

from flask import Blueprint, abort, flash, redirect, request, session as cookie, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from triage import db, saved_views
from triage.models import User
from triage.queue import COUNT_CAP, count_matching, filter_args, parse_filters
from triage.web.cache import memo

bp = Blueprint("views", __name__)
VIEW_COUNT_SECONDS = 10  # each view's count is a read of up to COUNT_CAP rows; the poll comes every 15 s
# The user's own list of views rides in their session for this long (saving or deleting one
# refreshes it at once): the queue page, reloaded all day, then runs no query for it.
# Another browser of the same user sees a view saved elsewhere within this time.
VIEW_LIST_SECONDS = 60
_VIEWS_KEY = "saved_views"

REASONS = {
    saved_views.EMPTY_NAME: _l("Beri nama untuk tampilan ini."),
    saved_views.NAME_TOO_LONG: _l("Nama tampilan terlalu panjang: %(length)s karakter, paling banyak %(n)s. Tampilan belum disimpan."),
    saved_views.DUPLICATE_NAME: _l("Anda sudah punya tampilan dengan nama ini; pilih nama lain."),
    saved_views.TOO_MANY: _l("Paling banyak %(n)d tampilan per orang; hapus salah satu dulu.", n=saved_views.MAX_VIEWS),
}


class ViewTab(NamedTuple):
    """One saved view as a tab of the queue page; plain text, escaped by the template."""

    id: int
    name: str
    url: str
    count: str  # "12", or "500+" past the cap
    current: bool  # the queue shows exactly this view's filters


def view_tabs(session: so.Session, user: User, current: Mapping[str, str]) -> list[ViewTab]:
    """The user's saved views with their counts (each at most VIEW_COUNT_SECONDS old)."""
    dialect = session.get_bind().dialect.name
    tabs = []
    for view_id, name, view_filters in _views(session, user.id):
        args = filter_args(view_filters)
        filters = parse_filters(args, user.id)
        n = memo(f"view_count:{filters!r}", VIEW_COUNT_SECONDS,
                 lambda: session.execute(*count_matching(filters, dialect)).scalar_one())
        count = f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)
        tabs.append(ViewTab(view_id, name, url_for("agent.queue", **args), count, args == dict(current)))
    return tabs


def _views(session: so.Session, user_id: int) -> list[list]:
    """[id, name, filters] of the user's views, from their session while it is fresh."""
    kept = cookie.get(_VIEWS_KEY)
    now = time.time()
    if not kept or kept.get("user") != user_id or now - kept.get("at", 0) > VIEW_LIST_SECONDS:
        views = [[v.id, v.name, dict(v.filters)] for v in saved_views.views_of(session, user_id)]
        kept = cookie[_VIEWS_KEY] = {"user": user_id, "at": now, "views": views}
    return kept["views"]


@bp.post("/views")
@login_required
def save():
    """Keep the filters the form carries (the queue's current ones) under the name typed."""
    s, args = db.get_session(), filter_args(request.form)
    try:
        view = saved_views.save_view(s, current_user, request.form.get("name", ""), request.form)
    except saved_views.SavedViewError as exc:
        s.rollback()
        reason = str(REASONS.get(exc.reason, exc.reason))
        flash(reason % {key: format_decimal(value) for key, value in exc.params.items()} if exc.params else reason, "error")
        return redirect(url_for("agent.queue", **args))
    s.commit()
    cookie.pop(_VIEWS_KEY, None)
    flash(_("Tampilan \u201c%(name)s\u201d disimpan.", name=view.name), "success")
    return redirect(url_for("agent.queue", **args))


@bp.post("/views/<int:view_id>/delete")
@login_required
def delete(view_id: int):
    """Remove one of the current user's views; another user's is not found (404)."""
    s = db.get_session()
    if not saved_views.delete_view(s, current_user, view_id):
        abort(404)
    s.commit()
    cookie.pop(_VIEWS_KEY, None)
    flash(_("Tampilan dihapus."), "success")
    return redirect(url_for("agent.queue"))
