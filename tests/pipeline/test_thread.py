"""Threading: replies join the ticket of the message they answer, a person writing again
about the same category within the window joins their ticket, a reply reopens a resolved
one; inside one batch too, where a record finds the ticket of one stored before it."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import T0, FixedClassifier, record
from triage.classifier import Prediction
from triage.models import AuditEvent, Contact, Ticket
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


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_email_reply_threads_by_in_reply_to_even_with_another_label(session):
    first = record(source_id="<a@example.com>", author="x@example.com")
    ingest_record(session, first, FixedClassifier("missing_incentive"), CONFIG)
    reply = record(
        source_id="<b@example.com>",
        author="someone.else@example.com",
        in_reply_to="<a@example.com>",
        sent_at=first.sent_at + timedelta(days=10),
    )
    outcome = ingest_record(session, reply, FixedClassifier("payment_account"), CONFIG)
    assert outcome.kind == "threaded"
    assert count(session, Ticket) == 1


def test_email_threads_by_references_when_in_reply_to_is_unknown(session):
    ingest_record(session, record(source_id="<root@example.com>"), FixedClassifier(), CONFIG)
    reply = record(
        source_id="<r2@example.com>",
        author="other@example.com",
        in_reply_to="<not-ours@example.com>",
        references=("<root@example.com>", "<not-ours@example.com>"),
    )
    assert ingest_record(session, reply, FixedClassifier("other"), CONFIG).kind == "threaded"


def test_instagram_reply_under_a_comment_joins_its_ticket(session):
    parent = record(channel="instagram", source_id="17900001", author="dewi_ayu", subject=None)
    ingest_record(session, parent, FixedClassifier(), CONFIG)
    answer = record(channel="instagram", source_id="17900002", author="rudi99", in_reply_to="17900001", subject=None)
    outcome = ingest_record(session, answer, FixedClassifier("certificate_pending"), CONFIG)
    assert outcome.kind == "threaded"
    ticket = session.get(Ticket, outcome.ticket_id)
    assert {m.source_id for m in ticket.messages} == {"17900001", "17900002"}


def test_same_contact_same_category_within_window_threads(session):
    first = record(author="siti@example.com", sent_at=T0)
    ingest_record(session, first, FixedClassifier("missing_incentive"), CONFIG)
    again = record(author="SITI@example.com", sent_at=T0 + timedelta(hours=30))
    outcome = ingest_record(session, again, FixedClassifier("missing_incentive"), CONFIG)
    assert outcome.kind == "threaded"
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket.message_count == 2
    # The second message from the same person moves the deadline earlier, and says so.
    assert ticket.due_at == T0 + timedelta(hours=24 - 6)
    assert "pesan ke-2 dari orang ini −6 jam" in ticket.due_explanation


def test_same_contact_outside_window_or_other_category_opens_new_ticket(session):
    ingest_record(session, record(author="siti@example.com", sent_at=T0), FixedClassifier("missing_incentive"), CONFIG)
    late = record(author="siti@example.com", sent_at=T0 + timedelta(hours=73))
    assert ingest_record(session, late, FixedClassifier("missing_incentive"), CONFIG).kind == "new"
    other = record(author="siti@example.com", sent_at=T0 + timedelta(hours=74))
    assert ingest_record(session, other, FixedClassifier("registration"), CONFIG).kind == "new"
    assert count(session, Ticket) == 3
    assert count(session, Contact) == 1


def test_window_is_configurable(session):
    narrow = PipelineConfig(thread_window=timedelta(hours=1))
    ingest_record(session, record(author="a@example.com", sent_at=T0), FixedClassifier(), narrow)
    later = record(author="a@example.com", sent_at=T0 + timedelta(hours=2))
    assert ingest_record(session, later, FixedClassifier(), narrow).kind == "new"


def test_reply_to_a_resolved_ticket_reopens_it(session):
    first = record(source_id="<orig@example.com>")
    outcome = ingest_record(session, first, FixedClassifier(), CONFIG)
    ticket = session.get(Ticket, outcome.ticket_id)
    ticket.status = "resolved"
    ticket.resolved_at = T0 + timedelta(hours=1)
    session.commit()
    reply = record(source_id="<again@example.com>", in_reply_to="<orig@example.com>", sent_at=T0 + timedelta(days=5))
    assert ingest_record(session, reply, FixedClassifier(), CONFIG).kind == "threaded"
    session.commit()
    session.refresh(ticket)
    assert ticket.status == "open" and ticket.resolved_at is None
    assert session.scalar(sa.select(AuditEvent.action).where(AuditEvent.ticket_id == ticket.id)) == "ticket.reopened"


def test_thank_you_on_a_resolved_ticket_does_not_reopen_it(session):
    outcome = ingest_record(session, record(source_id="<o@example.com>"), FixedClassifier(), CONFIG)
    ticket = session.get(Ticket, outcome.ticket_id)
    ticket.status = "resolved"
    thanks = record(source_id="<t@example.com>", in_reply_to="<o@example.com>", text="Terima kasih, sudah masuk")
    ingest_record(session, thanks, FixedClassifier("noise", 0.95), CONFIG)
    assert ticket.status == "resolved"


def test_reply_in_the_same_batch_as_its_parent_threads(session):
    parent = record(source_id="<p@example.com>", sent_at=T0)
    child = record(source_id="<c@example.com>", in_reply_to="<p@example.com>", sent_at=T0 + timedelta(hours=1))
    outcomes = process_batch(session, [child, parent], FixedClassifier(), CONFIG)
    assert sorted(o.kind for o in outcomes) == ["new", "threaded"]
    assert count(session, Ticket) == 1


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


def test_a_reply_to_our_lone_reply_in_the_same_batch_reopens_its_ticket(session):
    ours = record(source_id="<us@x>", author="bantuan@prakerja.example", direction="outbound", sent_at=T0)
    theirs = record(source_id="<them@x>", in_reply_to="<us@x>", sent_at=T0 + timedelta(hours=1))
    outcomes = process_batch(session, [theirs, ours], FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["threaded", "outbound"]
    ticket = session.get(Ticket, outcomes[1].ticket_id)
    assert outcomes[0].ticket_id == ticket.id and ticket.status == "open" and ticket.resolved_at is None
    event = session.scalars(sa.select(AuditEvent)).one()
    assert (event.action, event.ticket_id, event.detail) == ("ticket.reopened", ticket.id, {"message": "<them@x>"})


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


def test_each_outcome_says_whether_its_ticket_was_noise_at_the_time(session):
    thanks = record(source_id="<t@x>", text="Mantap", sent_at=T0)
    ask = record(source_id="<a@x>", in_reply_to="<t@x>", sent_at=T0 + timedelta(hours=1))
    outcomes = process_batch(session, [thanks, ask], ByText({"Mantap": ("noise", 0.95)}), CONFIG)
    assert [(o.kind, o.noise) for o in outcomes] == [("new", True), ("threaded", False)]
    ticket = session.get(Ticket, outcomes[0].ticket_id)
    assert (ticket.status, ticket.label) == ("open", "missing_incentive")
