"""`triage import`: .eml, mbox, maildir and JSON Lines, with replays and bad input."""
from __future__ import annotations

import mailbox
import shutil
from pathlib import Path

import sqlalchemy as sa

from builders import FixedClassifier
from triage.ingest.files import read_path
from triage.records import InboundRecord, Rejected
from triage.ingest.runner import run_ingest
from triage.models import IngestRun, Message, QuarantinedInput, Ticket
from triage.pipeline import PipelineConfig

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def run(sessionmaker, *paths: Path, classifier=None):
    items = (item for p in paths for item in read_path(p))
    return run_ingest(sessionmaker, "import", items, classifier or FixedClassifier(), PipelineConfig(), batch_size=3)


def test_eml_reply_threads_into_the_original(sessionmaker, session):
    summary = run(sessionmaker, FIXTURES / "complaint.eml", FIXTURES / "reply.eml")
    assert (summary.read, summary.new_tickets, summary.threaded, summary.quarantined) == (2, 1, 1, 0)
    ticket = session.scalars(sa.select(Ticket)).one()
    assert ticket.subject == "Insentif gelombang 8 belum masuk"
    assert [m.source_id for m in ticket.messages] == ["<rina-001@mail.example.com>", "<rina-002@mail.example.com>"]
    assert ticket.contact.display_name == "Rina Kartika"


def test_importing_the_same_files_twice_adds_nothing(sessionmaker, session):
    paths = [FIXTURES / "complaint.eml", FIXTURES / "mixed.mbox", FIXTURES / "comments.jsonl"]
    first = run(sessionmaker, *paths)
    tickets = session.scalar(sa.select(sa.func.count()).select_from(Ticket))
    messages = session.scalar(sa.select(sa.func.count()).select_from(Message))
    second = run(sessionmaker, *paths)
    assert second.new_tickets == 0 and second.threaded == 0
    assert second.duplicates == first.new_tickets + first.threaded
    assert session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == tickets
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == messages


def test_unparseable_eml_is_quarantined_with_reason(sessionmaker, session):
    summary = run(sessionmaker, FIXTURES / "broken.eml", FIXTURES / "complaint.eml")
    assert summary.quarantined == 1 and summary.new_tickets == 1
    row = session.scalars(sa.select(QuarantinedInput)).one()
    assert row.reason == "unparseable email: no email headers found"
    assert row.source_ref.endswith("broken.eml")
    assert "not an email" in row.payload


def test_mbox_with_one_corrupt_message_imports_the_others(sessionmaker, session):
    summary = run(sessionmaker, FIXTURES / "mixed.mbox")
    assert (summary.read, summary.new_tickets, summary.quarantined) == (3, 2, 1)
    ref, reason = summary.quarantine_reasons[0]
    assert reason == "unparseable email: no sender address in From header"
    assert ref.endswith("mixed.mbox#1")


def test_html_only_cp1252_email_becomes_clean_text(sessionmaker, session):
    run(sessionmaker, FIXTURES / "html_cp1252.eml")
    message = session.scalars(sa.select(Message)).one()
    assert "Saldo pelatihan saya masih sisa Rp 250.000 – pembelian" in message.text
    assert "Café internet" in message.text
    assert "alert" not in message.text and "color: red" not in message.text
    assert message.subject == "Saldo pelatihan tidak bisa dipakai"
    assert message.author_name == "José Purba"


def test_maildir_folder_is_read(sessionmaker, session, tmp_path):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name in ("complaint.eml", "reply.eml", "broken.eml"):
        box.add((FIXTURES / name).read_bytes())
    summary = run(sessionmaker, tmp_path / "Maildir")
    assert (summary.read, summary.new_tickets, summary.threaded, summary.quarantined) == (3, 1, 1, 1)


def test_jsonl_good_lines_import_and_each_bad_line_is_quarantined(sessionmaker, session):
    summary = run(sessionmaker, FIXTURES / "comments.jsonl")
    assert summary.read == 10
    assert summary.new_tickets == 4 and summary.threaded == 0  # rudi.h's reply under dewi's comment is his own case
    reasons = [reason for _, reason in summary.quarantine_reasons]
    assert reasons[0].startswith("invalid JSON:")
    assert reasons[1].startswith("unknown channel 'whatsapp'")
    assert reasons[2] == "missing field 'text'"
    assert reasons[3] == "empty text"
    assert reasons[4].startswith("invalid created_at:")
    assert reasons[5] == "JSON line is not an object"
    assert session.scalar(sa.select(sa.func.count()).select_from(QuarantinedInput)) == 6
    reply = session.scalars(sa.select(Message).filter_by(source_id="ig-1002")).one()
    assert reply.ticket.contact.handle == "rudi.h" and reply.meta["context"] == {"channel": "instagram", "source_id": "ig-1001"}


def test_jsonl_without_source_id_gets_a_stable_hash(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"channel": "email", "author": "a@example.com", "text": "hai", "created_at": "2026-11-01T00:00:00Z"}\n')
    first = list(read_path(path))[0]
    second = list(read_path(path))[0]
    assert isinstance(first, InboundRecord) and first.source_id == second.source_id
    assert first.source_id.startswith("sha256:")


def test_jsonl_comment_url_is_the_link_to_answer_it_at(tmp_path):
    path = tmp_path / "x.jsonl"
    rows = [
        '{"channel": "instagram", "author": "ani", "text": "min?", "created_at": "2026-11-01T00:00:00Z", "url": "https://www.instagram.com/p/X/c/1/"}',
        '{"channel": "instagram", "author": "budi", "text": "min!", "created_at": "2026-11-01T00:00:00Z", "url": "javascript:alert(1)"}',
        '{"channel": "instagram", "author": "cici", "text": "min.", "created_at": "2026-11-01T00:00:00Z", "url": 7}',
    ]
    path.write_text("\n".join(rows) + "\n")
    linked, unsafe, broken = list(read_path(path))
    assert linked.raw_ref == "https://www.instagram.com/p/X/c/1/"
    assert unsafe.raw_ref == f"{path}:2"  # only an https address becomes the link
    assert isinstance(broken, Rejected) and "url" in broken.reason


def test_unknown_file_type_and_missing_path_are_reported(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    items = list(read_path(tmp_path / "notes.txt")) + list(read_path(tmp_path / "nope"))
    assert all(isinstance(i, Rejected) for i in items)
    assert items[0].reason.startswith("unsupported file type .txt")
    assert items[1].reason == "no such file or folder"


def test_run_is_recorded_with_counts(sessionmaker, session):
    run(sessionmaker, FIXTURES / "comments.jsonl")
    rec = session.scalars(sa.select(IngestRun)).one()
    assert rec.status == "ok" and rec.finished_at is not None
    assert (rec.fetched, rec.new_tickets, rec.threaded, rec.quarantined) == (10, 4, 0, 6)


def test_source_failing_mid_run_keeps_committed_batches_and_records_failure(sessionmaker, session):
    good = list(read_path(FIXTURES / "comments.jsonl"))[:4]

    def dying_source():
        yield from good
        raise ConnectionError("mailbox went away")

    summary = run_ingest(sessionmaker, "flaky", dying_source(), FixedClassifier(), PipelineConfig(), batch_size=3)
    assert summary.status == "failed" and "mailbox went away" in summary.error
    # The first full batch (3 records) committed; the unfinished one rolled back whole.
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 3
    rec = session.scalars(sa.select(IngestRun)).one()
    assert rec.status == "failed" and rec.fetched == 3


def test_cli_import_prints_summary(runner, tmp_path):
    shutil.copy(FIXTURES / "mixed.mbox", tmp_path / "mixed.mbox")
    result = runner.invoke(args=["import", str(tmp_path / "mixed.mbox"), str(FIXTURES / "comments.jsonl")])
    assert result.exit_code == 0, result.output
    assert "read:        13" in result.output
    assert "quarantined: 7" in result.output
    assert "no sender address in From header" in result.output
    again = runner.invoke(args=["import", str(tmp_path / "mixed.mbox")])
    assert "duplicates:  2" in again.output and "new tickets: 0" in again.output
