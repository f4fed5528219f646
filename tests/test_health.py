"""/healthz says 503, and why, when the database cannot be reached or the model is missing."""
from __future__ import annotations

import socket
from datetime import timedelta

from sqlalchemy.engine import make_url

from triage import create_app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def _unreachable(database_url: str, tmp_path) -> str:
    """A URL of the test's kind of database that no connection can open."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'no such folder' / 'triage.sqlite3'}"
    url = make_url(database_url).set(host="127.0.0.1", port=_closed_port(), password="db-secret")
    return url.render_as_string(hide_password=False)


def test_healthz_is_503_and_names_the_database_when_it_cannot_be_reached(settings, tmp_path):
    down = _unreachable(settings.database_url, tmp_path)
    client = create_app(settings.with_overrides(database_url=down)).test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.get_json()
    assert report["status"] == "unhealthy"
    assert report["database"] == "unavailable: OperationalError"
    assert report["model"]["state"] == "not loaded"  # the rest is still reported
    assert "db-secret" not in response.get_data(as_text=True) and "no such folder" not in response.get_data(as_text=True)


def test_healthz_is_503_and_says_what_to_run_when_the_model_is_missing(settings, engine, tmp_path):
    missing = tmp_path / "models"  # TRIAGE_MODEL_DIR pointing where no model was ever trained
    client = create_app(settings.with_overrides(model_dir=missing)).test_client()
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.get_json()
    assert report["status"] == "unhealthy" and report["database"] == "ok"
    assert report["model"]["state"] == "failed"
    assert str(missing / "model_card.json") in report["model"]["error"] and "triage train" in report["model"]["error"]



def _queued_reply(session, n: int = 1):
    from builders import ticket, user
    from triage import outbox
    from triage.settings import Settings

    author = user(session, f"agen{n}")
    t = ticket(session, author=f"Budi <budi{n}@example.com>", source_id=f"<health-{n}@example.com>")
    row = outbox.enqueue_email_reply(session, t, author, "Halo Budi", Settings(database_url="sqlite://", secret_key="k"))
    session.commit()
    return row


def test_healthz_says_mail_is_ok_or_not_configured_and_both_are_healthy(app, client, engine):
    report = client.get("/healthz").get_json()
    assert (report["status"], report["mail"], report["mail_detail"]["waiting"]) == ("ok", "ok", 0)
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host="")
    response = client.get("/healthz")
    assert response.status_code == 200  # a machine without mail (development) is up; replies wait, nothing is lost
    assert response.get_json()["mail"] == "not configured" and response.get_json()["mail_detail"]["configured"] is False


def test_healthz_is_503_when_the_mail_server_cannot_be_reached(app, client, session):
    from smtp import free_port
    from triage import outbox_sender

    settings = app.config["SETTINGS"].with_overrides(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_seconds=2)
    app.config["SETTINGS"] = settings
    _queued_reply(session)
    assert client.get("/healthz").status_code == 200  # queued a moment ago, not tried yet: fine
    outbox_sender.send_due(session, settings, "job")  # the sender's run finds the server down
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.get_json()
    assert (report["status"], report["mail"], report["mail_detail"]["reason"]) == ("unhealthy", "failing", "unreachable")
    assert report["mail_detail"]["last_error"] == "unreachable: ConnectionRefusedError" and report["mail_detail"]["waiting"] == 1


def test_healthz_is_503_after_a_reply_rejected_for_good_until_mail_stuck_minutes_pass(app, client, session):
    import sqlalchemy as sa
    from smtp import Inbox, smtp_server
    from triage import outbox_sender
    from triage.models import OutboxReply, utcnow

    row = _queued_reply(session)
    with smtp_server(Inbox(refuse_data="554 5.7.1 Message rejected")) as (host, port, _inbox):
        outbox_sender.send_due(session, app.config["SETTINGS"].with_overrides(smtp_host=host, smtp_port=port), "job")
    report = client.get("/healthz").get_json()
    assert (report["mail"], report["mail_detail"]["reason"], report["mail_detail"]["rejected_recently"]) == ("failing", "rejected_recently", 1)
    session.execute(sa.update(OutboxReply).where(OutboxReply.id == row.id).values(updated_at=utcnow() - timedelta(minutes=16)))
    session.commit()
    assert client.get("/healthz").get_json()["mail"] == "ok"


def test_healthz_is_503_when_a_reply_waits_too_long_even_without_a_mail_server(app, client, session):
    import sqlalchemy as sa
    from triage.models import OutboxReply, utcnow

    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host="", mail_stuck_minutes=15)
    row = _queued_reply(session)
    assert client.get("/healthz").get_json()["mail"] == "not configured"
    session.execute(sa.update(OutboxReply).where(OutboxReply.id == row.id).values(created_at=utcnow() - timedelta(minutes=15)))
    session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert (response.get_json()["mail"], response.get_json()["mail_detail"]["reason"]) == ("failing", "waiting_too_long")
    assert 900 <= response.get_json()["mail_detail"]["oldest_waiting_age_seconds"] < 1000


def test_mail_and_draft_settings_from_env_and_documented(tmp_path):
    from pathlib import Path

    from triage.settings import load_settings

    env = {"TRIAGE_SECRET_KEY": "k", "TRIAGE_INSTANCE_PATH": str(tmp_path)}
    assert (load_settings(env).mail_stuck_minutes, load_settings(env).draft_keep_days) == (15, 14)
    s = load_settings({**env, "TRIAGE_MAIL_STUCK_MINUTES": "5", "TRIAGE_DRAFT_KEEP_DAYS": "30"})
    assert (s.mail_stuck_minutes, s.draft_keep_days) == (5, 30)
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    assert "TRIAGE_MAIL_STUCK_MINUTES=" in example and "TRIAGE_DRAFT_KEEP_DAYS=" in example


def test_a_reply_rejected_for_a_bad_address_or_followed_by_a_sent_one_is_not_failing_mail(app, client, session):
    """One participant's dead mailbox (5.1.1) is not our mail failing; nor is a rejection the
    server has since been taking replies after."""
    from smtp import Inbox, smtp_server
    from triage import outbox_sender

    settings = app.config["SETTINGS"]
    _queued_reply(session, 1)
    with smtp_server(Inbox(refuse_data="550 5.1.1 No such user here")) as (host, port, _inbox):
        outbox_sender.send_due(session, settings.with_overrides(smtp_host=host, smtp_port=port), "job")
    report = client.get("/healthz").get_json()
    assert (report["mail"], report["mail_detail"]["rejected_recently"]) == ("ok", 0)

    _queued_reply(session, 2)
    with smtp_server(Inbox(refuse_data="554 5.7.1 Message rejected")) as (host, port, _inbox):
        outbox_sender.send_due(session, settings.with_overrides(smtp_host=host, smtp_port=port), "job")
    assert client.get("/healthz").get_json()["mail"] == "failing"
    _queued_reply(session, 3)
    with smtp_server(Inbox()) as (host, port, inbox):
        outbox_sender.send_due(session, settings.with_overrides(smtp_host=host, smtp_port=port), "job")
        assert len(inbox.messages) == 1
    assert client.get("/healthz").get_json()["mail"] == "ok"
