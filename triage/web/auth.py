"""Logging in and out, the language switch, and the unauthenticated health check."""
from __future__ import annotations

import math
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from triage import db, logins, users
from triage.web.locale import LANGUAGES

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("agent.queue")


def _wait_text(wait: timedelta) -> str:
    """"30 detik", "2 menit": the wait rounded up, so that trying then is never too early."""
    seconds = math.ceil(wait.total_seconds())
    if seconds >= 60:
        seconds = math.ceil(seconds / 60) * 60
    return format_timedelta(timedelta(seconds=seconds), threshold=1)


@bp.route("/login", methods=["GET", "POST"])
def login():
    lang = request.values.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    if current_user.is_authenticated:
        return redirect(url_for("agent.queue"))
    error = None
    status, headers = 200, {}
    if request.method == "POST":
        settings = current_app.config["SETTINGS"]
        username = request.form.get("username", "").strip().lower()[:64]
        password = request.form.get("password", "")
        # Through TRIAGE_PROXY_HOPS trusted proxies (ProxyFix), the client's own address.
        addr = request.remote_addr or "unknown"
        s = db.get_session()
        wait = logins.login_wait(s, username, addr, logins.Throttle.from_settings(settings))
        if wait > timedelta(0):
            error, status = _("Terlalu banyak percobaan gagal. Coba lagi dalam %(wait)s.", wait=_wait_text(wait)), 429
            headers["Retry-After"] = str(math.ceil(wait.total_seconds()))
        else:
            user = users.authenticate(s, username, password, addr)
            key = logins.start_session(s, user) if user is not None else ""
            s.commit()
            if user is not None:
                session.clear()  # a fresh session on login (no fixation)
                if lang in LANGUAGES:
                    session["lang"] = lang
                login_user(user)
                session["login_key"] = key
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
            error, status = _("Nama pengguna atau kata sandi salah."), 401
    return render_template("login.html", error=error, next=request.args.get("next", "")), status, headers


def _logged_out(message: str):
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(message, "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout")
@login_required
def logout():
    s = db.get_session()
    logins.end_session(s, session.get("login_key", ""))
    s.commit()
    return _logged_out(_("Anda sudah keluar."))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """End every login of the current user: this browser's and any other."""
    s = db.get_session()
    logins.end_user_sessions(s, current_user, current_user)
    s.commit()
    return _logged_out(_("Anda sudah keluar dari semua perangkat."))


@bp.post("/language")
@login_required
def language():
    lang = request.form.get("lang", "id")
    if lang not in LANGUAGES:
        abort(400)
    session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))
