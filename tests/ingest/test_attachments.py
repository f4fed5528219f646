"""Attachments through the real parser and pipeline, over Dovecot (issue 16): stored with their
message up to the caps, typed from their bytes, images with a thumbnail without EXIF, bombs and
broken parts never stopping the message, and a redelivered message adding no rows."""
from __future__ import annotations

import hashlib
import io

import sqlalchemy as sa
from PIL import Image

from attachment_mail import CAP, HTML, NAMES, PDF, attachment_mail, screenshot_png
from builders import FixedClassifier
from mail import complaint
from triage.ingest import runner
from triage.ingest.email_message import parse_email
from triage.ingest.imap.source import FolderFetch
from triage.models import Attachment, IngestCursor, Message, QuarantinedInput
from triage.pipeline import PipelineConfig, process_batch
from triage.records import AttachedFile

CONFIG = PipelineConfig(attachment_max_bytes=CAP, attachments_per_message=10)


def _rows(session) -> dict[str, Attachment]:
    query = sa.select(Attachment).options(sa.orm.undefer(Attachment.data), sa.orm.undefer(Attachment.thumbnail))
    return {a.filename: a for a in session.scalars(query)}


def test_a_mail_with_every_kind_of_attachment_over_dovecot(dovecot, account, mail_user, imap_options, sessionmaker, session):
    screenshot = screenshot_png()
    dovecot.append(mail_user, attachment_mail(screenshot=screenshot), complaint())
    summary = runner.ingest(sessionmaker, FolderFetch(account, "INBOX", imap_options), FixedClassifier(), CONFIG)
    assert (summary.status, summary.new_tickets + summary.threaded) == ("ok", 2)
    message = session.scalars(sa.select(Message).where(Message.source_id == "<lampiran@example.com>")).one()
    rows = _rows(session)
    assert list(rows) == NAMES and {a.message_id for a in rows.values()} == {message.id}

    # Types sniffed from the bytes, never the sender's: the HTML "PNG" is not an image.
    assert {name: a.content_type for name, a in rows.items()} == {
        "dashboard.png": "image/png", "bukti transfer.pdf": "application/pdf", "halaman.html": "application/octet-stream",
        "rekaman.bin": "application/octet-stream", "bukan-gambar.png": "application/octet-stream",
        "rusak.jpg": "application/octet-stream", "bom.png": "image/png", "bom-sedang.png": "image/png",
    }
    assert rows["bukan-gambar.png"].declared_type == "image/png" and rows["bukan-gambar.png"].thumbnail is None
    assert rows["dashboard.png"].data == screenshot and rows["dashboard.png"].sha256 == hashlib.sha256(screenshot).hexdigest()
    assert rows["bukti transfer.pdf"].data == PDF and rows["halaman.html"].data == HTML

    # Over the size cap: listed with its name and size, its bytes not kept.
    assert (rows["rekaman.bin"].data, rows["rekaman.bin"].size) == (None, CAP + 1000)

    # The thumbnail: a real image, at most 320 px, smaller than the original, no EXIF left.
    thumb = rows["dashboard.png"].thumbnail
    assert thumb and len(thumb) < len(screenshot)
    with Image.open(io.BytesIO(screenshot)) as original:
        assert original.getexif() and max(original.size) > 320
    with Image.open(io.BytesIO(thumb)) as small:
        small.load()
        assert small.format in ("PNG", "JPEG") and max(small.size) == 320 and not small.getexif()
        assert "exif" not in small.info
    assert b"KameraRahasia" not in thumb and b"3201234567890123" not in thumb

    # Bombs and broken parts: stored, no thumbnail, and the message is there all the same.
    assert rows["bom.png"].thumbnail is None and rows["bom-sedang.png"].thumbnail is None
    assert rows["bom.png"].data is not None
    rusak = rows["rusak.jpg"]  # what the broken base64 still gave: its valid characters decoded
    assert rusak.data.startswith(b"ABC") and rusak.size == len(rusak.data)
    broken = next(m for m in message.meta["attachments"] if m["name"] == "rusak.jpg")
    assert broken["note"].startswith("decoded with defects")
    assert "screenshot dashboard terlampir" in message.text
    assert session.scalar(sa.select(sa.func.count()).select_from(QuarantinedInput)) == 0

    # Delivered again (the cursor lost): a duplicate, no second set of rows.
    session.execute(sa.delete(IngestCursor))
    session.commit()
    again = runner.ingest(sessionmaker, FolderFetch(account, "INBOX", imap_options), FixedClassifier(), CONFIG)
    assert (again.read, again.duplicates) == (2, 2)
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == len(NAMES)


def _record(message_id: str, files: int):
    raw = attachment_mail(message_id)
    record = parse_email(raw, "test")
    record.files = tuple(AttachedFile(f"f{i}.pdf", "application/pdf", PDF) for i in range(files))
    return record


def test_caps_per_message_and_redelivery_in_one_batch(session):
    config = PipelineConfig(attachment_max_bytes=len(PDF), attachments_per_message=3)
    first, second = _record("<a@example.com>", 5), _record("<b@example.com>", 1)
    outcomes = process_batch(session, [first, second, _record("<a@example.com>", 5)], FixedClassifier(), config)
    session.commit()
    assert [o.kind for o in outcomes][2] == "duplicate"
    by_message = {}
    for message_id, source_id, data in session.execute(
        sa.select(Attachment.message_id, Message.source_id, Attachment.data).join(Message).order_by(Attachment.id)
    ):
        by_message.setdefault(source_id, []).append(data)
    # The first three keep their bytes, the others are listed by name and size only.
    assert by_message["<a@example.com>"] == [PDF, PDF, PDF, None, None]
    assert by_message["<b@example.com>"] == [PDF]
    assert session.scalars(sa.select(Attachment.size)).all() == [len(PDF)] * 6



def test_the_caps_are_settings_that_reach_the_pipeline(tmp_path):
    import pytest

    from triage.jobs import pipeline_config
    from triage.settings import SettingsError, load_settings

    base = {"TRIAGE_INSTANCE_PATH": str(tmp_path), "TRIAGE_SECRET_KEY": "k"}
    default = load_settings(base)
    assert (default.attachment_max_bytes, default.attachments_per_message) == (5 * 1024 * 1024, 10)
    chosen = load_settings({**base, "TRIAGE_ATTACHMENT_MAX_BYTES": "2048", "TRIAGE_ATTACHMENTS_PER_MESSAGE": "3"})
    config = pipeline_config(chosen)
    assert (config.attachment_max_bytes, config.attachments_per_message) == (2048, 3)
    with pytest.raises(SettingsError, match="TRIAGE_ATTACHMENT_MAX_BYTES must be a whole number"):
        load_settings({**base, "TRIAGE_ATTACHMENT_MAX_BYTES": "5MB"})
    with pytest.raises(SettingsError, match="TRIAGE_ATTACHMENTS_PER_MESSAGE must be at least 0"):
        load_settings({**base, "TRIAGE_ATTACHMENTS_PER_MESSAGE": "-1"})


def test_a_record_whose_files_cannot_be_written_is_quarantined_alone_with_none_of_its_rows(session, engine):
    """The files are written in their message's savepoint: when they fail, the batch is stored
    record by record, the good record keeps its files and the bad one leaves nothing behind."""

    @sa.event.listens_for(engine, "before_cursor_execute")
    def refuse_the_poison(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ATTACHMENTS") and "poison.pdf" in str(parameters):
            raise engine.dialect.dbapi.IntegrityError("refused: poison.pdf")

    good, bad = _record("<good@example.com>", 2), _record("<bad@example.com>", 1)
    bad.files += (AttachedFile("poison.pdf", "application/pdf", PDF),)
    outcomes = process_batch(session, [good, bad], FixedClassifier(), CONFIG)
    session.commit()
    assert [o.kind for o in outcomes] == ["new", "quarantined"]
    assert session.scalars(sa.select(Message.source_id)).all() == ["<good@example.com>"]
    assert session.scalars(sa.select(Attachment.filename)).all() == ["f0.pdf", "f1.pdf"]
    payload = session.scalars(sa.select(QuarantinedInput.payload)).one()
    assert '"filename": "poison.pdf"' in payload and "%PDF" not in payload  # the files named, not their bytes
