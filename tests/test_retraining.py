"""Reclassifying open tickets after a new model, and the classifier commands."""
from __future__ import annotations

import json

import sqlalchemy as sa

from builders import FixedClassifier, record
from triage.models import AuditEvent, Ticket
from triage.pipeline import PipelineConfig, process_batch
from triage.retraining import feedback_examples, reclassify_tickets


def test_reclassify_relabels_model_labels_and_keeps_agents(session):
    texts = ["Saldo pelatihan saya sisa 300rb, bisa diuangkan?", "mantap prakerja sukses terus 🔥", "NIK saya sudah terpakai waktu daftar"]
    outcomes = process_batch(
        session,
        [record(author=f"p{i}@example.com", text=t) for i, t in enumerate(texts)],
        FixedClassifier("missing_incentive", 0.4),
        PipelineConfig(),
    )
    by_agent = session.get(Ticket, outcomes[2].ticket_id)
    by_agent.label, by_agent.label_source = "other", "agent"
    resolved = session.get(Ticket, outcomes[0].ticket_id)
    session.commit()

    summary = reclassify_tickets(session, FixedClassifier("unspent_voucher", 0.95))
    assert (summary.examined, summary.changed, summary.kept_agent_labels) == (2, 2, 1)
    session.refresh(resolved)
    assert resolved.label == "unspent_voucher" and not resolved.needs_review
    assert resolved.due_explanation.startswith("Saldo pelatihan: SLA 48 jam")
    session.refresh(by_agent)
    assert by_agent.label == "other"
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).filter_by(action="ticket.reclassified")) == 2


def test_reclassify_moves_confident_noise_out_of_the_queue(session):
    outcome = process_batch(session, [record(text="mantap")], FixedClassifier("missing_incentive", 0.4), PipelineConfig())[0]
    session.commit()
    reclassify_tickets(session, FixedClassifier("noise", 0.99))
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket.status == "noise"


class ByText:
    name, version, threshold = "by-text", "test", 0.5

    def __init__(self, labels: dict) -> None:
        self.labels = labels

    def predict(self, texts):
        from triage.classifier import Prediction

        out = []
        for text in texts:
            label, conf = next((v for k, v in self.labels.items() if k in text), ("noise", 0.4))
            out.append(Prediction(label, conf, ((label, conf),), conf < self.threshold))
        return out


def test_reclassify_reads_each_ticket_as_its_conversation(session):
    """A short reply keeps the ticket's category, a confident other ask keeps the move it made,
    a ticket that began with a greeting keeps the ask that followed it."""
    first = dict(author="ani@example.com", source_id="<a@x>", text="Insentif saya belum masuk")
    rows = [
        record(**first),
        record(author="ani@example.com", source_id="<b@x>", in_reply_to="<a@x>", text="masih belum", subject="Re: tolong"),
        record(author="budi@example.com", source_id="<c@x>", text="Insentif belum masuk juga"),
        record(author="budi@example.com", source_id="<d@x>", in_reply_to="<c@x>", text="sertifikat saya tidak ada", subject="Re: tolong"),
        record(author="citra@example.com", source_id="<e@x>", text="halo min", subject="halo"),
        record(author="citra@example.com", source_id="<f@x>", in_reply_to="<e@x>", text="NIK saya dipakai orang", subject="halo"),
    ]
    model = ByText({"nsentif": ("missing_incentive", 0.95), "sertifikat": ("certificate_pending", 0.97),
                    "NIK": ("registration", 0.8), "halo": ("noise", 0.9)})  # fmt: skip
    outcomes = process_batch(session, rows, model, PipelineConfig())
    session.commit()
    ani, budi, citra = (session.get(Ticket, outcomes[i].ticket_id) for i in (0, 2, 4))
    assert (ani.label, budi.label, citra.label) == ("missing_incentive", "certificate_pending", "registration")
    summary = reclassify_tickets(session, model)
    assert (summary.examined, summary.changed) == (3, 0)
    assert (budi.label, budi.needs_review) == ("certificate_pending", True) and ani.label == "missing_incentive"


def test_feedback_uses_the_first_inbound_text_and_the_last_label(session):
    from triage.models import LabelChange

    first = record(source_id="<f1@x>", text="akun saya diretas")
    reply = record(source_id="<f2@x>", text="masih belum bisa", in_reply_to="<f1@x>")
    outcome = process_batch(session, [first, reply], FixedClassifier("registration"), PipelineConfig())[0]
    session.add_all(
        [
            LabelChange(ticket_id=outcome.ticket_id, from_label="registration", to_label="other"),
            LabelChange(ticket_id=outcome.ticket_id, from_label="other", to_label="payment_account"),
        ]
    )
    session.commit()
    assert feedback_examples(session) == [
        {"text": "akun saya diretas", "subject": "Insentif belum masuk", "label": "payment_account", "channel": "email",
         "source": "feedback"}
    ]


def test_classify_command_shows_label_top3_review_and_masked_entities(runner):
    result = runner.invoke(args=["classify", "min insentif gel 9 blm masuk ke GoPay 081234561234, udh 2 bulan"])
    assert result.exit_code == 0, result.output
    assert "label:        missing_incentive" in result.output
    assert "top 3:" in result.output and "needs_review: no" in result.output
    assert "0812****1234" in result.output and "081234561234" not in result.output
    assert "'wave': 9" in result.output


def test_evaluate_command_reports_metrics_confusion_and_misses(runner, tmp_path):
    path = tmp_path / "eval.jsonl"
    rows = [
        {"text": "sisa saldo pelatihan bisa dicairkan?", "label": "unspent_voucher"},
        {"text": "sertifikat belum terbit padahal sudah rating", "label": "certificate_pending"},
        {"text": "sisa saldo pelatihan hangus?", "label": "noise"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = runner.invoke(args=["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "confusion matrix" in result.output
    assert "misclassified: 1" in result.output
    assert "- expected noise, got unspent_voucher" in result.output


def test_reclassify_command(runner, app, sessionmaker):
    with sessionmaker() as session:
        process_batch(session, [record(text="Saldo pelatihan sisa, bisa dicairkan?")], FixedClassifier("registration", 0.3), PipelineConfig())
        session.commit()
    result = runner.invoke(args=["reclassify"])
    assert result.exit_code == 0, result.output
    assert "examined 1, relabeled 1" in result.output
