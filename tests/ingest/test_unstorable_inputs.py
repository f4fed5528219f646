"""Imports whose inputs carry characters no database stores (lone UTF-16 surrogates, NUL):
every input is stored or quarantined, the run succeeds, and a replay adds no quarantine rows."""
from __future__ import annotations

import json
import os
from pathlib import Path

import sqlalchemy as sa

from builders import FixedClassifier
from instagram_fake import BASE_TS, PROFILE
from triage.ingest.files import read_path
from triage.ingest.runner import run_ingest
from triage.models import IngestRun, Message, QuarantinedInput
from triage.pipeline import PipelineConfig

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def import_paths(sessionmaker, *paths: Path, batch_size: int = 3):
    items = (item for p in paths for item in read_path(p))
    return run_ingest(sessionmaker, "import", items, FixedClassifier(), PipelineConfig(), batch_size=batch_size)


def comments_export(tmp_path: Path) -> Path:
    """An instaloader export with lone surrogates and NULs written as JSON escapes, as instaloader can."""
    folder = tmp_path / PROFILE
    folder.mkdir()
    c = lambda i, user, text, **kw: {"id": 18_900_000_000_000_000 + i, "created_at": BASE_TS + i, "text": text,
                                     "owner": {"username": user, **kw}, "answers": []}
    comments = [
        c(1, "dewi", "insentif belum masuk \\ud83d", full_name="Dewi \\ud83d\\u0000Ayu"),
        c(2, "rudi\\u0000\\udce9", "saldo pelatihan sisa \\u0000 300rb"),
        c(3, "sari", "sertifikat \\ude00 belum terbit \\ud83d\\ude00"),
        c(4, "\\ud83d", "insentif gelombang 9?"),
        c(5, "budi", "rekening BNI tidak aktif"),
    ]
    comments[0]["answers"] = [c(6, "ani\\ud83d", "sama \\ud83d min")]
    comments.append({"id": "x\\ud83d", "created_at": BASE_TS, "text": "id rusak \\ud83d \\u0000", "owner": {"username": "z"}})
    # json.dumps would escape the backslashes: write the escapes themselves, as they appear in an export.
    text = json.dumps(comments).replace("\\\\u", "\\u")
    (folder / "DCbadUnicode_comments.json").write_text(text)
    return folder


def test_instagram_export_with_lone_surrogates_and_nul_imports_every_comment(runner, app, tmp_path):
    folder = comments_export(tmp_path)
    result = runner.invoke(args=["ingest", "instagram", "--from-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "read:        7" in result.output and "quarantined: 1" in result.output
    assert "invalid comment id 'x\\ud83d'" in result.output
    with app.app_context():
        from triage.db import get_session

        session = get_session()
        run = session.scalars(sa.select(IngestRun)).one()
        assert run.status == "ok" and (run.new_tickets, run.threaded, run.quarantined) == (6, 0, 1)
        by_id = {m.source_id[-1]: m for m in session.scalars(sa.select(Message))}
        assert by_id["1"].text == "insentif belum masuk \ufffd" and by_id["1"].author_name == "Dewi \ufffdAyu"
        assert by_id["1"].meta["unstorable_characters"]["surrogates_replaced"] == ["author_name", "text"]
        assert by_id["2"].author == "rudi\ufffd" and by_id["2"].text == "saldo pelatihan sisa  300rb"
        assert by_id["2"].meta["unstorable_characters"] == {"nul_removed": ["author", "text"], "surrogates_replaced": ["author"]}
        assert by_id["3"].text == "sertifikat \ufffd belum terbit 😀"
        assert by_id["4"].author == "\ufffd"
        # Ani's "me too" under Dewi's comment is Ani's own ticket, with Dewi's comment as its context.
        assert by_id["6"].ticket_id != by_id["1"].ticket_id and by_id["6"].author == "ani\ufffd"
        assert by_id["6"].meta["context"]["source_id"] == by_id["1"].source_id
        row = session.scalars(sa.select(QuarantinedInput)).one()
        assert row.reason == "invalid comment id 'x\\ud83d'" and "id rusak \ufffd " in row.payload
        assert row.seen_count == 1

    again = runner.invoke(args=["ingest", "instagram", "--from-dir", str(folder)])
    assert again.exit_code == 0 and "duplicates:  6" in again.output and "quarantined: 1" in again.output
    with app.app_context():
        session = get_session()
        assert session.scalars(sa.select(QuarantinedInput.seen_count)).all() == [2]
        assert count(session, Message) == 6


def test_jsonl_with_lone_surrogates_and_nul_in_every_field(sessionmaker, session, tmp_path):
    lines = [
        '{"channel": "email", "author": "a\\ud83d@example.com", "text": "insentif \\ud83d belum \\u0000 masuk",'
        ' "subject": "Insentif\\u0000 \\udce9", "source_id": "<j1\\ud83d@x>", "created_at": "2026-11-20T08:00:00Z"}',
        '{"channel": "email", "author": "a\\ud83d@example.com", "text": "masih belum min",'
        ' "in_reply_to": "<j1\\ud83d@x>", "source_id": "<j2@x>", "created_at": "2026-11-20T09:00:00Z"}',
        '{"channel": "instagram", "author": "\\u0000", "text": "saldo sisa", "created_at": "2026-11-20T08:00:00Z"}',
        '{"channel": "email\\ud83d", "author": "b@example.com", "text": "x", "created_at": "2026-11-20T08:00:00Z"}',
        '{"channel": "email", "author": "c@example.com", "created_at": "2026-11-20T08:00:00Z", "note": "\\ud83d\\u0000"}',
        '{"channel": "email", "author": "d@example.com", "text": "sertifikat belum terbit", "created_at": "2026-11-20T10:00:00Z"}',
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n")
    first = import_paths(sessionmaker, path)
    assert first.status == "ok", first.error
    assert (first.new_tickets, first.threaded, first.quarantined) == (2, 1, 3)
    j1 = session.scalars(sa.select(Message).where(Message.source_id.like("<j1%"))).one()
    assert j1.text == "insentif \ufffd belum  masuk" and j1.subject == "Insentif \ufffd" and j1.author == "a\ufffd@example.com"
    j2 = session.scalars(sa.select(Message).filter_by(source_id="<j2@x>")).one()
    assert j2.ticket_id == j1.ticket_id and j2.in_reply_to == j1.source_id
    reasons = sorted(r.reason for r in session.scalars(sa.select(QuarantinedInput)))
    assert reasons == ["missing author", "missing field 'text'", "unknown channel 'email\ufffd' (expected one of email, instagram)"]
    missing = session.scalars(sa.select(QuarantinedInput).filter_by(reason="missing field 'text'")).one()
    assert '"note": "\ufffd\\u0000"' in missing.payload  # the NUL written as JSON's escape: storable text

    second = import_paths(sessionmaker, path)
    assert second.status == "ok" and second.quarantined == 3 and second.duplicates == 3
    assert sorted(session.scalars(sa.select(QuarantinedInput.seen_count))) == [2, 2, 2]
    assert [r.quarantined for r in session.scalars(sa.select(IngestRun).order_by(IngestRun.id))] == [3, 3]


def test_mail_files_whose_names_or_contents_hold_unstorable_characters_import(sessionmaker, session, tmp_path):
    """An mbox named with a byte that is not UTF-8 (every ref holds a lone surrogate), a UTF-7
    mail (whose "+2D0-" is half an emoji when decoded as UTF-7) and NULs in headers and body."""
    utf7 = (
        b"From: =?utf-7?Q?Bu+2D0-di?= <budi@example.com>\r\nSubject: =?utf-7?Q?Insentif_+2D0-belum?=\r\n"
        b"Message-ID: <utf7@x>\r\nDate: Mon, 23 Nov 2026 09:12:00 +0700\r\n"
        b"Content-Type: text/plain; charset=utf-7\r\n\r\nInsentif belum masuk +2D0- x\r\n"
    )
    nul = (
        b"From: Sari <sari@example.com>\r\nSubject: Saldo\x00 sisa\r\nMessage-ID: <nul@x>\r\n"
        b"Date: Mon, 23 Nov 2026 10:00:00 +0700\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Saldo pelatihan \x00\x00 masih sisa\r\n"
    )
    separator = b"From MAILER-DAEMON Thu Nov 26 08:00:00 2026\n"
    mbox = bytes(tmp_path) + b"/kotak\xff.mbox"
    with open(mbox, "wb") as fh:
        fh.write(separator + utf7 + b"\n" + separator + nul + b"\n" + separator + b"X-Garbage: +2D0-\n\n")
    (tmp_path / "utf7.eml").write_bytes(utf7.replace(b"<utf7@x>", b"<utf7-eml@x>"))
    summary = import_paths(sessionmaker, Path(os.fsdecode(mbox)), tmp_path / "utf7.eml", FIXTURES / "complaint.eml")
    assert summary.status == "ok", summary.error
    assert (summary.read, summary.quarantined) == (5, 1)
    by_id = {m.source_id: m for m in session.scalars(sa.select(Message))}
    assert set(by_id) == {"<utf7@x>", "<utf7-eml@x>", "<nul@x>", "<rina-001@mail.example.com>"}
    assert by_id["<utf7@x>"].raw_ref.endswith("/kotak\ufffd.mbox#0")
    replaced = by_id["<utf7@x>"].meta["unstorable_characters"]["surrogates_replaced"]
    assert {"raw_ref", "author_name", "subject", "text"} <= set(replaced)
    assert by_id["<nul@x>"].subject == "Saldo sisa" and by_id["<nul@x>"].text == "Saldo pelatihan  masih sisa"
    # UTF-7's "+2D0-" decodes to a lone surrogate: what reaches the store holds U+FFFD instead.
    assert by_id["<utf7-eml@x>"].text == "Insentif belum masuk \ufffd x"
    row = session.scalars(sa.select(QuarantinedInput)).one()
    assert row.source_ref.endswith("/kotak\ufffd.mbox#2") and row.reason.startswith("unparseable email")


def test_importing_the_same_bad_files_twice_keeps_one_row_per_bad_input(sessionmaker, session, tmp_path):
    paths = [FIXTURES / "mixed.mbox", FIXTURES / "comments.jsonl", FIXTURES / "broken.eml", comments_export(tmp_path)]
    first = import_paths(sessionmaker, *paths)
    rows = count(session, QuarantinedInput)
    assert first.quarantined == rows == 9
    second = import_paths(sessionmaker, *paths)
    assert second.quarantined == 9  # the run's own counter counts what it quarantined
    assert count(session, QuarantinedInput) == rows
    assert set(session.scalars(sa.select(QuarantinedInput.seen_count))) == {2}
    runs = session.scalars(sa.select(IngestRun.id).order_by(IngestRun.id)).all()
    assert set(session.scalars(sa.select(QuarantinedInput.run_id))) == {runs[-1]}


def test_file_names_that_are_not_utf8_import(sessionmaker, session, tmp_path):
    """Linux file names are bytes: Python hands undecodable ones over as lone surrogates."""
    folder = bytes(tmp_path) + b"/inbox"
    os.mkdir(folder)
    with open(folder + b"/komentar\xff.jsonl", "wb") as fh:
        fh.write(b'{"channel": "email", "author": "a@example.com", "text": "insentif belum", "created_at": "2026-11-20T08:00:00Z"}\n'
                 b"{broken\n")
    with open(folder + b"/surat\xfe.txt", "wb") as fh:
        fh.write(b"hello")
    summary = import_paths(sessionmaker, Path(os.fsdecode(folder)))
    assert summary.status == "ok", summary.error
    assert (summary.new_tickets, summary.quarantined) == (1, 2)
    assert session.scalars(sa.select(Message.raw_ref)).one().endswith("/inbox/komentar\ufffd.jsonl:1")
    refs = sorted(session.scalars(sa.select(QuarantinedInput.source_ref)))
    assert refs[0].endswith("/inbox/komentar\ufffd.jsonl:2") and refs[1].endswith("/inbox/surat\ufffd.txt")


def test_imap_mail_with_lone_surrogates_and_nul_is_stored_and_the_mail_behind_it_too(
    dovecot, account, mail_user, imap_options, sessionmaker, session
):
    from triage.ingest.imap.source import FolderFetch
    from triage.ingest.runner import ingest

    head = "From: {name} <{addr}>\r\nTo: bantuan@prakerja.example\r\nDate: Fri, 20 Nov 2026 08:0{n}:00 +0700\r\nMessage-ID: <{mid}>\r\n"
    utf7 = (head.format(name="=?utf-7?Q?Bu+2D0-di?=", addr="budi@example.com", n=0, mid="u7@imap").encode()
            + b"Subject: =?utf-7?Q?Insentif_+2D0-belum?=\r\nContent-Type: text/plain; charset=utf-7\r\n\r\n"
            + b"Insentif belum masuk +2D0- sudah 3 bulan\r\n")
    nul = (head.format(name="Sari", addr="sari@example.com", n=1, mid="nul@imap").encode()
           + b"Subject: Saldo\x00 sisa\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSaldo pelatihan \x00\x00 masih sisa\r\n")
    after = (head.format(name="Andi", addr="andi@example.com", n=2, mid="after@imap").encode()
             + b"Subject: Sertifikat\r\n\r\nSertifikat belum terbit.\r\n")
    dovecot.append(mail_user, utf7, nul, after)
    summary = ingest(sessionmaker, FolderFetch(account, "INBOX", imap_options), FixedClassifier(), PipelineConfig())
    assert summary.status == "ok", summary.error
    assert (summary.read, summary.new_tickets, summary.quarantined) == (3, 3, 0)
    by_id = {m.source_id: m for m in session.scalars(sa.select(Message))}
    # UTF-7's "+2D0-" decodes to a lone surrogate: what reaches the store holds U+FFFD instead.
    assert by_id["<u7@imap>"].text == "Insentif belum masuk \ufffd sudah 3 bulan"
    assert "\x00" not in by_id["<nul@imap>"].text and "Saldo pelatihan" in by_id["<nul@imap>"].text
    assert "<after@imap>" in by_id
