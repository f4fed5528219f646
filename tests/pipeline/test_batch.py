"""A batch in memory: a participant's record opens a ticket with its label, due time and
contact; the program's own replies answer a ticket, never open one in the queue."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import T0, FixedClassifier, record
from triage.models import Message, Ticket
from triage.pipeline import PipelineConfig, ingest_record, process_batch

CONFIG = PipelineConfig()


def ig(**kw):
    return record(channel="instagram", subject=None, **kw)


def test_new_record_opens_a_ticket_with_label_due_time_and_contact(session):
    outcome = ingest_record(session, record(), FixedClassifier("missing_incentive", 0.93), CONFIG)
    session.commit()
    ticket = session.get(Ticket, outcome.ticket_id)
    assert outcome.kind == "new"
    assert ticket.label == "missing_incentive" and ticket.confidence == 0.93 and not ticket.needs_review
    assert ticket.status == "open"
    assert ticket.due_at == ticket.created_at + timedelta(hours=24)
    assert ticket.due_explanation.startswith("Insentif belum masuk: SLA 24 jam")
    assert ticket.contact.handle == "budi@example.com"
    assert ticket.contact.display_name == "Budi Santoso"
    assert [m.text for m in ticket.messages] == [record().text]


def test_our_reply_joins_its_thread_sets_first_response_and_never_reopens(session):
    config = PipelineConfig()
    question = ingest_record(session, record(source_id="<q@x>"), FixedClassifier(), config)
    ticket = session.get(Ticket, question.ticket_id)
    ticket.status = "resolved"
    reply = record(source_id="<a@us>", author="bantuan@prakerja.example", in_reply_to="<q@x>", direction="outbound",
                   meta={"not_complaint": "own-address"}, sent_at=T0 + timedelta(hours=2))
    outcome = ingest_record(session, reply, FixedClassifier(), config)
    assert outcome.kind == "outbound" and outcome.ticket_id == ticket.id
    assert ticket.first_response_at == reply.sent_at and ticket.status == "resolved"
    stored = session.scalars(sa.select(Message).where(Message.direction == "outbound")).one()
    assert stored.label is None
    lone = ingest_record(session, record(source_id="<b@us>", author="bantuan@prakerja.example", direction="outbound"), FixedClassifier(), config)
    # A reply to nothing we know is kept on a closed ticket of its own, out of the queue.
    assert lone.kind == "outbound" and session.get(Ticket, lone.ticket_id).status == "resolved"


def test_outbound_reply_answers_the_ticket_without_being_classified(session):
    classifier = FixedClassifier("missing_incentive")
    parent = ig(source_id="1", author="dewi", sent_at=T0)
    later = ig(source_id="3", author="prakerja.go.id", direction="outbound", in_reply_to="1", sent_at=T0 + timedelta(hours=3))
    first = ig(source_id="2", author="prakerja.go.id", direction="outbound", in_reply_to="1", sent_at=T0 + timedelta(hours=1))
    outcomes = process_batch(session, [parent, later, first], classifier, CONFIG)
    assert [o.kind for o in outcomes] == ["new", "outbound", "outbound"]
    assert classifier.calls == [[parent.text]]
    ticket = session.scalars(sa.select(Ticket)).one()
    assert ticket.first_response_at == T0 + timedelta(hours=1)
    assert ticket.status == "open" and ticket.label == "missing_incentive" and ticket.message_count == 3
    assert ticket.contact.handle == "dewi"
    # The due time counts participants' messages only.
    assert "pesan ke-" not in ticket.due_explanation and ticket.due_at == T0 + timedelta(hours=24)


def test_outbound_without_a_known_parent_opens_no_queue_ticket(session):
    (outcome,) = process_batch(session, [ig(source_id="9", author="prakerja.go.id", direction="outbound", in_reply_to="404")],
                               FixedClassifier(), CONFIG)
    ticket = session.get(Ticket, outcome.ticket_id)
    assert outcome.kind == "outbound" and ticket.status == "resolved" and ticket.resolved_at is not None
    assert ticket.messages[0].meta["no_ticket_reason"] == "outbound message answering no known message"
    assert ticket.messages[0].direction == "outbound" and ticket.messages[0].label is None
