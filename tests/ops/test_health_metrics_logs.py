"""/healthz, /metrics and the log format."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from builders import ticket, user
from triage import users
from triage.logs import JsonFormatter, RedactSecrets
from triage.models import IngestRun, utcnow


def test_healthz_reports_model_database_and_scheduled_sources(app, client, sessionmaker):
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(instagram_profiles=("prakerja.go.id",))
    with sessionmaker() as s:
        s.add(IngestRun(source="instagram", status="ok", started_at=utcnow() - timedelta(minutes=2)))
        s.commit()
    body = client.get("/healthz")
    assert body.status_code == 200
    report = body.get_json()
    assert report["status"] == "ok" and report["database"] == "ok"
    assert report["model"]["version"]
    assert report["sources"]["instagram"]["stalled"] is False
    assert 100 <= report["sources"]["instagram"]["last_success_age_seconds"] <= 200


def test_healthz_is_503_when_a_source_fails_three_intervals(app, client, sessionmaker):
    settings = app.config["SETTINGS"].with_overrides(instagram_profiles=("prakerja.go.id",), ingest_interval_minutes=5)
    app.config["SETTINGS"] = settings
    now = utcnow()
    with sessionmaker() as s:
        s.add(IngestRun(source="instagram", status="ok", started_at=now - timedelta(minutes=40)))
        for minutes in (15, 10, 5):
            s.add(IngestRun(source="instagram", status="failed", error="boom", started_at=now - timedelta(minutes=minutes)))
        s.commit()
    body = client.get("/healthz")
    assert body.status_code == 503
    assert body.get_json()["sources"]["instagram"]["stalled"] is True


def test_metrics_need_a_token_with_stats_scope(app, client, session):
    ticket(session, label="unspent_voucher")
    session.add(IngestRun(source="email:inbox", status="failed", new_tickets=2, duplicates=1, requests=0))
    session.commit()
    assert client.get("/metrics").status_code == 401
    boss = user(session, "supervisor1", "supervisor")
    token = users.create_api_token(session, boss, ["stats:read"])
    session.commit()
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'triage_tickets{label="unspent_voucher",status="open"} 1.0' in text
    assert "triage_oldest_open_ticket_age_seconds" in text
    assert 'triage_ingest_runs_total{source="email:inbox",status="failed"} 1.0' in text
    assert 'triage_ingest_messages_total{outcome="new",source="email:inbox"} 2.0' in text
    assert "triage_classify_seconds_per_message_bucket" in text
    agent = user(session, "agen1", "agent")
    agent_token = users.create_api_token(session, agent, ["tickets:read"])
    session.commit()
    assert client.get("/metrics", headers={"Authorization": f"Bearer {agent_token}"}).status_code == 403


def _record(msg: str, *args, exc: BaseException | None = None, **extra) -> logging.LogRecord:
    rec = logging.LogRecord("triage.x", logging.INFO, __file__, 1, msg, args, (type(exc), exc, None) if exc else None)
    for k, v in extra.items():
        setattr(rec, k, v)
    return rec


def test_json_lines_carry_extra_fields():
    line = JsonFormatter().format(_record("job finished", job="instagram", status="ok"))
    entry = json.loads(line)
    assert entry["msg"] == "job finished" and entry["job"] == "instagram" and entry["level"] == "info"


def test_secrets_are_redacted_from_messages_and_exceptions():
    redact = RedactSecrets(["s3cr3t-pass", "xyz"])  # too short to redact safely: ignored
    rec = _record("login failed for %s with %s", "ops", "s3cr3t-pass", exc=RuntimeError("auth s3cr3t-pass rejected"))
    redact.filter(rec)
    text = JsonFormatter().format(rec)
    assert "s3cr3t-pass" not in text and text.count("[redacted]") == 2
