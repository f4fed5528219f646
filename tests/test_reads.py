"""The services' plain-column reads see what the session has not flushed yet."""
from __future__ import annotations

from builders import ticket, user
from triage import claims, tickets
from triage.models import Note


def test_pending_changes_show_in_plain_rows(session):
    t = ticket(session)
    agent = user(session)
    session.add(Note(ticket_id=t.id, author_id=agent.id, text="belum di-flush"))
    assert [e.text for e in tickets.conversation(session, t)][-1] == "belum di-flush"
    t.status, t.assignee_id = "claimed", agent.id
    assert claims.held_count(session, agent.id) == 1
