"""The pipeline and the program's own replies (outbound records)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import T0, FixedClassifier, record
from triage.models import Ticket
from triage.pipeline import PipelineConfig, process_batch

CONFIG = PipelineConfig()


def ig(**kw):
    return record(channel="instagram", subject=None, **kw)


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


def test_long_text_is_truncated_and_noted(session):
    process_batch(session, [ig(source_id="7", text="insentif " * 20, author="x")], FixedClassifier(), PipelineConfig(max_message_chars=50))
    message = session.scalars(sa.select(Ticket)).one().messages[0]
    assert len(message.text) == 50 and message.meta["truncated_from_chars"] == 180
