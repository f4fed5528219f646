"""The supervisor report: per agent in a WIB date range, tickets handled and median times."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from builders import ticket, user
from triage import stats
from triage.history import WIB
from triage.models import AuditEvent, utcnow


def _resolved(session, agent, *, created, first_response_h, claimed_h, resolved_h, n):
    t = ticket(session, author=f"r{n}@example.com", source_id=f"report-{n}", sent_at=created)
    t.created_at = created
    t.status, t.assignee_id = "resolved", agent.id
    t.first_response_at = created + timedelta(hours=first_response_h) if first_response_h is not None else None
    t.resolved_at = created + timedelta(hours=resolved_h)
    if claimed_h is not None:
        session.add(AuditEvent(actor_id=agent.id, action="ticket.claimed", ticket_id=t.id, at=created + timedelta(hours=claimed_h)))
    return t


def test_report_counts_and_medians_per_agent_in_the_range(session):
    now = utcnow()
    a, b = user(session, "agen1"), user(session, "agen2")
    day = now - timedelta(days=2)
    # agen1: three resolved in range; first responses 1, 2, 6 h (median 2); handle 3, 4, 8 h... see below
    _resolved(session, a, created=day, first_response_h=1, claimed_h=0.5, resolved_h=3.5, n=1)  # handle 3 h
    _resolved(session, a, created=day, first_response_h=2, claimed_h=1, resolved_h=5, n=2)  # handle 4 h
    t3 = _resolved(session, a, created=day, first_response_h=6, claimed_h=2, resolved_h=12, n=3)  # handle 10 h...
    # ...unless reassigned later: the latest claim before resolving counts (12 - 4 = 8 h).
    session.add(AuditEvent(action="ticket.assigned", ticket_id=t3.id, at=t3.created_at + timedelta(hours=4)))
    # a claim after resolving (reopened and claimed again, unresolved) does not count
    session.add(AuditEvent(action="ticket.claimed", ticket_id=t3.id, at=t3.created_at + timedelta(hours=20)))
    # agen2: one in range without a first response and without a claim event; one out of range
    _resolved(session, b, created=day, first_response_h=None, claimed_h=None, resolved_h=1, n=4)
    _resolved(session, b, created=now - timedelta(days=40), first_response_h=1, claimed_h=0, resolved_h=2, n=5)
    session.commit()

    span = stats.report_range(None, None, now)
    assert span.last == now.astimezone(WIB).date() and (span.last - span.first).days == stats.REPORT_DAYS - 1
    rows = {r.username: r for r in stats.agent_report(session, span)}
    assert set(rows) == {"agen1", "agen2"}
    assert rows["agen1"].handled == 3
    assert rows["agen1"].first_response_seconds == pytest.approx(2 * 3600, abs=1)
    assert rows["agen1"].handle_seconds == pytest.approx(4 * 3600, abs=1)  # of 3, 4 and 8 h
    assert rows["agen2"].handled == 1
    assert rows["agen2"].first_response_seconds is None and rows["agen2"].handle_seconds is None


def test_report_range_days_are_wib_days_both_ends_included(session):
    agent = user(session)
    first = date(2026, 11, 2)
    start = datetime(2026, 11, 2, tzinfo=WIB)
    _resolved(session, agent, created=start - timedelta(hours=3), first_response_h=1, claimed_h=1, resolved_h=3, n=1)  # 00:00 WIB
    _resolved(session, agent, created=start - timedelta(hours=3), first_response_h=1, claimed_h=1, resolved_h=2, n=2)  # 23:00 the day before
    last_day_end = datetime(2026, 11, 4, 23, 59, tzinfo=WIB)
    _resolved(session, agent, created=last_day_end - timedelta(hours=2), first_response_h=1, claimed_h=1, resolved_h=2, n=3)
    _resolved(session, agent, created=last_day_end - timedelta(hours=1), first_response_h=1, claimed_h=1, resolved_h=2, n=4)  # next day
    session.commit()
    rows = stats.agent_report(session, stats.report_range("2026-11-02", "2026-11-04"))
    assert [(r.username, r.handled) for r in rows] == [("agen1", 2)]
    assert stats.report_range("2026-11-02", "2026-11-02").first == first


@pytest.mark.parametrize(
    "first, last, code",
    [("2026-13-01", "", "bad_date"), ("kemarin", None, "bad_date"), ("2026-11-05", "2026-11-04", "reversed"),
     ("2026-01-01", "2026-06-30", "too_long")],
)
def test_report_range_refuses_bad_ranges(first, last, code):
    with pytest.raises(stats.ReportRangeError) as refused:
        stats.report_range(first, last)
    assert refused.value.code == code


def test_report_reads_a_resolved_at_range(session):
    """The report's ticket query is bounded by the resolved_at range (the index's leading column)."""
    statements: list[tuple[str, object]] = []
    engine = session.get_bind()

    def capture(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        stats.agent_report(session, stats.report_range(None, None))
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    ticket_reads = [(s, p) for s, p in statements if "FROM tickets" in s]
    assert len(ticket_reads) == stats.REPORT_DAYS  # one per day
    statement, parameters = ticket_reads[0]
    assert "tickets.resolved_at >=" in statement and "tickets.resolved_at <" in statement
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
        assert "USING INDEX ix_tickets_resolved" in plan or "USING COVERING INDEX ix_tickets_resolved" in plan, plan
        assert "SCAN tickets" not in plan, plan


def test_a_past_day_is_kept_until_a_ticket_on_it_changes(session):
    now = utcnow()
    agent = user(session)
    t = _resolved(session, agent, created=now - timedelta(days=3), first_response_h=1, claimed_h=0, resolved_h=2, n=1)
    session.commit()
    span = stats.report_range(None, None, now)
    kept: dict = {}
    assert [r.handled for r in stats.agent_report(session, span, now, kept)] == [1]
    resolved_day = t.resolved_at.astimezone(WIB).date()
    assert resolved_day in kept and now.astimezone(WIB).date() not in kept  # today is always read live
    reads: list[str] = []
    engine = session.get_bind()
    capture = lambda conn, cursor, statement, *args: reads.append(statement) if "FROM tickets" in statement else None  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        assert [r.handled for r in stats.agent_report(session, span, now, kept)] == [1]
        assert len(reads) == 1  # today only
        # Reopened: the trigger counts a change on the day it was resolved, which is read again.
        t.status, t.resolved_at = "open", None
        session.commit()
        reads.clear()
        assert stats.agent_report(session, span, now, kept) == []
        assert len(reads) == 2
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
