"""Comments without a usable time or author become tickets: the time is the import time (flagged),
the author an "unknown" contact of that comment alone. Through instaloader and through export files."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from builders import FixedClassifier
from instagram_fake import BASE_TS, PROFILE, FakeComment, FakeInstagram, FakePost, run
from triage.ingest.files import read_path
from triage.ingest.instagram_comments import PostRef, comment_record
from triage.records import InboundRecord
from triage.ingest.runner import run_ingest
from triage.models import Contact, Message
from triage.pipeline import PipelineConfig

ID = 18_900_000_000_000_000
BAD_TIMES = {1: "kemarin sore", 2: None, 3: -5, 4: 10**15, 5: float("nan"), 6: "2026-13-45", 7: [], 8: True, 9: 1_000_000_000}
GOOD_TIMES = {20: str(BASE_TS + 20), 21: "2026-11-27T10:00:21+00:00", 22: "2026-11-27T10:00:22Z"}


def message(session, cid: int) -> Message:
    return session.scalars(sa.select(Message).filter_by(source_id=str(cid))).one()


def assert_flagged_with_import_time(m: Message, before: datetime) -> None:
    sent = m.sent_at if m.sent_at.tzinfo else m.sent_at.replace(tzinfo=timezone.utc)
    assert before - timedelta(seconds=1) <= sent <= datetime.now(timezone.utc) + timedelta(seconds=1)
    assert m.meta["date_missing"] is True and m.meta["date_unparsed"]


def test_comment_times_that_cannot_be_read_become_the_import_time_flagged():
    post = PostRef(PROFILE, "DCHYdzCIT4B")
    before = datetime.now(timezone.utc)
    for value in BAD_TIMES.values():
        got = comment_record(comment_id=ID, created_at=value, text="insentif?", username="sari", full_name=None,
                             post=post, parent_id=None, root_id=None, own_accounts=(), raw={})
        assert isinstance(got, InboundRecord), (value, got)
        assert got.sent_at >= before and got.meta["date_missing"] is True, value
    missing = comment_record(comment_id=ID, created_at=None, text="x", username="sari", full_name=None,
                             post=post, parent_id=None, root_id=None, own_accounts=(), raw={})
    assert missing.meta["date_unparsed"] == "missing time"
    for value in GOOD_TIMES.values():
        got = comment_record(comment_id=ID, created_at=value, text="x", username="sari", full_name=None,
                             post=post, parent_id=None, root_id=None, own_accounts=(), raw={})
        assert got.sent_at.year == 2026 and "date_missing" not in got.meta, value


def test_live_comments_without_time_or_author_become_tickets_of_their_own(sessionmaker, session, ig_settings):
    comments = [
        FakeComment(ID + 1, "waktu_aneh", "insentif belum masuk", "kemarin sore"),
        FakeComment(ID + 2, "waktu_null", "saldo pelatihan sisa", None),
        FakeComment(ID + 3, "tanpa_waktu", "sertifikat belum terbit", drop=("created_at",)),
        FakeComment(ID + 4, "", "insentif belum masuk min"),
        FakeComment(ID + 5, "", "insentif belum masuk min"),
        FakeComment(ID + 6, None, "insentif belum masuk juga"),
        FakeComment(ID + 7, "tanpa_pemilik", "insentif belum masuk", drop=("owner",)),
        FakeComment(ID + 8, "", "sama", BASE_TS + 8, replies=[FakeComment(ID + 9, "", "sama juga", BASE_TS + 9)]),
        FakeComment(ID + 10, "negatif", "saldo sisa", -5),
        FakeComment(ID + 11, "raksasa", "saldo sisa", 10**15),
        FakeComment(ID + 12, "teks_angka", "saldo sisa", str(BASE_TS + 12)),
    ]
    before = datetime.now(timezone.utc)
    summary, _, _ = run(sessionmaker, ig_settings, FakeInstagram(PROFILE, [FakePost(3_400_000_000_000_009_300, BASE_TS, comments)]))
    assert summary.status == "ok" and summary.quarantined == 0, summary.quarantine_reasons
    assert summary.read == 12
    assert message(session, ID + 12).sent_at.replace(tzinfo=None) == datetime(2026, 11, 26, 8, 0, 12)
    for cid in (ID + 1, ID + 2, ID + 3, ID + 10, ID + 11):
        assert_flagged_with_import_time(message(session, cid), before)
    assert message(session, ID + 1).meta["date_unparsed"] == "invalid time 'kemarin sore'"
    assert message(session, ID + 1).author == "waktu_aneh"
    anonymous = [message(session, ID + k) for k in (4, 5, 6, 7, 8, 9)]
    assert [m.author for m in anonymous] == [f"unknown-{ID + k}" for k in (4, 5, 6, 7, 8, 9)]
    assert all(m.meta["author_unknown"] for m in anonymous)
    # Each anonymous comment is a person of its own: never one contact, never one ticket by contact.
    contacts = session.scalars(sa.select(Contact).where(Contact.handle.like("unknown-%"))).all()
    assert len(contacts) == 6 and all(c.display_name is None for c in contacts)
    assert message(session, ID + 4).ticket_id != message(session, ID + 5).ticket_id


def write_export(folder: Path, comments: list) -> Path:
    profile = folder / PROFILE
    profile.mkdir(parents=True)
    (profile / "2026-11-27_10-00-00_UTC_comments.json").write_text(json.dumps(comments), encoding="utf-8")
    return profile


def test_export_comments_without_time_or_author_become_tickets_of_their_own(tmp_path, sessionmaker, session):
    owner = lambda name: {"id": "1", "username": name, "full_name": ""}
    comments = [
        {"id": ID + 10 + k, "created_at": value, "text": f"insentif belum masuk {k}", "owner": owner(f"waktu{k}"), "answers": []}
        for k, value in BAD_TIMES.items()
    ]
    comments += [
        {"id": ID + 30 + k, "created_at": value, "text": "saldo sisa", "owner": owner(f"baik{k}"), "answers": []}
        for k, value in GOOD_TIMES.items()
    ]
    comments.append({"id": ID + 40, "text": "tanpa created_at", "owner": owner("hilang")})
    anonymous_owners = {41: owner(""), 42: owner(None), 43: {}, 44: None, 45: "bukan objek", 46: owner("   ")}
    comments += [
        {"id": ID + k, "created_at": BASE_TS + k, "text": "insentif belum masuk", "owner": o, "answers": []}
        for k, o in anonymous_owners.items()
    ]
    comments.append({"id": ID + 47, "created_at": BASE_TS, "text": "sertifikat belum terbit",
                     "answers": [{"id": ID + 48, "created_at": BASE_TS + 1, "text": "sama", "owner": owner("")}]})
    before = datetime.now(timezone.utc)
    items = list(read_path(write_export(tmp_path, comments)))
    summary = run_ingest(sessionmaker, "import", iter(items), FixedClassifier(), PipelineConfig(), batch_size=7)
    assert summary.status == "ok" and summary.quarantined == 0, summary.quarantine_reasons
    assert summary.read == len(BAD_TIMES) + len(GOOD_TIMES) + 1 + len(anonymous_owners) + 2
    for k in BAD_TIMES:
        assert_flagged_with_import_time(message(session, ID + 10 + k), before)
    assert_flagged_with_import_time(message(session, ID + 40), before)
    for k in GOOD_TIMES:
        assert message(session, ID + 30 + k).sent_at.replace(tzinfo=None) >= datetime(2026, 11, 26)
    handles = [message(session, ID + k).author for k in [*anonymous_owners, 47, 48]]
    assert handles == [f"unknown-{ID + k}" for k in [*anonymous_owners, 47, 48]]
    assert session.scalar(sa.select(sa.func.count()).select_from(Contact).where(Contact.handle.like("unknown-%"))) == 8
    # A rerun adds nothing: the anonymous comment's contact is keyed by its own comment id.
    again = run_ingest(sessionmaker, "import", read_path(tmp_path / PROFILE), FixedClassifier(), PipelineConfig())
    assert again.duplicates == summary.read and again.new_tickets == 0


def test_cli_from_dir_makes_tickets_of_comments_without_time_or_author(runner, app, tmp_path):
    comments = [
        {"id": ID + 60, "created_at": "kemarin", "text": "insentif belum masuk", "owner": {"username": "dewi"}},
        {"id": ID + 61, "created_at": BASE_TS, "text": "saldo sisa", "owner": {"username": ""}},
        {"id": ID + 62, "created_at": BASE_TS, "text": "saldo sisa", "owner": {"username": ""}},
    ]
    result = runner.invoke(args=["ingest", "instagram", "--from-dir", str(write_export(tmp_path, comments))])
    assert result.exit_code == 0, result.output
    assert "read:        3" in result.output and "quarantined: 0" in result.output
    with app.app_context():
        from triage.db import get_session

        handles = get_session().scalars(sa.select(Contact.handle).order_by(Contact.handle)).all()
    assert handles == ["dewi", f"unknown-{ID + 61}", f"unknown-{ID + 62}"]
