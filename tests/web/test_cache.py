"""The memoized figures (queue header counts, dashboard history) are at most their age old,
and take-next's claim upkeep runs at most once per interval, then again.

The memo and the throttle run under test as in production; only their clock is moved here.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import ticket, user
from triage.models import Ticket, utcnow
from triage.web import agent as agent_views
from triage.web import cache
from triage.web import supervisor as supervisor_views


@pytest.fixture
def clock(monkeypatch):
    now = [1_000.0]
    monkeypatch.setattr(cache, "monotonic", lambda: now[0])
    return now


def _counts(client) -> tuple[int, int]:
    html = client.get("/").get_data(as_text=True)
    opened = re.search(r'id="count-open">(\d+)<', html)
    resolved = re.search(r"Selesai: (\d+)", html)
    assert opened and resolved, "queue header without counts"
    return int(opened.group(1)), int(resolved.group(1))


def _resolve_elsewhere(sessionmaker, ticket_id: int) -> None:
    """What another worker process or the CLI would do: this process's memo does not see it."""
    with sessionmaker() as s:
        t = s.get(Ticket, ticket_id)
        t.status, t.resolved_at = "resolved", utcnow()
        s.commit()


def test_queue_counts_are_kept_for_their_age_then_read_again(client, auth, agent, session, sessionmaker, clock):
    first = ticket(session).id
    ticket(session, author="Sari <sari@example.com>")
    auth.login("agen1")
    assert _counts(client) == (2, 0)

    _resolve_elsewhere(sessionmaker, first)
    assert _counts(client) == (2, 0)  # both memoized
    clock[0] += agent_views.ACTIVE_COUNTS_SECONDS
    assert _counts(client) == (1, 0)  # the open count is read again; the closed ones are kept longer
    clock[0] += agent_views.CLOSED_COUNTS_SECONDS - agent_views.ACTIVE_COUNTS_SECONDS
    assert _counts(client) == (1, 1)


def _flow_total(client) -> tuple[int, int]:
    rows = client.get("/supervisor/export/flow.csv").get_data(as_text=True).splitlines()[1:]
    inflow = resolved = 0
    for row in rows:
        _day, i, r = row.split(",")
        inflow, resolved = inflow + int(i), resolved + int(r)
    return inflow, resolved


def test_dashboard_history_is_kept_for_its_age_then_read_again(client, auth, supervisor, session, sessionmaker, clock):
    made = ticket(session, sent_at=utcnow()).id
    auth.login("supervisor1")
    assert _flow_total(client) == (1, 0)

    _resolve_elsewhere(sessionmaker, made)
    assert _flow_total(client) == (1, 0)
    clock[0] += supervisor_views.HISTORY_SECONDS
    assert _flow_total(client) == (1, 1)


def test_take_next_runs_the_claim_upkeep_at_most_once_per_interval(client, auth, agent, session, app, clock):
    other = user(session, "agen2")
    idle = utcnow() - timedelta(minutes=app.config["SETTINGS"].claim_idle_minutes + 1)

    def idle_claim(author: str) -> int:
        made = ticket(session, author=author).id
        session.execute(sa.update(Ticket).where(Ticket.id == made).values(status="claimed", assignee_id=other.id, claimed_at=idle))
        session.commit()
        return made

    def holder(ticket_id: int) -> int:
        session.expire_all()
        return session.get(Ticket, ticket_id).assignee_id

    auth.login("agen1")
    first = idle_claim("a@example.com")
    auth.post("/take-next")  # the upkeep returns the idle claim, which agen1 then takes
    assert holder(first) == agent.id
    second = idle_claim("b@example.com")
    auth.post("/take-next")
    assert holder(second) == other.id  # within UPKEEP_SECONDS: no upkeep
    clock[0] += agent_views.UPKEEP_SECONDS
    auth.post("/take-next")
    assert holder(second) == agent.id
