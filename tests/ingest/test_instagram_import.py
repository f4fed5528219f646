"""Offline import of `instaloader --comments` exports, and the `triage ingest instagram` command."""
from __future__ import annotations

import json
import lzma
import shutil
import time
from pathlib import Path

import sqlalchemy as sa

from builders import FixedClassifier
from instagram_fake import BASE_TS, PROFILE, FakeComment, FakeInstagram, FakePost, count, run
from triage.ingest.files import read_path
from triage.ingest.instagram_export import post_shortcode
from triage.records import InboundRecord, Rejected
from triage.ingest.runner import run_ingest
from triage.models import IngestRun, Message, QuarantinedInput, Ticket
from triage.pipeline import PipelineConfig

EXPORT = Path(__file__).resolve().parent.parent / "fixtures" / "instagram" / "export"


def import_paths(sessionmaker, *paths: Path, own=()):
    items = (item for p in paths for item in read_path(p, own))
    return run_ingest(sessionmaker, "import", items, FixedClassifier(), PipelineConfig(), batch_size=10)


def test_export_folder_imports_comments_and_replies_once(sessionmaker, session):
    first = import_paths(sessionmaker, EXPORT)
    # Only the *_comments.json files are read; the metadata .json beside them is not an input.
    assert first.status == "ok" and first.read == 37 and first.quarantined == 0
    assert first.outbound == 2
    reply = session.scalars(sa.select(Message).filter_by(source_id="18046587213054400")).one()
    assert reply.in_reply_to == "18046587213054321" and reply.meta["post_shortcode"] == "DCHYdzCIT4B"
    assert reply.meta["post_url"] == "https://www.instagram.com/p/DCHYdzCIT4B/"
    # rudi.h's reply under dewi_ayu23's comment is his own case, with her comment as its context
    assert reply.ticket.contact.handle == "rudi.h" and reply.meta["context"]["source_id"] == "18046587213054321"
    second = import_paths(sessionmaker, EXPORT)
    assert second.duplicates == 37 and second.new_tickets == second.threaded == second.outbound == 0
    assert count(session, Message) == 37


def test_import_after_the_live_source_adds_nothing(sessionmaker, session, ig_settings):
    """The live source and the export use the same comment ids."""
    # The same comment as in the export, text and all (other text under its id would be an edit).
    text = "min insentif gel 9 blm masuk2 udh 2 bulan \U0001F62D"
    post = FakePost(3496871236454137345, BASE_TS, [FakeComment(18046587213054321, "dewi_ayu23", text)])
    run(sessionmaker, ig_settings, FakeInstagram(PROFILE, [post]))
    summary = import_paths(sessionmaker, EXPORT)
    assert summary.duplicates == 1 and count(session, Message) == 37


def test_shortcode_from_xz_metadata_else_from_the_file_name(tmp_path):
    folder = tmp_path / PROFILE
    folder.mkdir()
    with lzma.open(folder / "2026-11-20_08-00-00_UTC.json.xz", "wt") as fh:
        json.dump({"node": {"shortcode": "DCxzMeta01"}, "instaloader": {"node_type": "Post"}}, fh)
    (folder / "2026-11-20_08-00-00_UTC_comments.json").write_text("[]")
    (folder / "DCnoMeta02_comments.json").write_text("[]")
    assert post_shortcode(folder / "2026-11-20_08-00-00_UTC_comments.json") == "DCxzMeta01"
    assert post_shortcode(folder / "DCnoMeta02_comments.json") == "DCnoMeta02"


def test_hostile_export_files_are_quarantined_not_fatal(sessionmaker, session, tmp_path):
    folder = tmp_path / PROFILE
    folder.mkdir()
    (folder / "a_comments.json").write_text("[{broken")
    (folder / "b_comments.json").write_text('{"not": "a list"}')
    nested: dict = {"id": 1, "created_at": BASE_TS, "text": "insentif belum masuk", "owner": {"username": "akar"}}
    node = nested
    for depth in range(2, 202):  # 200 levels of answers to answers
        child = {"id": depth, "created_at": BASE_TS + depth, "text": "sama", "owner": {"username": f"u{depth}"}}
        node["answers"] = [child]
        node = child
    (folder / "c_comments.json").write_text(json.dumps([nested, "just a string", {"id": "x1", "text": "hai"}]))
    (folder / "d_comments.json").write_text("[" * 200_000 + "]" * 200_000)
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    summary = import_paths(sessionmaker, folder)
    assert summary.status == "ok"
    reasons = sorted(reason for _, reason in summary.quarantine_reasons)
    assert reasons[0].startswith("comment is not an object")
    assert reasons[1] == "comments file is not a list of comments"
    assert reasons[2].startswith("invalid comment id 'x1'")
    assert reasons[3].startswith("unreadable comments file: JSONDecodeError")
    assert reasons[4] == "unreadable comments file: nested too deeply to read"
    # 201 people, each answering the one before: 201 tickets of one message each
    assert {t.message_count for t in session.scalars(sa.select(Ticket))} == {1} and count(session, Ticket) == 201
    deepest = session.scalars(sa.select(Message).filter_by(source_id="201")).one()
    assert deepest.in_reply_to == "200" and deepest.thread_refs == ["1"]
    assert deepest.meta["context"] == {"channel": "instagram", "source_id": "200"}


def test_profile_owner_in_the_export_is_outbound(tmp_path):
    folder = tmp_path / "Prakerja.Go.Id"
    folder.mkdir()
    (folder / "p_comments.json").write_text(json.dumps([
        {"id": 5, "created_at": BASE_TS, "text": "halo", "owner": {"username": "Prakerja.Go.Id"}},
        {"id": 6, "created_at": BASE_TS, "text": "halo", "owner": {"username": "prakerja.ops"}},
        {"id": 7, "created_at": BASE_TS, "text": "halo", "owner": {"username": "budi"}},
    ]))
    items = list(read_path(folder, ("prakerja.ops",)))
    assert all(isinstance(i, InboundRecord) for i in items)
    assert [i.direction for i in items] == ["outbound", "outbound", "inbound"]


def test_cli_ingest_instagram_from_dir_and_import(runner, app, tmp_path):
    shutil.copytree(EXPORT, tmp_path / "export")
    result = runner.invoke(args=["ingest", "instagram", "--from-dir", str(tmp_path / "export")])
    assert result.exit_code == 0, result.output
    assert "read:        37" in result.output and "our replies: 2" in result.output
    again = runner.invoke(args=["import", str(tmp_path / "export")])
    assert again.exit_code == 0 and "duplicates:  37" in again.output
    usage = runner.invoke(args=["ingest", "instagram"])
    assert usage.exit_code != 0 and "exactly one of --once or --from-dir" in usage.output


def test_cli_ingest_instagram_once_records_a_stopped_run(runner, app, tmp_path):
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        instagram_profiles=(PROFILE,), instagram_own_account="prakerja.ops",
        instagram_session_file=tmp_path / "missing-session")
    result = runner.invoke(args=["ingest", "instagram", "--once"])
    assert result.exit_code == 1
    assert "no Instagram session file" in result.output
    with app.app_context():
        from triage.db import get_session

        run_row = get_session().scalars(sa.select(IngestRun)).one()
        assert run_row.source == "instagram" and run_row.status == "stopped"
        assert "instaloader --login prakerja.ops" in run_row.error
        assert get_session().scalar(sa.select(sa.func.count()).select_from(QuarantinedInput)) == 0


def test_unrelated_json_is_still_unsupported(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    (item,) = read_path(tmp_path / "x.json")
    assert isinstance(item, Rejected) and "*_comments.json" in item.reason


def test_cli_ingest_instagram_once_beside_a_held_lease_says_who_and_until_when_and_fails(runner, app, sessionmaker, tmp_path):
    """A lease row as a scheduler killed mid-run leaves it: `--once` does nothing, says why, exits 75."""
    from datetime import timedelta

    from triage.cli.scheduler import LEASE_HELD_EXIT
    from triage.models import Lease, utcnow

    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(
        instagram_profiles=(PROFILE,), instagram_own_account="prakerja.ops",
        instagram_session_file=tmp_path / "missing-session")
    holder = "ops-host-2:48213:9f3a1c/instagram"
    expires = utcnow() + timedelta(seconds=2)
    with sessionmaker() as s:
        s.add(Lease(name="instagram", holder=holder, expires_at=expires, acquired_at=utcnow() - timedelta(minutes=3)))
        s.commit()
    skipped = runner.invoke(args=["ingest", "instagram", "--once"])
    assert skipped.exit_code == LEASE_HELD_EXIT, skipped.output
    assert f"held by {holder} until {expires:%Y-%m-%d %H:%M:%S} UTC (in " in skipped.output, skipped.output
    with sessionmaker() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(IngestRun)) == 0
    time.sleep(max(0.0, (expires - utcnow()).total_seconds()) + 0.2)
    ran = runner.invoke(args=["ingest", "instagram", "--once"])
    assert ran.exit_code == 1 and "no Instagram session file" in ran.output, ran.output  # it ran: the session is missing
    with sessionmaker() as s:
        assert s.get(Lease, "instagram").holder is None  # taken, then released after the run
