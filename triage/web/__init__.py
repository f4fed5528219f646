"""The web app: agents' queue and tickets, supervisors' dashboard and team, the JSON API.

Views are thin: they parse the request, call the services (triage.claims, triage.tickets,
triage.replies, triage.stats, triage.users) and render. This package never imports
scikit-learn.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, abort, current_app, jsonify, render_template, request, session
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, ValidationError

from triage import db, logins
from triage.models import MAX_ID, User
from triage.web.locale import select_locale

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()

# No inline script or style anywhere: scripts and styles come from /static only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


# Requests the page makes by itself (polling): they do not keep an idle login alive.
BACKGROUND_ENDPOINTS = frozenset({"agent.queue_rows", "collisions.holder", "groups.answer_progress"})


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The user of this browser's login while it lasts (triage.logins: ended, idle, inactive)."""
    try:
        uid = int(user_id)
    except ValueError:
        return None
    idle = timedelta(minutes=current_app.config["SETTINGS"].session_idle_minutes)
    return logins.session_user(db.get_session(), uid, session.get("login_key", ""), idle, db.new_session,
                               active=request.endpoint not in BACKGROUND_ENDPOINTS)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: an id a row can have (at most MAX_ID); a longer or bigger
    number is a 404 from the routing itself, never an overflow in the database driver."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):  # int() of thousands of digits is refused by Python itself
            raise ValidationError()
        return super().to_python(value)


def _security_headers(response):
    """The same headers on every response, error pages included (a CSRF refusal and a 413
    come before any view or before_request of ours runs)."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["SETTINGS"].session_cookie_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/metrics")


def _error_page(code: int, title: str, detail: str = ""):
    if _wants_json():
        return jsonify(error=title, status=code), code
    return render_template("error.html", code=code, title=title, detail=detail), code


def _register_errors(app: Flask) -> None:
    from flask_babel import format_decimal
    from flask_babel import gettext as _

    titles = {
        400: lambda: _("Permintaan tidak valid"),
        401: lambda: _("Perlu masuk terlebih dahulu"),
        403: lambda: _("Akses ditolak"),
        404: lambda: _("Halaman tidak ditemukan"),
        405: lambda: _("Metode tidak diizinkan"),
        409: lambda: _("Tiket sedang ditangani orang lain"),
        413: lambda: _("Kiriman terlalu besar"),
        429: lambda: _("Terlalu banyak percobaan"),
        500: lambda: _("Terjadi kesalahan pada server"),
    }

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return _error_page(400, _("Sesi formulir kedaluwarsa"), _("Muat ulang halaman lalu coba lagi."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = exc.code or 500
        title = titles.get(code, lambda: _("Permintaan tidak bisa diproses"))()  # never Werkzeug's English name
        # Only our own aborts (409 conflicts, 429 limits) carry a description meant for people.
        detail = exc.description if code in (409, 429) else ""
        if code == 413:
            limit = format_decimal(round(current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024), 1))
            detail = _("Kiriman paling besar %(limit)s MB. Tidak ada yang disimpan; kembali, perpendek teksnya, lalu kirim lagi.", limit=limit)
        return _error_page(code, title, detail)

    @app.errorhandler(Exception)
    def _server_error(exc: Exception):
        # Never a traceback in the page: the log has it.
        app.logger.exception("unhandled error on %s", request.path)
        return _error_page(500, titles[500]())


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.config.update(
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="triage_session",
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        BABEL_DEFAULT_LOCALE="id",
        BABEL_DEFAULT_TIMEZONE="Asia/Jakarta",
        BABEL_TRANSLATION_DIRECTORIES="translations",
    )
    app.url_map.converters["int"] = IdConverter  # before any route is added

    @app.before_request
    def _refuse_oversized() -> None:
        # Before the CSRF check reads the form; the API's bodies too, which no view reads.
        if (request.content_length or 0) > app.config["MAX_CONTENT_LENGTH"]:
            abort(413)

    if settings.proxy_hops:
        # The load balancers' X-Forwarded-For/-Proto: the client's address (login throttling,
        # audit) and scheme. Trusting more hops than there are proxies would let clients pick
        # their own address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)  # type: ignore[method-assign]
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.login_message = None
    babel.init_app(app, locale_selector=select_locale)

    app.after_request(_security_headers)
    _register_errors(app)

    from triage.web import agent, api, attachments, audit, auth, collisions, compose, groups, ops, saved_views, supervisor, templating

    templating.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(agent.bp)
    app.register_blueprint(collisions.bp)
    app.register_blueprint(compose.bp)
    app.register_blueprint(supervisor.bp)
    app.register_blueprint(groups.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(saved_views.bp)
    app.register_blueprint(attachments.bp)
    app.register_blueprint(audit.bp)
    csrf.exempt(api.bp)  # bearer tokens only, never cookies: no cross-site request can carry one

