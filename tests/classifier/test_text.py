"""The text the classifier reads: subject with body, quoted replies and signatures left out,
the same in training, evaluation and ingestion."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from builders import record
from triage.classifier import load_classifier
from triage.classifier.text import classification_text, new_text
from triage.classifier.training import classifier_texts, evaluate, read_examples
from triage.models import Message, Ticket
from triage.pipeline import PipelineConfig, process_batch
from triage.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def model():
    return load_classifier(PROJECT_ROOT / "models")


class Spy:
    """The real model, noting what it was asked to read."""

    def __init__(self, model) -> None:
        self.model, self.texts = model, []
        self.name, self.version, self.threshold = model.name, model.version, model.threshold

    def predict(self, texts):
        self.texts += list(texts)
        return self.model.predict(texts)


QUOTED_REPLY = """Insentif bulan ketiga saya belum masuk sampai sekarang, padahal rekening BNI aktif.

Pada Sen, 30 Nov 2026 pukul 09.12 Tim Prakerja <bantuan@prakerja.example> menulis:
> Halo, sisa saldo pelatihan tidak dapat diuangkan. Silakan gunakan saldo pelatihan untuk membeli pelatihan lain.
>
> Pada Jum, 27 Nov 2026 pukul 20.01 Budi <budi@example.com> menulis:
>> Saldo pelatihan saya masih sisa 300 ribu, apakah bisa dicairkan? Saldo pelatihan sisa, mohon info saldo pelatihan.
"""

OUTLOOK_REPLY = """Sertifikat saya belum terbit padahal ulasan dan rating sudah saya berikan seminggu lalu.

Hormat saya,
Dewi Lestari
NIK 3275********0001

-----Original Message-----
From: Tim Prakerja <bantuan@prakerja.example>
Sent: Monday, November 30, 2026 9:12 AM
Subject: RE: Saldo pelatihan

Sisa saldo pelatihan tidak dapat diuangkan. Saldo pelatihan hanya untuk membeli pelatihan.
"""


@pytest.mark.parametrize(
    "subject, label",
    [
        ("Sertifikat belum terbit padahal sudah kasih ulasan dan rating", "certificate_pending"),
        ("Insentif bulan ketiga belum masuk", "missing_incentive"),
        ("Saldo pelatihan masih sisa 250 ribu, bisa dicairkan?", "unspent_voucher"),
        ("Nomor e-wallet OVO saya ganti, insentif mau dikirim ke mana?", "payment_account"),
    ],
)
@pytest.mark.parametrize("body", ["mohon dibantu", "Mohon dibantu.\n\nSent from my iPhone", "subject"])
def test_a_complaint_in_the_subject_gets_its_category_through_the_real_pipeline(session, model, subject, label, body):
    # "subject": an empty body, which the email source replaces by the subject
    text = subject if body == "subject" else body
    [outcome] = process_batch(session, [record(subject=subject, text=text)], model, PipelineConfig())
    ticket = session.get(Ticket, outcome.ticket_id)
    assert (ticket.label, ticket.needs_review) == (label, False)
    assert session.scalar(sa.select(Message.text)) == text  # stored as written


@pytest.mark.parametrize(
    "subject, body, label",
    [
        ("Re: Saldo pelatihan masih sisa", QUOTED_REPLY, "missing_incentive"),
        ("RE: Saldo pelatihan", OUTLOOK_REPLY, "certificate_pending"),
    ],
)
def test_a_quoted_earlier_message_about_another_category_does_not_outweigh_the_new_text(session, model, subject, body, label):
    [outcome] = process_batch(session, [record(subject=subject, text=body)], model, PipelineConfig())
    assert session.get(Ticket, outcome.ticket_id).label == label
    assert session.scalar(sa.select(Message.text)) == body  # the stored text keeps the quote


def test_training_evaluation_and_ingestion_read_the_same_text(tmp_path: Path, session, model):
    bodies = ["mohon dibantu", QUOTED_REPLY, OUTLOOK_REPLY, "insentif blm masuk min 😭", "ins\u200bentif belum masuk"]
    subjects = ["Sertifikat belum terbit", "Re: Saldo pelatihan masih sisa", "RE: Saldo pelatihan", None, None]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(
        json.dumps({"text": f"Subject: {s}\n\n{b}" if s else b, "label": "other"}) + "\n" for s, b in zip(subjects, bodies)
    ))
    examples = read_examples(corpus)
    training = classifier_texts(examples)
    spy = Spy(model)
    evaluate(spy, examples)
    evaluated = list(spy.texts)
    spy.texts.clear()
    records = [record(subject=s, text=b, channel="email" if s else "instagram", author=f"p{i}@example.com")
               for i, (s, b) in enumerate(zip(subjects, bodies))]
    process_batch(session, records, spy, PipelineConfig())
    assert training == evaluated == spy.texts
    assert training[0] == "Subject: Sertifikat belum terbit\n\nmohon dibantu"
    assert training[3] == "insentif blm masuk min 😭" and training[4] == "insentif belum masuk"


def test_a_feedback_row_with_its_own_subject_reads_like_the_corpus(tmp_path: Path):
    corpus = tmp_path / "feedback.jsonl"
    corpus.write_text(
        json.dumps({"text": "mohon dibantu", "subject": "Insentif belum masuk", "label": "missing_incentive"}) + "\n"
        + json.dumps({"text": "Subject: Insentif belum masuk\n\nmohon dibantu", "label": "missing_incentive"}) + "\n"
    )
    a, b = classifier_texts(read_examples(corpus))
    assert a == b == "Subject: Insentif belum masuk\n\nmohon dibantu"


# -- what is left out, and what is kept ------------------------------------------------


@pytest.mark.parametrize(
    "body, expected",
    [
        ("Saldo saya sisa.\n\nOn Mon, Nov 30, 2026 at 9:12 AM Tim <a@b.c> wrote:\n> Insentif sudah dikirim.", "Saldo saya sisa."),
        ("Saldo saya sisa.\nPada tanggal Sen, 30 Nov 2026 pukul 09.12 Tim Prakerja <bantuan@prakerja.example>\nmenulis:\n> x",
         "Saldo saya sisa."),
        ("Saldo saya sisa.\n> insentif belum masuk\n>> insentif belum masuk", "Saldo saya sisa."),
        ("> insentif belum masuk?\nSaldo saya sisa.\n> gelombang berapa?\nGelombang 9.", "Saldo saya sisa.\nGelombang 9."),
        ("Saldo saya sisa.\n\n-----Pesan Asli-----\nDari: Tim\nDikirim: Senin\ninsentif", "Saldo saya sisa."),
        ("Saldo saya sisa.\n________________________________\nFrom: Tim Prakerja <bantuan@prakerja.example>\n"
         "Sent: Monday, 30 November 2026 09:12\nTo: Budi\nSubject: insentif\n\ninsentif", "Saldo saya sisa.\n________________________________"),
        ("Saldo saya sisa.\n-- \nBudi Santoso\n0812-3456-7890", "Saldo saya sisa."),
        ("Saldo saya sisa.\n\nDikirim dari Yahoo Mail di Android", "Saldo saya sisa."),
        ("Saldo saya sisa 300rb, tolong dibantu.\n\nSalam, Budi", "Saldo saya sisa 300rb, tolong dibantu."),
        ("Saldo saya sisa 300rb, tolong dibantu.\nWassalamualaikum\nBudi Santoso\nNIK 3275********0001\nNo. HP 0812****7890",
         "Saldo saya sisa 300rb, tolong dibantu."),
    ],
)
def test_quotes_and_signatures_are_left_out(body, expected):
    assert new_text(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "> insentif belum masuk",  # all of it quoted: nothing new, read it whole
        "On Mon, Nov 30, 2026 Tim <a@b.c> wrote:\n> insentif belum masuk",
        "Sent from my iPhone",
        "Halo min\nSalam,\nInsentif belum masuk",  # a greeting above a complaint is no closing
        "Yth. Bapak/Ibu Tim Prakerja,\nSalam sejahtera,\nInsentif belum masuk",
        "Yth admin,\nSalam, saya mau tanya insentif saya belum masuk kenapa ya",
        "Yth. Admin\nDari: Budi Santoso\nTanggal: 5 Desember 2026\nPerihal: insentif belum masuk",  # a letter's own header
        "insentif belum masuk >_<\n>.< tolong",  # emoticons, not quotes
        "Pada hari Senin saya sudah menulis:\ninsentif belum masuk",  # no date, no address: the sender's own words
        "Mohon dibantu\n\n---------- Forwarded message ---------\nFrom: Budi <budi@example.com>\nDate: Mon, 30 Nov 2026 09:12\n"
        "Subject: Insentif\n\nInsentif saya belum masuk",  # a forward carries the complaint
        "Insentif saya belum masuk.\nTerima kasih",  # a closing thank-you with nothing after it
        "Terima kasih,\nBudi",  # nothing but the closing: kept, it is the message
        "Salam kenal min\nSaya Budi, insentif saya belum masuk",  # "Salam kenal" opens a letter
        "",
    ],
)
def test_text_that_is_not_a_quote_or_signature_is_kept(body):
    assert new_text(body) == body


# Long emails as people write them: a greeting, the ask, a closing and a signature, then the
# earlier messages their mail program quoted (about another topic, to mislead a reader of all of it).
REALISTIC = {
    "outlook, english headers": (
        "Selamat siang Admin,\n\nSaya mau menanyakan sertifikat saya yang belum terbit padahal sudah memberi ulasan.\n\n"
        "Mohon bantuannya.\n\nTerima kasih,\nRina Marlina\n0813-2211-4455\n\n-----Original Message-----\n"
        "From: Tim Prakerja <bantuan@prakerja.go.id>\nSent: Monday, November 30, 2026 9:12 AM\nTo: rina@gmail.com\n"
        "Subject: RE: Insentif belum masuk\n\nInsentif Anda sudah dikirim ke rekening BNI.",
        "Selamat siang Admin,\n\nSaya mau menanyakan sertifikat saya yang belum terbit padahal sudah memberi ulasan.\n\n"
        "Mohon bantuannya.\n\nTerima kasih,",
    ),
    "gmail, indonesian header wrapped on three lines": (
        "sudah saya coba tetap sama\n \nPada Sel, 1 Des 2026 pukul 10.00\nTim Prakerja <bantuan@prakerja.go.id>\nmenulis:\n"
        "> Saldo pelatihan tidak dapat diuangkan.",
        "sudah saya coba tetap sama",
    ),
    "gmail, address wrapped": (
        "Halo min,\n\nmasih belum masuk juga ke DANA, insentif bulan ketiga.\n\nPada Sen, 30 Nov 2026 pukul 09.12 Tim Prakerja <\n"
        "bantuan@prakerja.go.id> menulis:\n\n> Saldo pelatihan tidak dapat diuangkan.\n>\n",
        "Halo min,\n\nmasih belum masuk juga ke DANA, insentif bulan ketiga.",
    ),
    "iphone, then a quote": (
        "Min tolong cek rekening BNI saya ga bisa dipakai terima insentif\n\nDikirim dari iPhone saya\n\n"
        "> Pada 28 Nov 2026, pukul 14.03, Tim Prakerja <bantuan@prakerja.go.id> menulis:\n> \n> Sertifikat Anda sudah terbit.",
        "Min tolong cek rekening BNI saya ga bisa dipakai terima insentif",
    ),
    "salam hangat, name, wave, phone": (
        "Selamat pagi,\nSaldo pelatihan saya masih sisa 350 ribu, apakah bisa dipakai beli kelas lagi?\n\n"
        "Salam hangat,\nDewi Lestari\nPeserta Gelombang 45\nHP 0857-1234-9988",
        "Selamat pagi,\nSaldo pelatihan saya masih sisa 350 ribu, apakah bisa dipakai beli kelas lagi?",
    ),
    "wassalamu'alaikum wr. wb.": (
        "Assalamualaikum wr. wb.\nSaya sudah daftar 3 kali tapi tidak lolos, NIK saya katanya sudah terdaftar.\n"
        "Wassalamu'alaikum Wr. Wb.\nAhmad Fauzi\n0812 9988 7766",
        "Assalamualaikum wr. wb.\nSaya sudah daftar 3 kali tapi tidak lolos, NIK saya katanya sudah terdaftar.",
    ),
    "thank-you, closing, name, device": (
        "Yth. Tim Prakerja,\ninsentif saya bulan Oktober belum masuk ke OVO padahal sertifikat sudah ada.\nTerima kasih.\n\n"
        "Salam,\nBudi\n0812-3456-7890\nDikirim dari Yahoo Mail di Android",
        "Yth. Tim Prakerja,\ninsentif saya bulan Oktober belum masuk ke OVO padahal sertifikat sudah ada.\nTerima kasih.",
    ),
    "a thank-you after a solved problem keeps its thanks": (
        "Terima kasih min, insentif sudah masuk.\nTerima kasih,\nBudi",
        "Terima kasih min, insentif sudah masuk.\nTerima kasih,",
    ),
    "regards, then an english quote": (
        "masih sama pak\n\nRegards,\nAndi\n\nOn Tue, 1 Dec 2026 at 10:00, Prakerja Support <support@prakerja.go.id> wrote:\n"
        "> Silakan coba lagi",
        "masih sama pak",
    ),
    "what the sender wrote below the quote is theirs": (
        "Selamat sore,\n\nSaya hanya ingin mengabarkan.\n\nPada Kam, 8 Okt 2026, Tim Layanan Prakerja menulis:\n"
        "> Pastikan akun OVO Anda sudah Premier.\n> Insentif dikirim ulang pada jadwal berikutnya.\n\n"
        "Sudah masuk hari ini, terima kasih banyak.\n\nSalam hangat,\nRina Marlina\nGarut\nDikirim dari Android",
        "Selamat sore,\n\nSaya hanya ingin mengabarkan.\n\nSudah masuk hari ini, terima kasih banyak.",
    ),
    "answers between the quoted parts": (
        "On Tue, 1 Dec 2026 at 10:00, Prakerja <bantuan@prakerja.go.id> wrote:\n> Gelombang berapa?\n"
        "Gelombang 9.\n> Platform apa?\nPintaria, sertifikat belum muncul.",
        "Gelombang 9.\nPintaria, sertifikat belum muncul.",
    ),
    "an unmarked quote under a header runs to the end": (
        "masih belum min\n\nPada Sel, 1 Des 2026 10.00, Prakerja <bantuan@prakerja.go.id> menulis:\n\n"
        "Saldo pelatihan tidak dapat diuangkan.\nSalam, Tim Prakerja",
        "masih belum min",
    ),
    "outlook, pesan asli with spaces": (
        "Bagaimana kelanjutannya min?\n----- Pesan Asli -----\nDari: Tim Prakerja\nTerkirim: 30 Nov 2026 09.12\ninsentif sudah dikirim",
        "Bagaimana kelanjutannya min?",
    ),
}


@pytest.mark.parametrize("body, expected", REALISTIC.values(), ids=REALISTIC.keys())
def test_realistic_long_emails_leave_out_quotes_and_signatures(body, expected):
    assert new_text(body) == expected


def test_an_outlook_forward_keeps_what_it_forwards():
    body = "mohon dibantu\n\n-----Original Message-----\nFrom: Budi <budi@example.com>\nSent: Monday 9:12\n\nSertifikat belum terbit"
    assert classification_text("FW: Sertifikat", body) == f"Subject: FW: Sertifikat\n\n{body}"
    assert classification_text("RE: Sertifikat", body) == "Subject: RE: Sertifikat\n\nmohon dibantu"


def test_subject_composition():
    assert classification_text(None, "saldo sisa") == "saldo sisa"
    assert classification_text("  Insentif \n belum  masuk ", "mohon dibantu") == "Subject: Insentif belum masuk\n\nmohon dibantu"
    assert classification_text("Insentif belum masuk", "Insentif belum masuk") == "Subject: Insentif belum masuk"
    assert classification_text("", "saldo sisa") == classification_text("   ", "saldo sisa") == "saldo sisa"
    assert classification_text("Ser\u200btifikat", "x\u202e") == "Subject: Sertifikat\n\nx"


def test_a_huge_pathological_body_is_read_in_linear_time():
    import time

    body = ("On 1 " + "1 " * 50_000 + "\n") * 3 + "> x\n" * 20_000 + "Dari: a@b\n" * 20_000 + "insentif"
    started = time.perf_counter()
    classification_text("s", body)
    assert time.perf_counter() - started < 1.0
