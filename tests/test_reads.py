"""Plain-row reads see what the session has not flushed yet, as session.execute would."""
from __future__ import annotations

import sqlalchemy as sa

from builders import ticket, user
from triage import claims, reads, tickets
from triage.models import Note, Ticket


def test_pending_changes_show_in_plain_rows(session):
    t = ticket(session)
    agent = user(session)
    session.add(Note(ticket_id=t.id, author_id=agent.id, text="belum di-flush"))
    assert [e.text for e in tickets.conversation(session, t)][-1] == "belum di-flush"
    t.status, t.assignee_id = "claimed", agent.id
    assert claims.held_count(session, agent.id) == 1
    assert reads.rows(session, sa.select(Ticket.status).where(Ticket.id == t.id)).scalar_one() == "claimed"


def test_no_autoflush_is_respected(session):
    t = ticket(session)
    with session.no_autoflush:
        t.status = "resolved"
        assert reads.rows(session, sa.select(Ticket.status).where(Ticket.id == t.id)).scalar_one() == "open"
