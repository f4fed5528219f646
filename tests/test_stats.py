"""Dashboard figures, checked against tickets with known times."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import ticket, user
from triage import stats
from triage.history import WIB, history
from triage.models import IngestRun, utcnow
from triage.quarantine import quarantine


def test_backlog_sla_and_review_figures(session):
    now = utcnow()
    ticket(session, "missing_incentive", author="a@example.com", sent_at=now - timedelta(hours=2))  # <4h, due in 22h
    ticket(session, "missing_incentive", author="b@example.com", sent_at=now - timedelta(hours=30))  # 1-3d, breached
    ticket(session, "registration", 0.2, author="c@example.com", sent_at=now - timedelta(days=5), channel="instagram", subject=None, source_id="ig-c")  # >3d, breached, review
    ticket(session, "other", author="d@example.com", sent_at=now - timedelta(hours=71, minutes=30))  # due in 30 min
    done = ticket(session, "other", author="e@example.com", sent_at=now - timedelta(hours=1))
    done.status = "resolved"
    session.commit()

    backlog = stats.backlog_by_category_age(session, now)
    assert backlog["missing_incentive"] == {"lt4h": 1, "4to24h": 0, "1to3d": 1, "gt3d": 0}
    assert backlog["registration"]["gt3d"] == 1 and backlog["other"]["1to3d"] == 1
    assert stats.backlog_by_channel(session) == {"email": 3, "instagram": 1}
    sla = stats.sla_figures(session, now)
    assert (sla.open_total, sla.breached, sla.due_within_hour, sla.needs_review) == (4, 2, 1, 1)
    dist = stats.confidence_distribution(session)
    assert dist[2] == 1 and dist[9] == 3 and sum(dist) == 4


def test_daily_flow_and_medians(session):
    now = utcnow()
    agent = user(session)
    for i, hours in enumerate((1, 3, 5)):
        t = ticket(session, author=f"p{i}@example.com", sent_at=now - timedelta(days=2, hours=hours))
        t.first_response_at = t.created_at + timedelta(hours=hours)
        t.resolved_at = t.created_at + timedelta(hours=2 * hours)
        t.status, t.assignee_id = "resolved", agent.id
    ticket(session, author="new@example.com", sent_at=now - timedelta(minutes=10))
    session.commit()
    past = history(session, days=30, now=now)
    flow = past.flow
    assert len(flow) == 30 and flow[-1].day == now.astimezone(WIB).date()
    assert sum(d.inflow for d in flow) == 4 and sum(d.resolved for d in flow) == 3
    assert flow[-1].inflow >= 1
    times = past.times
    assert round(times.first_response_seconds) == 3 * 3600
    assert round(times.resolution_seconds) == 6 * 3600


def test_agent_load_counts_held_and_resolved_today(session):
    now = utcnow()
    agent = user(session)
    held = ticket(session, author="a@example.com")
    held.status, held.assignee_id = "claimed", agent.id
    solved = ticket(session, author="b@example.com")
    solved.status, solved.assignee_id, solved.resolved_at = "resolved", agent.id, now
    session.commit()
    row = [a for a in stats.agent_load(session, now) if a.username == "agen1"][0]
    assert (row.held, row.resolved_today) == (1, 1)


def test_ingest_health_marks_stalled_sources(session):
    now = utcnow()
    session.add_all([
        IngestRun(source="imap:inbox", started_at=now - timedelta(minutes=5), status="ok", fetched=3),
        IngestRun(source="imap:inbox", started_at=now - timedelta(hours=2), status="failed", error="timeout"),
        IngestRun(source="instagram:prakerja", started_at=now - timedelta(hours=1), status="ok"),
    ])
    session.commit()
    for seen in (now - timedelta(days=3), now - timedelta(hours=1)):  # one input, seen twice
        quarantine(session, "imap:inbox", "uid 9", "empty text", None, None, now=seen)
    quarantine(session, "instagram:prakerja", "c/1", "missing time", "{}", None, now=now - timedelta(days=2))
    session.commit()
    every = timedelta(minutes=15)
    scheduled = {"imap:inbox": every, "instagram:prakerja": every, "never-ran": every}
    health = {h.source: h for h in stats.ingest_health(session, scheduled, now)}
    assert health["imap:inbox"].last_status == "ok" and not health["imap:inbox"].stalled
    assert health["imap:inbox"].failures_24h == 1 and health["imap:inbox"].quarantined_24h == 1
    assert health["instagram:prakerja"].stalled  # 60 min > 3 x 15 min
    assert health["never-ran"].stalled and health["never-ran"].last_status == "never run"
    assert health["instagram:prakerja"].quarantined_24h == 0  # seen two days ago
    assert stats.quarantined_total(session) == 2
    data = stats.api_stats(session, scheduled, now)
    assert [h["stalled"] for h in data["ingest"]] == [False, True, True] and data["quarantined_total"] == 2
    inbox = data["quarantine"][0]
    assert (inbox["source_ref"], inbox["seen_count"]) == ("uid 9", 2)
    assert inbox["first_seen_at"] == (now - timedelta(days=3)).isoformat()
    assert inbox["last_seen_at"] == (now - timedelta(hours=1)).isoformat()
    assert [e["source"] for e in data["quarantine"]] == ["imap:inbox", "instagram:prakerja"]


def test_only_successful_runs_keep_a_source_healthy_and_imports_never_stall(session):
    now = utcnow()
    every = timedelta(minutes=15)
    session.add_all([
        IngestRun(source="imap:inbox", started_at=now - timedelta(hours=3), status="ok"),
        IngestRun(source="imap:inbox", started_at=now - timedelta(minutes=20), status="failed", error="x"),
        IngestRun(source="imap:inbox", started_at=now - timedelta(minutes=5), status="failed", error="y"),
        IngestRun(source="import", started_at=now - timedelta(days=9), status="ok"),
    ])
    session.commit()
    health = {h.source: h for h in stats.ingest_health(session, {"imap:inbox": every}, now)}
    assert health["imap:inbox"].stalled and health["imap:inbox"].last_status == "failed"
    assert not health["import"].stalled


def test_no_query_loads_every_ticket(session):
    """The figures come from grouped SQL: the statements never select whole ticket rows.

    The one per-row read is a day's durations (one number per ticket answered or resolved
    that day), which the exact 30-day medians are taken from.
    """
    ticket(session)
    statements: list[str] = []
    engine = session.get_bind()

    def capture(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        stats.api_stats(session, {"imap:inbox": timedelta(minutes=15)})
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    ticket_reads = [s for s in statements if "FROM tickets" in s]
    assert ticket_reads and all("tickets.preview" not in s for s in ticket_reads)
    durations = ("julianday(", "extract(epoch")
    assert all(
        ("count(" in s.lower()) or ("limit" in s.lower()) or any(d in s.lower() for d in durations) for s in ticket_reads
    )
