"""The dashboard history: kept past days must always equal a direct computation over the tickets."""
from __future__ import annotations

import random
import statistics
from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import ticket, user
from triage import history, tickets
from triage.history import WIB
from triage.models import ClosedDayChange, Ticket, utcnow


def direct(session, now, days=30):
    """The history computed the obvious way, in Python, from every ticket."""
    rows = session.scalars(sa.select(Ticket)).all()
    today = now.astimezone(WIB).date()
    window = [today - timedelta(days=days - 1 - i) for i in range(days)]
    in_window = set(window)

    def day(value):
        return value.astimezone(WIB).date() if value is not None else None

    inflow = {d: sum(1 for t in rows if day(t.created_at) == d) for d in window}
    resolved = {d: sum(1 for t in rows if day(t.resolved_at) == d and t.merged_into_id is None) for d in window}

    def durations(attr):
        return [
            (getattr(t, attr) - t.created_at).total_seconds()
            for t in rows
            if t.merged_into_id is None and day(getattr(t, attr)) in in_window
        ]

    def median(values):
        return statistics.median(values) if values else None

    flow = [(d, inflow[d], resolved[d]) for d in window]
    return flow, median(durations("first_response_at")), median(durations("resolved_at"))


def assert_matches(result, expected):
    flow, first_response, resolution = expected
    assert [(d.day, d.inflow, d.resolved) for d in result.flow] == flow
    for got, want in ((result.times.first_response_seconds, first_response), (result.times.resolution_seconds, resolution)):
        assert (got is None) == (want is None)
        if want is not None:
            assert got == pytest.approx(want, abs=0.01)


def spread_tickets(session, now, count=24, seed=3):
    """Tickets created over the last 40 days; most answered and resolved hours later."""
    rng = random.Random(seed)
    agent = user(session)
    made = []
    for i in range(count):
        created = now - timedelta(days=rng.uniform(0, 40), minutes=rng.randint(0, 600))
        t = ticket(session, author=f"p{i}@example.com", sent_at=created, source_id=f"<spread-{i}@example.com>")
        if rng.random() < 0.8:
            t.first_response_at = min(now, t.created_at + timedelta(hours=rng.uniform(0.5, 30)))
        if rng.random() < 0.6:
            t.resolved_at = min(now, t.created_at + timedelta(hours=rng.uniform(1, 72)))
            t.status, t.assignee_id = "resolved", agent.id
        made.append(t)
    session.commit()
    return made, agent


def test_history_equals_direct_computation(session):
    now = utcnow()
    spread_tickets(session, now)
    assert_matches(history.history(session, now=now), direct(session, now))


def test_kept_days_follow_changes_to_old_tickets(session):
    now = utcnow()
    made, agent = spread_tickets(session, now)
    kept: dict = {}
    assert_matches(history.history(session, now=now, kept=kept), direct(session, now))
    before = dict(kept)
    assert before and max(before) < now.astimezone(WIB).date()  # today is never kept
    counts = dict(session.execute(sa.select(ClosedDayChange.day, ClosedDayChange.changes)).all())

    old = [t for t in made if t.status == "resolved" and t.resolved_at < now - timedelta(days=3)]
    expected = {old[0].resolved_at.astimezone(WIB).date(), old[1].resolved_at.astimezone(WIB).date()}
    tickets.reopen(session, old[0], agent)  # a resolution leaves a past day
    target = next(t for t in reversed(made) if t.status == "open")
    tickets.merge(session, old[1], target, agent)  # a past ticket folds into another
    late = ticket(session, author="late@example.com", sent_at=now - timedelta(days=12), source_id="<late@example.com>")
    late.first_response_at = late.created_at + timedelta(hours=2)  # old mail imported today
    session.commit()

    after = dict(session.execute(sa.select(ClosedDayChange.day, ClosedDayChange.changes)).all())
    touched = {d for d in after if after[d] != counts.get(d)}
    assert expected <= touched and all(d < now.astimezone(WIB).date() for d in touched)
    assert_matches(history.history(session, now=now, kept=kept), direct(session, now))
    for day, figures in before.items():
        assert (kept[day] is figures) == (day not in touched)  # untouched days were reused


def test_writes_dated_today_count_no_change(session):
    now = utcnow()
    agent = user(session)
    t = ticket(session, author="today@example.com", sent_at=now - timedelta(minutes=5))
    tickets.resolve(session, t, agent)
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(ClosedDayChange)) == 0


def test_median_of_sorted_runs_is_exact():
    rng = random.Random(11)
    for _ in range(200):
        runs = [sorted(rng.choice([rng.uniform(0, 100), float(rng.randint(0, 5))]) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(1, 5))]
        values = [v for run in runs for v in run]
        assert history.median(runs) == (statistics.median(values) if values else None)


def test_stored_days_serve_other_processes_until_they_change(session):
    now = utcnow()
    made, agent = spread_tickets(session, now)
    history.history(session, now=now, kept={})
    session.commit()
    statements: list[str] = []
    engine = session.get_bind()

    def capture(conn, cursor, statement, *args):
        statements.append(statement.lower())

    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        assert_matches(history.history(session, now=now, kept={}), direct(session, now))  # a fresh process
        assert len([s for s in statements if "julianday(" in s or "extract(epoch" in s]) == 2  # today's durations only
        old = next(t for t in made if t.status == "resolved" and t.resolved_at < now - timedelta(days=3))
        tickets.reopen(session, old, agent)
        session.commit()
        statements.clear()
        assert_matches(history.history(session, now=now, kept={}), direct(session, now))
        assert len([s for s in statements if "julianday(" in s or "extract(epoch" in s]) == 4  # and the changed day's
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
