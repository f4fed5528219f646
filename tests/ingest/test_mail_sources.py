"""One mail, many carriers: the same mail from IMAP (real Dovecot), an .eml, an mbox and a maildir is one
message; NUL bytes that Dovecot hands over as 0x80 are not read as text."""
from __future__ import annotations

import mailbox
from pathlib import Path

import sqlalchemy as sa

from builders import FixedClassifier
from triage.ingest.files import read_path
from triage.ingest.imap.source import FolderFetch
from triage.ingest.runner import ingest, run_ingest
from triage.models import Message, Ticket
from triage.pipeline import PipelineConfig

NO_ID = (
    b"From: Rina <rina@example.com>\r\nTo: bantuan@prakerja.example\r\nSubject: Insentif belum masuk\r\n"
    b"Date: Fri, 20 Nov 2026 08:00:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Insentif gelombang 9 belum masuk.\r\nFrom kemarin saya cek terus.\r\n"
)
OTHER = NO_ID.replace(b"gelombang 9", b"gelombang 10")


def import_files(sessionmaker, *paths: Path):
    items = (item for p in paths for item in read_path(p))
    return run_ingest(sessionmaker, "import", items, FixedClassifier(), PipelineConfig(), batch_size=5)


def fetch(sessionmaker, account, imap_options):
    summary = ingest(sessionmaker, FolderFetch(account, "INBOX", imap_options), FixedClassifier(), PipelineConfig())
    assert summary.status == "ok", summary.error
    return summary


def test_one_mail_without_message_id_from_imap_eml_and_mbox_is_stored_once(
    tmp_path, dovecot, account, mail_user, imap_options, sessionmaker, session
):
    lf = NO_ID.replace(b"\r\n", b"\n")
    (tmp_path / "crlf.eml").write_bytes(NO_ID)
    (tmp_path / "lf.eml").write_bytes(lf)
    (tmp_path / "other.eml").write_bytes(OTHER)
    box = mailbox.mbox(str(tmp_path / "saved.mbox"))
    box.add(mailbox.mboxMessage(NO_ID))  # the mbox writer escapes the body's "From " line as ">From "
    box.flush()
    box.close()
    assert b"\n>From kemarin" in (tmp_path / "saved.mbox").read_bytes()
    maildir = mailbox.Maildir(str(tmp_path / "maildir"))
    maildir.add(lf + b"\n\n")  # a maildir copy with blank lines at its end
    maildir.close()
    dovecot.append(mail_user, lf)  # sent with bare LF, served back with CRLF

    via_imap = fetch(sessionmaker, account, imap_options)
    assert via_imap.new_tickets == 1
    from_files = import_files(
        sessionmaker, tmp_path / "crlf.eml", tmp_path / "lf.eml", tmp_path / "saved.mbox", tmp_path / "maildir",
        tmp_path / "other.eml",
    )
    assert (from_files.duplicates, from_files.new_tickets + from_files.threaded) == (4, 1)
    texts = session.scalars(sa.select(Message.text).order_by(Message.id)).all()
    assert len(texts) == 2 and "gelombang 10" in texts[1]
    assert len({m.source_id for m in session.scalars(sa.select(Message))}) == 2


def test_nul_bytes_through_dovecot_become_no_euro_signs(dovecot, account, mail_user, imap_options, sessionmaker, session):
    body = b"Insentif\x00 saya\x00\x00 belum masuk" + b"\x00" * 65 + b" sejak Oktober.\r\n"
    raw = NO_ID.split(b"\r\n\r\n")[0].replace(b"Rina", b"Nul") + b"\r\nMessage-ID: <nul@example.com>\r\n\r\n" + body
    dovecot.append(mail_user, raw)
    fetch(sessionmaker, account, imap_options)
    message = session.scalars(sa.select(Message)).one()
    assert "\u20ac" not in message.text and "\ufffd" not in message.text
    assert message.text == "Insentif saya belum masuk sejak Oktober."
    assert message.meta["nul_stand_ins_removed"] == 68
    assert session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1
