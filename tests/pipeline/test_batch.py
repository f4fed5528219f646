"""The pipeline stores a batch in one go: what one record did must be seen by the next
one in the same batch, and a bad record must still cost only itself."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import T0, FixedClassifier, record
from triage.classifier import Prediction
from triage.models import AuditEvent, Message, QuarantinedInput, Ticket
from triage.pipeline import PipelineConfig, ingest_record, process_batch

CONFIG = PipelineConfig(thread_window=timedelta(hours=72))


class ByText:
    """Labels by a word in the text; everything else as the default."""

    name, version, threshold = "by-text", "test", 0.5

    def __init__(self, labels: dict[str, tuple[str, float]], default=("missing_incentive", 0.9)) -> None:
        self.labels, self.default = labels, default

    def predict(self, texts):
        out = []
        for text in texts:
            label, conf = next((v for k, v in self.labels.items() if k in text), self.default)
            out.append(Prediction(label, conf, ((label, conf),), conf < self.threshold))
        return out


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_same_contact_and_category_threads_inside_one_batch(session):
    first = record(author="siti@example.com", sent_at=T0)
    second = record(author="Siti <SITI@example.com>", sent_at=T0 + timedelta(hours=30))
    other = record(author="siti@example.com", sent_at=T0 + timedelta(hours=31), text="Saldo masih sisa")
    outcomes = process_batch(session, [second, other, first], ByText({"Saldo": ("unspent_voucher", 0.9)}), CONFIG)
    assert [o.kind for o in outcomes] == ["threaded", "new", "new"]
    ticket = session.get(Ticket, outcomes[2].ticket_id)
    assert outcomes[0].ticket_id == ticket.id and ticket.message_count == 2
    assert ticket.due_at == T0 + timedelta(hours=24 - 6)
    assert "pesan ke-2 dari orang ini −6 jam" in ticket.due_explanation


def test_due_time_counts_the_messages_stored_before_the_batch(session):
    ingest_record(session, record(author="a@example.com", sent_at=T0), FixedClassifier(), CONFIG)
    session.commit()
    later = [record(author="a@example.com", sent_at=T0 + timedelta(hours=h)) for h in (1, 2)]
    outcomes = process_batch(session, later, FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["threaded", "threaded"]
    ticket = session.get(Ticket, outcomes[0].ticket_id)
    assert ticket.message_count == 3 and "pesan ke-3 dari orang ini −12 jam" in ticket.due_explanation
    assert ticket.due_at == T0 + timedelta(hours=24 - 12)


def test_a_bad_record_in_a_batch_costs_only_itself(session, monkeypatch):
    from triage.pipeline import batch

    real = batch.preview  # any error while a record is stored
    monkeypatch.setattr(batch, "preview", lambda text: real(text) if "BOOM" not in text else 1 / 0)
    parent = record(source_id="<p@x>", author="a@example.com", sent_at=T0)
    bad = record(source_id="<bad@x>", author="b@example.com", text="BOOM", sent_at=T0 + timedelta(minutes=1))
    reply = record(source_id="<r@x>", author="c@example.com", in_reply_to="<p@x>", sent_at=T0 + timedelta(minutes=2))
    nul = record(source_id="<n@x>", author="d@example.com", text="insentif\x00 belum", sent_at=T0 + timedelta(minutes=3))
    outcomes = process_batch(session, [parent, bad, reply, nul], FixedClassifier(), CONFIG, source="t")
    assert [o.kind for o in outcomes] == ["new", "quarantined", "threaded", "new"]
    assert "ZeroDivisionError" in outcomes[1].reason
    assert outcomes[2].ticket_id == outcomes[0].ticket_id
    assert session.scalar(sa.select(QuarantinedInput.source_ref)) == "email:<bad@x>"
    stored = session.scalars(sa.select(Message).where(Message.source_id == "<n@x>")).one()
    # Cleaning edits the record; what it noted must survive the second, record-by-record pass.
    assert stored.text == "insentif belum" and stored.meta["unstorable_characters"] == {"nul_removed": ["text"]}
    assert "threaded_by" not in stored.meta
    assert count(session, Message) == 3


def test_a_reply_to_our_lone_reply_in_the_same_batch_reopens_its_ticket(session):
    ours = record(source_id="<us@x>", author="bantuan@prakerja.example", direction="outbound", sent_at=T0)
    theirs = record(source_id="<them@x>", in_reply_to="<us@x>", sent_at=T0 + timedelta(hours=1))
    outcomes = process_batch(session, [theirs, ours], FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["threaded", "outbound"]
    ticket = session.get(Ticket, outcomes[1].ticket_id)
    assert outcomes[0].ticket_id == ticket.id and ticket.status == "open" and ticket.resolved_at is None
    event = session.scalars(sa.select(AuditEvent)).one()
    assert (event.action, event.ticket_id, event.detail) == ("ticket.reopened", ticket.id, {"message": "<them@x>"})


def test_each_outcome_says_whether_its_ticket_was_noise_at_the_time(session):
    thanks = record(source_id="<t@x>", text="Mantap", sent_at=T0)
    ask = record(source_id="<a@x>", in_reply_to="<t@x>", sent_at=T0 + timedelta(hours=1))
    outcomes = process_batch(session, [thanks, ask], ByText({"Mantap": ("noise", 0.95)}), CONFIG)
    assert [(o.kind, o.noise) for o in outcomes] == [("new", True), ("threaded", False)]
    ticket = session.get(Ticket, outcomes[0].ticket_id)
    assert (ticket.status, ticket.label) == ("open", "missing_incentive")


def test_replies_find_the_newest_message_they_name_across_stored_and_batch(session):
    first = ingest_record(session, record(source_id="<1@x>", author="a@example.com", sent_at=T0), FixedClassifier(), CONFIG)
    session.commit()
    other = record(source_id="<2@x>", author="b@example.com", text="Saldo masih sisa", sent_at=T0 + timedelta(hours=1))
    reply = record(source_id="<3@x>", author="c@example.com", references=("<1@x>", "<2@x>"), in_reply_to="<9@x>",
                   sent_at=T0 + timedelta(hours=2))
    outcomes = process_batch(session, [reply, other], ByText({"Saldo": ("unspent_voucher", 0.9)}), CONFIG)
    assert outcomes[0].kind == "threaded" and outcomes[0].ticket_id == outcomes[1].ticket_id != first.ticket_id


def test_a_reply_to_a_merged_ticket_joins_the_ticket_it_was_merged_into(session):
    a = ingest_record(session, record(source_id="<a@x>", author="a@example.com"), FixedClassifier(), CONFIG)
    b = ingest_record(session, record(source_id="<b@x>", author="b@example.com"), FixedClassifier(), CONFIG)
    session.get(Ticket, a.ticket_id).merged_into_id = b.ticket_id
    session.commit()
    outcomes = process_batch(session, [record(in_reply_to="<a@x>"), record(author="a@example.com")], FixedClassifier(), CONFIG)
    # The reply goes to the surviving ticket; the sender's merged ticket is no window candidate.
    assert [(o.kind, o.ticket_id) for o in outcomes] == [("threaded", b.ticket_id), ("new", outcomes[1].ticket_id)]
    assert outcomes[1].ticket_id not in (a.ticket_id, b.ticket_id)


def test_every_ticket_of_a_large_batch_is_findable_by_search(session):
    """A batch's new tickets are written in multi-row statements; each lands in the search index."""
    from triage.search import matching_ids

    records = [record(author=f"peserta{i}@example.com", subject=f"Keluhan nomor-{i:04d}x", sent_at=T0 + timedelta(seconds=i))
               for i in range(1200)]
    outcomes = process_batch(session, records, FixedClassifier(), CONFIG)
    assert {o.kind for o in outcomes} == {"new"}
    dialect = session.get_bind().dialect.name
    for i in (0, 1, 599, 1199):
        found = session.scalars(matching_ids(f"nomor-{i:04d}x", dialect)).all()
        assert found == [outcomes[i].ticket_id]
    assert session.scalars(matching_ids("peserta1199@", dialect)).all() == [outcomes[1199].ticket_id]
    stored = dict(session.execute(sa.select(Ticket.id, Ticket.subject)).all())
    assert [stored[o.ticket_id] for o in outcomes] == [f"Keluhan nomor-{i:04d}x" for i in range(1200)]
