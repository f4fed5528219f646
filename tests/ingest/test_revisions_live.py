"""Corrections through the real sources: a mail re-sent to Dovecot with its Message-ID, an Instagram comment edited."""
from __future__ import annotations

import sqlalchemy as sa

from builders import FixedClassifier
from instagram_fake import BASE_TS, FakeComment, FakeInstagram, FakePost, PROFILE, count, run
from mail import complaint
from triage.ingest import runner
from triage.ingest.imap.source import FolderFetch
from triage.models import Message, Ticket
from triage.pipeline import PipelineConfig


def ingest(sessionmaker, account, options):
    summary = runner.ingest(sessionmaker, FolderFetch(account, "INBOX", options), FixedClassifier(), PipelineConfig())
    assert summary.status == "ok", summary.error
    return summary


def test_a_mail_sent_again_with_its_message_id_and_a_new_body_is_a_correction(
    dovecot, account, mail_user, imap_options, sessionmaker, session
):
    mid = "<koreksi-1@mail.example.com>"
    dovecot.append(mail_user, complaint("Insentif bulan kedua belum masuk.", message_id=mid))
    ingest(sessionmaker, account, imap_options)
    dovecot.append(mail_user, complaint("Ralat: insentif bulan KETIGA yang belum masuk.", message_id=mid))
    summary = ingest(sessionmaker, account, imap_options)
    assert (summary.read, summary.threaded, summary.duplicates, summary.new_tickets) == (1, 1, 0, 0)
    original, correction = session.scalars(sa.select(Message).order_by(Message.id)).all()
    assert correction.ticket_id == original.ticket_id
    assert correction.text.startswith("Ralat: insentif bulan KETIGA") and original.text.startswith("Insentif bulan kedua")
    assert correction.source_id.startswith(mid + "#rev-") and correction.meta["revision"] == "correction"
    assert ";UID=2" in correction.raw_ref

    # The same correction again, the original again, and another sender under the same id.
    dovecot.append(
        mail_user,
        complaint("Ralat: insentif bulan KETIGA yang belum masuk.", message_id=mid),
        complaint("Insentif bulan kedua belum masuk.", message_id=mid),
        complaint("Rekening saya mau diganti ke DANA.", message_id=mid, sender="Orang Lain <lain@example.net>"),
    )
    summary = ingest(sessionmaker, account, imap_options)
    assert (summary.read, summary.duplicates, summary.new_tickets) == (3, 2, 1)
    other = session.scalars(sa.select(Message).where(Message.author == "lain@example.net")).one()
    assert other.ticket_id != original.ticket_id and other.meta["id_reused_from"] == mid
    assert count(session, Message) == 3 and count(session, Ticket) == 2


def test_an_edited_instagram_comment_joins_its_ticket_marked_as_edit(sessionmaker, session, ig_settings):
    comment = FakeComment(18_200_000_000_000_001, "sinta_99", "saldo pelatihan saya sisa 300rb min", BASE_TS - 3000)
    post = FakePost(3_500_000_000_000_000_001, BASE_TS - 3600, [comment])
    fake = FakeInstagram(PROFILE, [post])
    first, _, _ = run(sessionmaker, ig_settings, fake)
    assert (first.status, first.new_tickets) == ("ok", 1)

    comment.text = "saldo pelatihan saya sisa 350rb min, gimana cara pakainya?"  # edited in place
    post.comments.append(FakeComment(18_200_000_000_000_002, "budi_s", "sertifikat belum terbit", BASE_TS - 2000))
    second, _, _ = run(sessionmaker, ig_settings, fake)
    assert (second.status, second.read, second.duplicates) == ("ok", 2, 0), second.error
    original, edit = session.scalars(
        sa.select(Message).where(Message.author == "sinta_99").order_by(Message.id)
    ).all()
    assert edit.ticket_id == original.ticket_id and edit.meta["revision"] == "edit"
    assert edit.source_id.startswith(f"{comment.id}#rev-") and edit.text.startswith("saldo pelatihan saya sisa 350rb")
    assert edit.raw_ref == original.raw_ref

    post.comments.append(FakeComment(18_200_000_000_000_003, "rina", "mantap", BASE_TS - 1000))
    third, _, _ = run(sessionmaker, ig_settings, fake)  # re-reads the post: the edit is a replay now
    assert (third.read, third.duplicates) == (3, 2)
    assert count(session, Message, Message.author == "sinta_99") == 2
