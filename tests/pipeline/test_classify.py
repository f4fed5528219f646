"""Classifying: one call for the batch's complaints, none for what needs no agent; the
prediction decides label, review flag and whether the ticket joins the queue."""
from __future__ import annotations

from datetime import timedelta

from builders import FixedClassifier, record
from triage.classifier.keyword_rules import KeywordRuleClassifier
from triage.classifier.text import classification_text
from triage.models import Ticket
from triage.pipeline import PipelineConfig, ingest_record, process_batch

CONFIG = PipelineConfig(thread_window=timedelta(hours=72))


def test_confident_noise_is_kept_out_of_the_queue_but_stored(session):
    outcome = ingest_record(session, record(text="Mantap programnya 🔥"), FixedClassifier("noise", 0.9), CONFIG)
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket.status == "noise" and outcome.noise


def test_unsure_prediction_is_flagged_for_review_but_keeps_its_label(session):
    outcome = ingest_record(session, record(), FixedClassifier("noise", 0.35), CONFIG)
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket.label == "noise" and ticket.needs_review and ticket.status == "open"


def test_batch_is_classified_in_one_call(session):
    clf = FixedClassifier()
    process_batch(session, [record(), record(), record()], clf, CONFIG)
    assert len(clf.calls) == 1 and len(clf.calls[0]) == 3


def test_keyword_classifier_drives_the_pipeline_end_to_end(session):
    clf = KeywordRuleClassifier()
    a = ingest_record(session, record(text="Sertifikat saya belum terbit padahal sudah kasih ulasan dan rating"), clf, CONFIG)
    b = ingest_record(session, record(author="b@example.com", text="Saldo pelatihan masih sisa 200rb, bisa dicairkan?"), clf, CONFIG)
    assert session.get(Ticket, a.ticket_id).label == "certificate_pending"
    assert session.get(Ticket, b.ticket_id).label == "unspent_voucher"


def test_entities_are_extracted_onto_the_ticket(session):
    text = "Insentif Rp 600.000 gelombang 9 belum masuk ke GoPay 081234561234"
    outcome = ingest_record(session, record(text=text), FixedClassifier(), CONFIG)
    entities = session.get(Ticket, outcome.ticket_id).entities
    assert entities["wave"] == 9
    assert 600000 in entities["amounts"]
    assert "081234561234" in entities["phones"]


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
