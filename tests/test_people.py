"""The data step for tickets stored before one person, one ticket: other people's replies on a
ticket move to tickets of their own; what an agent merged stays; a second run finds nothing."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import T0, FixedClassifier, record, user
from triage import people, tickets
from triage.models import AuditEvent, Contact, Message, Ticket
from triage.pipeline import PipelineConfig, process_batch


def legacy_mixed_ticket(session, post: str = "700", status: str = "open", owner: str = "ani") -> Ticket:
    """Ani's comment with Budi's and Citra's replies and our answer on her ticket, as the
    pipeline stored them before issue 15 (a reply joined the ticket of what it answered)."""
    ig = dict(channel="instagram", subject=None)
    [ani] = process_batch(session, [record(source_id=post, author=owner, text="insentif blm masuk min", sent_at=T0, **ig)],
                          FixedClassifier(), PipelineConfig())
    ticket = session.get(Ticket, ani.ticket_id)
    for n, (author, text, direction) in enumerate([
        ("budi", "sama min, hp 081234567890 tolong", "inbound"), ("citra", "aku jg mimin!", "inbound"),
        ("budi", "min??", "inbound"), ("prakerja.go.id", "Halo kak, cek DM", "outbound"),
    ], start=1):
        session.add(Message(ticket=ticket, direction=direction, source="instagram", source_id=f"{post}-{n}", author=author,
                            text=text, sent_at=T0 + timedelta(minutes=n), in_reply_to=post, thread_refs=[],
                            label="missing_incentive" if direction == "inbound" else None, confidence=0.9))
    ticket.message_count, ticket.status = 5, status
    ticket.resolved_at = T0 + timedelta(hours=1) if status == "resolved" else None
    ticket.due_explanation = "pesan ke-4 dari orang ini"
    ticket.entities = {"phones": ["081234567890"]}
    session.commit()
    return ticket


def test_other_peoples_replies_move_to_tickets_of_their_own(session):
    host = legacy_mixed_ticket(session)
    budi_contact = Contact(channel="instagram", handle="budi")  # Budi wrote before: his contact is reused
    session.add(budi_contact)
    session.commit()

    assert people.split_mixed_tickets(session, dry_run=True) == people.Split(tickets=1, opened=2, messages=3)
    session.rollback()
    assert session.get(Ticket, host.id).message_count == 5  # a dry run changes nothing

    assert people.split_mixed_tickets(session) == people.Split(tickets=1, opened=2, messages=3)
    session.commit()
    session.expire_all()
    host = session.get(Ticket, host.id)
    assert [(m.author, m.direction) for m in host.messages] == [("ani", "inbound"), ("prakerja.go.id", "outbound")]
    assert host.message_count == 2 and "pesan ke-" not in host.due_explanation and host.entities["phones"] == []
    split = {t.contact.handle: t for t in session.scalars(sa.select(Ticket).where(Ticket.id != host.id))}
    assert sorted(split) == ["budi", "citra"] and split["budi"].contact_id == budi_contact.id
    budi = split["budi"]
    assert (budi.status, budi.label, budi.message_count, budi.first_response_at) == ("open", "missing_incentive", 2, None)
    assert "pesan ke-2 dari orang ini" in budi.due_explanation and "mendesak" in budi.due_explanation
    assert budi.entities["phones"] == ["081234567890"] and budi.created_at == T0 + timedelta(minutes=1)
    assert all(m.meta["context"] == {"channel": "instagram", "source_id": "700"} for m in budi.messages)
    events = session.execute(sa.select(AuditEvent.action, AuditEvent.ticket_id, AuditEvent.detail).order_by(AuditEvent.id)).all()
    assert ("ticket.split", host.id, {"into": budi.id, "messages": 2}) in events
    assert ("ticket.split_from", budi.id, {"from": host.id}) in events

    assert people.split_mixed_tickets(session) == people.Split(0, 0, 0)  # nothing left to split


def test_what_an_agent_merged_stays_and_closed_tickets_split_only_when_asked(session):
    host = legacy_mixed_ticket(session, post="800")
    other = process_batch(session, [record(channel="instagram", subject=None, author="ani_lain", source_id="801")],
                          FixedClassifier(), PipelineConfig())[0]
    tickets.merge(session, session.get(Ticket, other.ticket_id), host, user(session))  # Ani's second account
    closed = legacy_mixed_ticket(session, post="900", status="resolved", owner="eka")
    session.commit()

    assert people.split_mixed_tickets(session) == people.Split(tickets=1, opened=2, messages=3)
    session.commit()
    assert {m.author for m in session.get(Ticket, host.id).messages} == {"ani", "ani_lain", "prakerja.go.id"}
    assert session.get(Ticket, closed.id).message_count == 5

    assert people.split_mixed_tickets(session, include_closed=True) == people.Split(tickets=1, opened=2, messages=3)
    session.commit()
    moved = sa.select(Message.ticket_id).where(Message.source_id.like("900-%"), Message.direction == "inbound")
    from_closed = session.scalars(sa.select(Ticket).where(Ticket.id.in_(moved))).all()
    assert {(t.status, t.resolved_at) for t in from_closed} == {("resolved", closed.resolved_at)}


def test_the_command_counts_then_splits(runner, session):
    legacy_mixed_ticket(session)
    result = runner.invoke(args=["db", "split-people", "--dry-run"])
    assert result.exit_code == 0 and result.output == "would split: 1 mixed tickets, 2 new tickets, 3 messages moved\n"
    result = runner.invoke(args=["db", "split-people"])
    assert result.exit_code == 0 and result.output == "split: 1 mixed tickets, 2 new tickets, 3 messages moved\n"
    assert session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 3
