"""Logging in and out, the language switch, and the unauthenticated health check."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from triage import db, users
from triage.web.locale import LANGUAGES

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("agent.queue")


@bp.route("/login", methods=["GET", "POST"])
def login():
    lang = request.values.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    if current_user.is_authenticated:
        return redirect(url_for("agent.queue"))
    error = None
    status = 200
    if request.method == "POST":
        settings = current_app.config["SETTINGS"]
        username = request.form.get("username", "").strip().lower()[:64]
        password = request.form.get("password", "")
        addr = request.remote_addr or "unknown"
        s = db.get_session()
        window = timedelta(minutes=settings.login_window_minutes)
        if users.login_blocked(s, username, addr, settings.login_max_failures, window):
            error, status = _("Terlalu banyak percobaan gagal. Coba lagi dalam %(n)d menit.", n=settings.login_window_minutes), 429
        else:
            user = users.authenticate(s, username, password, addr)
            s.commit()
            if user is not None:
                session.clear()  # a fresh session on login (no fixation)
                if lang in LANGUAGES:
                    session["lang"] = lang
                login_user(user)
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
            error, status = _("Nama pengguna atau kata sandi salah."), 401
    return render_template("login.html", error=error, next=request.args.get("next", "")), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
@login_required
def language():
    lang = request.form.get("lang", "id")
    if lang not in LANGUAGES:
        abort(400)
    session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))
