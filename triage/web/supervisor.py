"""The supervisors' pages: dashboard with charts and CSV export, team, review queue, ready replies."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from triage import claims, db, drift, logins, replies, stats, surges, users
from triage.models import ROLES, User
from triage.queue import needs_review_queue
from triage.schedule import ingest_intervals
from triage.taxonomy import CATEGORIES, LABELS
from triage.tickets import mask_text
from triage.web import charts
from triage.history import History, history
from triage.web.cache import kept_days, memo
from triage.web.access import supervisor_required
from triage.web.refusals import refusal_text
from triage.web.templating import channel_name, current_lang, label_name

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")
HISTORY_SECONDS = 60
AGE_NAMES = {"lt4h": "< 4 jam", "4to24h": "4–24 jam", "1to3d": "1–3 hari", "gt3d": "> 3 hari"}
AGE_NAMES_EN = {"lt4h": "< 4 h", "4to24h": "4–24 h", "1to3d": "1–3 d", "gt3d": "> 3 d"}


# Why a report range was refused (stats.ReportRangeError.code), in the reader's language.
RANGE_ERRORS = {
    "bad_date": _l("Tanggal tidak valid. Pakai format tahun-bulan-tanggal, misalnya 2026-11-30."),
    "reversed": _l("Tanggal akhir harus sama dengan atau sesudah tanggal awal."),
    "too_long": _l("Rentang paling panjang %(days)d hari.", days=stats.REPORT_MAX_DAYS),
}


def _report(s, lazy: bool = False) -> dict:
    """The agent report for the range in the query string, or the reason it was refused.

    `lazy`: only the form with the default range, the rows to be fetched from /report by
    the page (htmx) so that the dashboard itself never waits for them.
    """
    first, last = request.args.get("from"), request.args.get("to")
    try:
        span = stats.report_range(first, last)
    except stats.ReportRangeError as exc:
        return {"span": None, "error": str(RANGE_ERRORS[exc.code]), "first": first or "", "last": last or "", "rows": [], "lazy": False}
    rows = [] if lazy else stats.agent_report(s, span, kept=current_app.extensions.setdefault("triage.report_days", {}))
    return {"span": span, "error": None, "first": span.first.isoformat(), "last": span.last.isoformat(), "rows": rows, "lazy": lazy}


def _intervals() -> dict[str, timedelta]:
    return ingest_intervals(current_app.config["SETTINGS"])


def _age_names() -> list[str]:
    names = AGE_NAMES_EN if current_lang() == "en" else AGE_NAMES
    return [names[key] for key, _h in stats.AGE_BUCKETS]


def _history(s) -> History:
    """The 30-day history: past days kept until they change, today a minute old at most."""

    def compute() -> History:
        past = history(s, kept=kept_days())
        s.commit()  # the past days it had to compute, for the other processes
        return past

    return memo("history", HISTORY_SECONDS, compute)


def _figures():
    s = db.get_session()
    live = stats.backlog(s)
    past = _history(s)
    return {
        "backlog": live.by_category_age,
        "channels": live.by_channel,
        "sla": live.sla,
        "flow": past.flow,
        "times": past.times,
        "agents": stats.agent_load(s),
        "confidence": live.confidence,
        "ingest": stats.ingest_health(s, _intervals()),
        "quarantined": stats.quarantined_total(s),
        "quarantine": stats.quarantine_entries(s),
    }


@bp.get("/")
@supervisor_required
def dashboard():
    f = _figures()
    buckets = [key for key, _h in stats.AGE_BUCKETS]
    backlog_rows = [(label_name(c.label), [f["backlog"].get(c.label, {}).get(b, 0) for b in buckets]) for c in CATEGORIES]
    flow_labels = [d.day.strftime("%d/%m") for d in f["flow"]]
    return render_template(
        "dashboard.html",
        f=f,
        backlog_chart=charts.hbars_both(backlog_rows, _age_names()),
        channel_chart=charts.hbars_both([(channel_name(ch), [n]) for ch, n in sorted(f["channels"].items())], [_("Terbuka")]),
        flow_chart=charts.lines_both(
            flow_labels, [(_("Tiket masuk"), [d.inflow for d in f["flow"]]), (_("Selesai"), [d.resolved for d in f["flow"]])]
        ),
        confidence_chart=charts.columns_both(f["confidence"], [f"{i * 10}%" for i in range(stats.CONFIDENCE_BINS)]),
        load_chart=charts.hbars_both([(a.display_name, [a.held, a.resolved_today]) for a in f["agents"]], [_("Dipegang"), _("Selesai hari ini")]),
        age_names=_age_names(),
        report=_report(db.get_session(), lazy=not ("from" in request.args or "to" in request.args)),
        surges=[(card, charts.sparkline([n for _h, n in card.inflow])) for card in surges.board(db.get_session(), language=current_lang())],
        drift=_drift(),
    )


def _drift() -> dict:
    """The classifier's corrections per category and week (a minute old at most), rows by display name."""
    weekly = memo("drift", HISTORY_SECONDS, lambda: drift.by_week(db.get_session()))
    return {"weeks": weekly.weeks, "rows": [(c.label, label_name(c.label), weekly.cells[c.label]) for c in CATEGORIES]}


@bp.get("/report")
@supervisor_required
def report():
    """The agent report alone (the dashboard's panel, fetched by htmx)."""
    return render_template("_report.html", report=_report(db.get_session()))


def _csv(name: str, header: list[str], rows: list[list[object]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _seconds(value: float | None) -> object:
    return round(value) if value is not None else ""


@bp.get("/export/<table>.csv")
@supervisor_required
def export(table: str):
    s = db.get_session()
    if table == "backlog":
        data = stats.backlog_by_category_age(s)
        keys = [k for k, _h in stats.AGE_BUCKETS]
        return _csv("backlog", ["category", *keys, "total"], [[c.label, *[data.get(c.label, {}).get(k, 0) for k in keys], sum(data.get(c.label, {}).values())] for c in CATEGORIES])
    if table == "channels":
        return _csv("channels", ["channel", "open"], [[ch, n] for ch, n in sorted(stats.backlog_by_channel(s).items())])
    if table == "flow":
        return _csv("flow", ["day", "inflow", "resolved"], [[d.day.isoformat(), d.inflow, d.resolved] for d in _history(s).flow])
    if table == "agents":
        return _csv("agents", ["username", "role", "on_shift", "capacity", "held", "resolved_today"], [[a.username, a.role, a.on_shift, a.capacity, a.held, a.resolved_today] for a in stats.agent_load(s)])
    if table == "report":
        report = _report(s)
        if report["error"]:
            return Response(report["error"], status=400, mimetype="text/plain")
        rows = [[r.username, r.handled, _seconds(r.first_response_seconds), _seconds(r.handle_seconds)] for r in report["rows"]]
        name = f"agents-{report['first']}-{report['last']}"
        return _csv(name, ["username", "resolved", "median_first_response_seconds", "median_handle_seconds"], rows)
    if table == "confidence":
        return _csv("confidence", ["confidence_from", "confidence_to", "open_tickets"], [[i / 10, (i + 1) / 10, n] for i, n in enumerate(stats.confidence_distribution(s))])
    if table == "ingest":
        return _csv("ingest", ["source", "last_started_at", "last_status", "failures_24h", "quarantined_24h", "stalled"], [[h.source, h.last_started_at.isoformat() if h.last_started_at else "", h.last_status, h.failures_24h, h.quarantined_24h, h.stalled] for h in stats.ingest_health(s, _intervals())])
    if table == "quarantine":
        header = ["source", "source_ref", "reason", "seen_count", "first_seen_at", "last_seen_at"]
        # The reference and the reason may quote the input (an address, a number): masked like every page.
        rows = [[e.source, mask_text(e.source_ref), mask_text(e.reason), e.seen_count, e.first_seen_at.isoformat(), e.last_seen_at.isoformat()]
                for e in stats.quarantine_entries(s, limit=None)]
        return _csv("quarantine", header, rows)
    abort(404)


@bp.get("/team")
@supervisor_required
def team():
    return _team_page()


def _team_page(typed: dict | None = None, status: int = 200):
    """The team page; `typed` is the add form as sent, back in its boxes after a refusal
    (never the password)."""
    s = db.get_session()
    load = {a.user_id: a for a in stats.agent_load(s)}
    members = s.scalars(users.team(s)).all()
    return render_template(
        "team.html",
        members=members,
        editable={m.id for m in members if users.may_change(current_user, m)},
        load=load,
        roles=ROLES if current_user.role == "admin" else ("agent",),
        failures=logins.recent_failures(s),
        mode=claims.auto_assign_mode(s, current_app.config["SETTINGS"].auto_assign),
        typed=typed or {},
    ), status


def _skills_from_form() -> list[str]:
    return [label for label in request.form.getlist("skills") if label in LABELS]


@bp.post("/team")
@supervisor_required
def team_add():
    s = db.get_session()
    role = request.form.get("role", "agent")
    if role != "agent" and current_user.role != "admin":
        abort(403)
    try:
        user = users.create_user(
            s,
            request.form.get("username", ""),
            request.form.get("password", ""),
            role=role,
            display_name=request.form.get("display_name", ""),
            skills=_skills_from_form(),
            capacity=int(request.form.get("capacity") or 5),
            on_shift=bool(request.form.get("on_shift")),
            actor=current_user,
        )
    except (users.UserError, ValueError) as exc:
        s.rollback()
        flash(_("Tidak bisa menambah anggota: %(reason)s", reason=refusal_text(exc)), "error")
        typed = {key: request.form.get(key, "") for key in ("username", "display_name", "role", "capacity", "on_shift")}
        return _team_page({**typed, "skills": request.form.getlist("skills")}, 422)
    s.commit()
    flash(_("%(name)s ditambahkan.", name=user.display_name), "success")
    return redirect(url_for("supervisor.team"))


@bp.post("/team/<int:user_id>")
@supervisor_required
def team_update(user_id: int):
    s = db.get_session()
    member = _member(s, user_id)
    form = request.form
    try:
        if "active" in form:
            users.update_user(s, member, current_user, active=form["active"] == "1")
        else:
            users.update_user(
                s,
                member,
                current_user,
                skills=_skills_from_form(),
                capacity=int(form.get("capacity") or member.capacity),
                on_shift=bool(form.get("on_shift")),
            )
    except (users.UserError, ValueError) as exc:
        return _team_change_refused(s, exc)
    s.commit()
    flash(_("Perubahan untuk %(name)s disimpan.", name=member.display_name), "success")
    return redirect(url_for("supervisor.team"))


def _team_change_refused(s, exc: Exception):
    """A member's change refused (not allowed, or a bad value): nothing kept, the reason shown."""
    s.rollback()
    flash(_("Tidak bisa mengubah: %(reason)s", reason=refusal_text(exc)), "error")
    return redirect(url_for("supervisor.team"))


def _member(s, user_id: int) -> User:
    member = s.get(User, user_id)
    if member is None:
        abort(404)
    return member


@bp.post("/team/<int:user_id>/unlock")
@supervisor_required
def team_unlock(user_id: int):
    """Forget a member's failed logins (audited), for one who was slowed by someone's guessing."""
    s = db.get_session()
    member = _member(s, user_id)
    logins.unlock(s, member, current_user)
    s.commit()
    flash(_("Percobaan masuk gagal untuk %(name)s dihapus; dia bisa masuk lagi sekarang.", name=member.display_name), "success")
    return redirect(url_for("supervisor.team"))


@bp.post("/team/<int:user_id>/logout")
@supervisor_required
def team_logout(user_id: int):
    """End every login of a member (a lost or shared computer); audited."""
    s = db.get_session()
    member = _member(s, user_id)
    try:
        users.log_out_everywhere(s, member, current_user)
    except users.UserError as exc:
        return _team_change_refused(s, exc)
    s.commit()
    flash(_("%(name)s sudah dikeluarkan dari semua perangkat.", name=member.display_name), "success")
    return redirect(url_for("supervisor.team"))


@bp.post("/team/auto-assign")
@supervisor_required
def auto_assign_mode():
    s = db.get_session()
    try:
        claims.set_auto_assign_mode(s, request.form.get("mode", "off"), current_user)
    except ValueError:
        abort(400)
    s.commit()
    flash(_("Mode penugasan otomatis disimpan."), "success")
    return redirect(url_for("supervisor.team"))


@bp.get("/review")
@supervisor_required
def review():
    rows = db.get_session().scalars(needs_review_queue().limit(200)).unique().all()
    return render_template("review.html", tickets=rows)


@bp.get("/replies")
@supervisor_required
def ready_replies():
    return render_template("replies.html", bodies=replies.ready_replies(db.get_session()), placeholders=replies.placeholders(_))


@bp.post("/replies/<label>")
@supervisor_required
def ready_reply_save(label: str):
    s = db.get_session()
    body = request.form.get("body", "")
    try:
        replies.save_ready_reply(s, label, body, current_user)
    except (ValueError, replies.ReplyError) as exc:
        s.rollback()
        flash(_("Tidak disimpan: %(reason)s", reason=refusal_text(exc)), "error")
        if label not in LABELS:
            return redirect(url_for("supervisor.ready_replies"))
        # The page again with the typed text in its box, to shorten or fix it.
        bodies = {**replies.ready_replies(s), label: body}
        return render_template("replies.html", bodies=bodies, placeholders=replies.placeholders(_), refused=label), 422
    s.commit()
    flash(_("Jawaban siap pakai untuk %(name)s disimpan.", name=label_name(label)), "success")
    return redirect(url_for("supervisor.ready_replies"))
