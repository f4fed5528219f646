"""The pipeline: replays, threading, reopening, classification and due times."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import T0, FixedClassifier, record
from triage.classifier.keyword_rules import KeywordRuleClassifier
from triage.classifier.text import classification_text
from triage.models import AuditEvent, Contact, Message, QuarantinedInput, Ticket
from triage.pipeline import PipelineConfig, ingest_record, process_batch

CONFIG = PipelineConfig(thread_window=timedelta(hours=72))


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


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


def test_replay_of_the_same_source_id_is_a_no_op(session):
    first = record(source_id="<same@example.com>")
    ingest_record(session, first, FixedClassifier(), CONFIG)
    session.commit()
    again = record(source_id="<same@example.com>", text=first.text)  # other text: tests/test_revisions.py
    outcome = ingest_record(session, again, FixedClassifier(), CONFIG)
    session.commit()
    assert outcome.kind == "duplicate"
    assert count(session, Message) == 1 and count(session, Ticket) == 1


def test_duplicate_inside_one_batch_is_stored_once(session):
    a = record(source_id="<dup@example.com>")
    b = record(source_id="<dup@example.com>")
    outcomes = process_batch(session, [a, b], FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["new", "duplicate"]
    assert count(session, Message) == 1


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


def test_confident_noise_is_kept_out_of_the_queue_but_stored(session):
    outcome = ingest_record(session, record(text="Mantap programnya 🔥"), FixedClassifier("noise", 0.9), CONFIG)
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket.status == "noise" and outcome.noise


def test_unsure_prediction_is_flagged_for_review_but_keeps_its_label(session):
    outcome = ingest_record(session, record(), FixedClassifier("noise", 0.35), CONFIG)
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket.label == "noise" and ticket.needs_review and ticket.status == "open"


def test_bad_records_are_quarantined_and_the_rest_go_on(session):
    items = [
        record(text="   "),
        record(channel="whatsapp"),
        record(author=""),
        record(sent_at=None),
        record(text="Saldo pelatihan saya masih sisa, bisa dicairkan?"),
    ]
    outcomes = process_batch(session, items, FixedClassifier("unspent_voucher"), CONFIG, source="t")
    assert [o.kind for o in outcomes] == ["quarantined"] * 4 + ["new"]
    reasons = session.scalars(sa.select(QuarantinedInput.reason).order_by(QuarantinedInput.id)).all()
    assert reasons[0] == "empty text"
    assert reasons[1].startswith("unknown channel 'whatsapp'")
    assert reasons[2] == "missing author"
    assert reasons[3] == "missing or invalid time"


def test_a_record_that_fails_inside_the_pipeline_is_quarantined_not_lost(session, monkeypatch):
    from triage.pipeline import batch

    real = batch.preview

    def explode(text):  # any error while a record is stored
        if "BOOM" in text:
            raise RuntimeError("preview exploded")
        return real(text)

    monkeypatch.setattr(batch, "preview", explode)
    outcomes = process_batch(session, [record(text="BOOM"), record()], FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["quarantined", "new"]
    assert outcomes[0].reason == "pipeline error: RuntimeError: preview exploded"
    assert count(session, Message) == 1


def test_batch_is_classified_in_one_call(session):
    clf = FixedClassifier()
    process_batch(session, [record(), record(), record()], clf, CONFIG)
    assert len(clf.calls) == 1 and len(clf.calls[0]) == 3


def test_reply_in_the_same_batch_as_its_parent_threads(session):
    parent = record(source_id="<p@example.com>", sent_at=T0)
    child = record(source_id="<c@example.com>", in_reply_to="<p@example.com>", sent_at=T0 + timedelta(hours=1))
    outcomes = process_batch(session, [child, parent], FixedClassifier(), CONFIG)
    assert sorted(o.kind for o in outcomes) == ["new", "threaded"]
    assert count(session, Ticket) == 1


def test_keyword_classifier_drives_the_pipeline_end_to_end(session):
    clf = KeywordRuleClassifier()
    a = ingest_record(session, record(text="Sertifikat saya belum terbit padahal sudah kasih ulasan dan rating"), clf, CONFIG)
    b = ingest_record(session, record(author="b@example.com", text="Saldo pelatihan masih sisa 200rb, bisa dicairkan?"), clf, CONFIG)
    assert session.get(Ticket, a.ticket_id).label == "certificate_pending"
    assert session.get(Ticket, b.ticket_id).label == "unspent_voucher"


def test_future_timestamp_is_clamped_and_noted(session):
    now = T0 + timedelta(days=1)
    future = record(sent_at=now + timedelta(days=30))
    outcome = process_batch(session, [future], FixedClassifier(), CONFIG, now=now)[0]
    message = session.get(Ticket, outcome.ticket_id).messages[0]
    assert message.sent_at == now
    assert message.meta["claimed_sent_at"].startswith("2026-12-21")


def test_entities_are_extracted_onto_the_ticket(session):
    text = "Insentif Rp 600.000 gelombang 9 belum masuk ke GoPay 081234561234"
    outcome = ingest_record(session, record(text=text), FixedClassifier(), CONFIG)
    entities = session.get(Ticket, outcome.ticket_id).entities
    assert entities["wave"] == 9
    assert 600000 in entities["amounts"]
    assert "081234561234" in entities["phones"]


def test_nul_bytes_are_removed_and_noted(session):
    outcome = ingest_record(session, record(text="insentif\x00 belum", subject="a\x00b"), FixedClassifier(), CONFIG)
    session.commit()
    message = session.get(Ticket, outcome.ticket_id).messages[0]
    assert message.text == "insentif belum" and message.subject == "ab"
    assert message.meta["unstorable_characters"] == {"nul_removed": ["subject", "text"]}


def test_not_complaints_skip_the_classifier_and_get_a_noise_ticket_of_their_own(session):
    classifier = FixedClassifier()
    first = record(source_id="<q@x>")
    auto = record(in_reply_to="<q@x>", meta={"not_complaint": "auto-reply"})
    outcomes = process_batch(session, [first, auto], classifier, PipelineConfig())
    assert [o.kind for o in outcomes] == ["new", "new"] and outcomes[1].noise
    assert classifier.calls == [[classification_text(first.subject, first.text)]]
    noise = session.get(Ticket, outcomes[1].ticket_id)
    assert (noise.status, noise.label, noise.needs_review) == ("noise", "noise", False)
    complaint = session.get(Ticket, outcomes[0].ticket_id)
    assert complaint.message_count == 1 and complaint.status == "open"


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
