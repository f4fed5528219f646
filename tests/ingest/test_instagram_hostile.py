"""Hostile comments through the live source: each is stored, deduplicated or quarantined; none stops the run."""
from __future__ import annotations

import sqlalchemy as sa

from instagram_fake import BASE_TS, PROFILE, FakeComment, FakeInstagram, FakePost, count, run
from triage.models import Contact, IngestCursor, Message, QuarantinedInput, Ticket
from triage.classifier.text import classification_text

HUGE_ID = 2**70 + 12345


def hostile_post() -> FakePost:
    c = lambda i, user, text, **kw: FakeComment(18_600_000_000_000_000 + i, user, text, BASE_TS + i, **kw)
    comments = [
        c(1, "panjang", "insentif belum masuk " + "x" * 30_000),
        c(2, "rtl", "ins\u200bentif\u200d saya \u202ebelum masuk\u202c min"),
        c(3, "emoji", "😭😭😭🙏"),
        c(4, "kosong", ""),
        c(5, "dobel", "saldo pelatihan sisa"),
        c(5, "dobel", "saldo pelatihan sisa (again)"),
        FakeComment(HUGE_ID, "bigid", "sertifikat belum terbit", BASE_TS + 7),
        FakeComment(18_600_000_000_000_008, "waktu_aneh", "insentif?", "kemarin sore"),
        FakeComment(18_600_000_000_000_009, "waktu_null", "insentif?", None),
        FakeComment(18_600_000_000_000_010, "masa_depan", "insentif belum masuk", BASE_TS + 10 * 86400 * 365),
        c(11, "<script>alert(1)</script>", "<b>saldo</b> <img src=x onerror=alert(1)>"),
        c(12, "ramai", "insentif gelombang 9 belum masuk",
          replies=[FakeComment(18_610_000_000_000_000 + k, f"ikut{k}", "sama min", BASE_TS + 100 + k) for k in range(500)]),
        c(13, "rantai", "sertifikat belum terbit min",
          replies=[FakeComment(18_620_000_000_000_000 + k, f"balas{k % 3}", "@balas" + str((k - 1) % 3) + " aku juga", BASE_TS + 200 + k)
                   for k in range(40)]),
    ]
    return FakePost(3_400_000_000_000_009_000, BASE_TS - 60, comments)


def test_hostile_comments_are_stored_deduplicated_or_quarantined(sessionmaker, session, ig_settings):
    fake = FakeInstagram(PROFILE, [hostile_post()])
    summary, _, _ = run(sessionmaker, ig_settings, fake)
    assert summary.status == "ok", summary.error
    reasons = sorted(reason for _, reason in summary.quarantine_reasons)
    assert reasons == ["empty text"]  # a comment without a readable time is a ticket at the import time
    assert summary.duplicates == 0  # the id listed twice with other text is an edit (tests/test_revisions.py)
    by_id = lambda i: session.scalars(sa.select(Message).filter_by(source_id=str(i))).one()

    long = by_id(18_600_000_000_000_001)
    assert len(long.text) == 30_021  # stored whole (below TRIAGE_MAX_MESSAGE_CHARS)
    rtl = by_id(18_600_000_000_000_002)
    assert "\u202e" in rtl.text and rtl.label == "missing_incentive"  # kept as written, classified without
    assert by_id(18_600_000_000_000_003).ticket.status == "noise"
    first = by_id(18_600_000_000_000_005)
    assert first.text == "saldo pelatihan sisa"  # the first of the two; the second is its edit
    [edit] = [m for m in first.ticket.messages if m.meta.get("revision") == "edit"]
    assert edit.text == "saldo pelatihan sisa (again)" and edit.source_id.startswith("18600000000000005#rev-")
    assert by_id(HUGE_ID).source_id == str(2**70 + 12345) == "1180591620717411315769"
    future = by_id(18_600_000_000_000_010)
    assert "claimed_sent_at" in future.meta and future.sent_at.year < 2030
    markup = by_id(18_600_000_000_000_011)
    assert markup.author == "<script>alert(1)</script>" and markup.text.startswith("<b>saldo</b>")

    # 500 people under one comment: 500 tickets of their own (one person, one ticket)
    crowd = by_id(18_600_000_000_000_012).ticket
    assert crowd.message_count == 1 and fake.calls["child_comments"] == 2
    assert count(session, Ticket, Ticket.contact.has(Contact.handle.like("ikut%"))) == 500
    chain = by_id(18_600_000_000_000_013).ticket
    assert chain.message_count == 1
    answers = [by_id(18_620_000_000_000_000 + k) for k in range(40)]
    assert all(len({m.author for m in a.ticket.messages}) == 1 for a in answers)
    for cid, unparsed in [(18_600_000_000_000_008, "invalid time 'kemarin sore'"), (18_600_000_000_000_009, "missing time")]:
        flagged = by_id(cid)
        assert (flagged.text, flagged.meta["date_missing"], flagged.meta["date_unparsed"]) == ("insentif?", True, unparsed)


def test_malformed_reply_and_missing_time_on_the_graphql_path(sessionmaker, session, ig_settings):
    comments = [
        FakeComment(18_700_000_000_000_001, "tanpa_waktu", "insentif belum masuk", drop=("created_at",)),
        FakeComment(18_700_000_000_000_002, "ibu", "saldo sisa min", BASE_TS + 5,
                    replies=[FakeComment(18_700_000_000_000_003, "anak", "sama", BASE_TS + 6),
                             FakeComment(18_700_000_000_000_004, "rusak", "tanpa waktu", BASE_TS + 7, drop=("created_at",))]),
        FakeComment(18_700_000_000_000_005, "normal", "sertifikat belum terbit", BASE_TS + 8),
    ]
    summary, _, _ = run(sessionmaker, ig_settings, FakeInstagram(PROFILE, [FakePost(3_400_000_000_000_009_100, BASE_TS, comments)]))
    assert summary.status == "ok"
    reasons = [reason for _, reason in summary.quarantine_reasons]
    # instaloader builds a reply eagerly, so one without a time stops its replies inside instaloader.
    assert reasons == ["replies unreadable after 1: KeyError: 'created_at'"]
    assert {m.source_id for m in session.scalars(sa.select(Message))} == {
        "18700000000000001", "18700000000000002", "18700000000000003", "18700000000000005"}
    untimed = session.scalars(sa.select(Message).filter_by(source_id="18700000000000001")).one()
    assert untimed.meta["date_missing"] and untimed.meta["date_unparsed"] == "missing time"
    kept = session.scalars(sa.select(QuarantinedInput).where(QuarantinedInput.reason.like("replies%"))).one()
    assert "tanpa waktu" in kept.payload  # the unreadable reply is kept for review


def test_instaloader_stopping_inside_a_post_is_quarantined_and_the_run_goes_on(sessionmaker, session, ig_settings):
    bad = [FakeComment(18_800_000_000_000_000 + i, f"u{i}", "insentif belum masuk", BASE_TS + i) for i in range(15)]
    bad[7].drop = ("created_at",)  # the iPhone API path reads it while paging, inside instaloader
    later = FakePost(3_400_000_000_000_009_201, BASE_TS - 7200,
                     [FakeComment(18_800_000_000_001_000, "lain", "saldo sisa", BASE_TS)])
    fake = FakeInstagram(PROFILE, [FakePost(3_400_000_000_000_009_200, BASE_TS, bad), later])
    summary, _, _ = run(sessionmaker, ig_settings, fake)
    assert summary.status == "ok" and summary.read == 7 + 1 + 1
    (_, reason), = summary.quarantine_reasons
    assert reason.startswith("instaloader stopped reading the comments of post") and "after 7 comments" in reason
    cursor = session.scalars(sa.select(IngestCursor).where(IngestCursor.source.like("%:post:" + fake.posts[0].shortcode))).one()
    assert cursor.position["incomplete"] == reason and cursor.position["comment_count"] == 15


def test_classification_text_hides_invisible_characters_only():
    assert classification_text(None, "ins\u200bentif \u202ebelum\u202c\ufeff") == "insentif belum"
    assert classification_text(None, "😭 saldo") == "😭 saldo"
