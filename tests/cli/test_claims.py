"""`triage claims`: upkeep returns idle claims to the queue and then auto-assigns; expire and
assign each do their half only. Every test reads the tickets back from the database."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import ticket, user
from triage import claims
from triage.models import AuditEvent, Ticket, utcnow

IDLE = 45  # minutes since the holder last touched the ticket; TRIAGE_CLAIM_IDLE_MINUTES is 30
FRESH = 5
_senders = itertools.count(1)


@pytest.fixture
def team(session):
    """An on-shift agent who can take work, one off shift who holds claims, a supervisor."""
    return user(session, "agen1", on_shift=True), user(session, "agen2"), user(session, "super1", role="supervisor")


def new_ticket(session) -> Ticket:
    """An open ticket of its own (the same sender writing again would join the last one)."""
    return ticket(session, author=f"peserta{next(_senders)}@example.com")


def claimed(session, holder, minutes_ago: int) -> int:
    made = new_ticket(session)
    claims.assign(session, made, holder, actor=None, now=utcnow() - timedelta(minutes=minutes_ago))
    session.commit()
    return made.id


def open_ticket(session) -> int:
    return new_ticket(session).id


def round_robin(session, supervisor) -> None:
    claims.set_auto_assign_mode(session, "round_robin", supervisor)
    session.commit()


def holders(sessionmaker, *ticket_ids: int) -> list[tuple[str, int | None]]:
    with sessionmaker() as s:
        return [(t.status, t.assignee_id) for t in (s.get(Ticket, i) for i in ticket_ids)]


def test_upkeep_expires_idle_claims_then_assigns_the_queue_round_robin(runner, session, sessionmaker, team):
    agent, away, supervisor = team
    idle, fresh, waiting = claimed(session, away, IDLE), claimed(session, away, FRESH), open_ticket(session)
    round_robin(session, supervisor)
    result = runner.invoke(args=["claims", "upkeep"])
    assert result.exit_code == 0, result.output
    assert result.output == "expired claims: 1\nassigned: 2\n"
    assert holders(sessionmaker, idle, fresh, waiting) == [("claimed", agent.id), ("claimed", away.id), ("claimed", agent.id)]


def test_upkeep_with_auto_assignment_off_only_expires(runner, session, sessionmaker, team):
    agent, away, _ = team
    idle, waiting = claimed(session, away, IDLE), open_ticket(session)
    result = runner.invoke(args=["claims", "upkeep"])
    assert result.exit_code == 0 and result.output == "expired claims: 1\nassigned: 0\n", result.output
    assert holders(sessionmaker, idle, waiting) == [("open", None), ("open", None)]


def test_expire_returns_only_idle_claims_and_assigns_nothing(runner, session, sessionmaker, team):
    agent, away, supervisor = team
    idle, fresh = claimed(session, away, IDLE), claimed(session, away, FRESH)
    round_robin(session, supervisor)  # switched on, yet expire leaves the assigning to upkeep/assign
    result = runner.invoke(args=["claims", "expire"])
    assert result.exit_code == 0 and result.output == "expired claims: 1\n", result.output
    assert holders(sessionmaker, idle, fresh) == [("open", None), ("claimed", away.id)]
    with sessionmaker() as s:
        expired = s.execute(sa.select(AuditEvent.ticket_id, AuditEvent.detail).where(AuditEvent.action == "ticket.claim_expired")).all()
    assert expired == [(idle, {"idle_minutes": 30})]


def test_assign_gives_the_queue_to_on_shift_agents_only_when_switched_on(runner, session, sessionmaker, team):
    agent, away, supervisor = team
    idle, first, second = claimed(session, away, IDLE), open_ticket(session), open_ticket(session)
    off = runner.invoke(args=["claims", "assign"])
    assert off.exit_code == 0 and off.output == "auto-assignment is off\n", off.output
    assert holders(sessionmaker, first, second) == [("open", None), ("open", None)]

    round_robin(session, supervisor)
    on = runner.invoke(args=["claims", "assign"])
    assert on.exit_code == 0 and on.output == "assigned: 2\n", on.output
    # The idle claim stays where it is: returning it is expire's half.
    assert holders(sessionmaker, idle, first, second) == [("claimed", away.id), ("claimed", agent.id), ("claimed", agent.id)]
