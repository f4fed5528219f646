"""The live Instagram source, offline: instaloader's own classes against a fake instagram.com."""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import responses
import sqlalchemy as sa

from builders import user
from instagram_fake import BASE_TS, PROFILE, SESSION_USER, FakeComment, FakeInstagram, FakePost, count, run, write_session_file
from triage import outbox, replies
from triage.classifier import load_classifier
from triage.ingest.instagram import instagram_source
from triage.ingest.runner import ingest, load_cursors
from triage.models import IngestCursor, IngestRun, Message, QuarantinedInput, Ticket
from triage.pipeline import PipelineConfig
from triage.settings import PROJECT_ROOT
from triage.queue import QueueFilters, queue_page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "instagram"


def complaint_post(pk: int, n: int, hours_ago: int = 1, first_id: int = 18_000_000_000_000_000) -> FakePost:
    texts = ["insentif gelombang 9 belum masuk min", "saldo pelatihan sisa 300rb gimana",
             "sertifikat belum terbit padahal sudah rating"]
    comments = [FakeComment(first_id + pk % 1000 * 1000 + i, f"peserta{pk % 1000}_{i}", texts[i % 3],
                            BASE_TS - hours_ago * 3600 + i * 60) for i in range(n)]
    return FakePost(pk, BASE_TS - hours_ago * 3600 - 60, comments)


def test_recorded_pages_run_through_instaloader(sessionmaker, session, ig_settings):
    """One recorded page per endpoint, served verbatim: profile, timeline, both comment paths, replies."""
    page = lambda name: (FIXTURES / name).read_text()
    media = {json.loads(page(n))["data"]["xdt_api__v1__media__shortcode__web_info"]["items"][0]["code"]: page(n)
             for n in ("media_info_graphql_post.json", "media_info_iphone_post.json")}

    def graphql_post(request):
        body = {k: v[0] for k, v in parse_qs(request.body).items()}
        if body["doc_id"] == "27937681195819736":
            return 200, {}, page("profile_info.json")
        return 200, {}, media[json.loads(body["variables"])["shortcode"]]

    with responses.RequestsMock() as rsps:
        rsps.get(f"https://www.instagram.com/{PROFILE}/", body=page("profile_page.html"))
        rsps.get("https://www.instagram.com/", body=page("start_page.html"))
        rsps.add_callback("POST", "https://www.instagram.com/graphql/query", callback=graphql_post)
        rsps.post("https://www.instagram.com/api/graphql", body=page("timeline_page.json"))
        rsps.get(re.compile(r"https://www\.instagram\.com/graphql/query\?query_hash=97b41c.*"), body=page("comments_graphql.json"))
        rsps.get(re.compile(r"https://www\.instagram\.com/graphql/query\?query_hash=51fdd0.*"), body=page("answers_graphql.json"))
        rsps.get(re.compile(r"https://i\.instagram\.com/api/v1/media/\d+/comments/\?(?!.*min_id).*"), body=page("iphone_comments_page1.json"))
        rsps.get(re.compile(r"https://i\.instagram\.com/api/v1/media/\d+/comments/\?.*min_id=20.*"), body=page("iphone_comments_page2.json"))
        rsps.get(re.compile(r"https://i\.instagram\.com/api/v1/media/\d+/comments/\d+/child_comments/.*"), body=page("child_comments.json"))
        summary = ingest(sessionmaker, instagram_source(ig_settings, sleep=False), load_classifier(PROJECT_ROOT / "models"), PipelineConfig())
        assert summary.status == "ok", summary.error
        assert summary.requests == len(rsps.calls) == 11
    # 3 + 25 comments, 5 + 4 replies
    assert summary.read == 37 and summary.quarantined == 0
    reply = session.scalars(sa.select(Message).filter_by(source_id="18046587213054400")).one()
    assert reply.author == "rudi.h" and reply.in_reply_to == "18046587213054321"
    # rudi.h's reply under dewi_ayu23's comment is his own case, with her comment as context
    assert reply.ticket.contact.handle == "rudi.h" and reply.meta["context"]["source_id"] == "18046587213054321"
    assert reply.meta["post_shortcode"] == "DCHYdzCIT4B"
    assert reply.raw_ref == "https://www.instagram.com/p/DCHYdzCIT4B/c/18046587213054400/"
    assert reply.sent_at == datetime.fromtimestamp(1795600700, tz=timezone.utc)
    ours = session.scalars(sa.select(Message).filter_by(direction="outbound")).all()
    assert {m.author for m in ours} == {PROFILE} and len(ours) == 2
    assert all(m.ticket.first_response_at == m.sent_at for m in ours)


def test_first_run_stores_every_comment_and_reply_and_counts_requests(sessionmaker, session, ig_settings):
    post = complaint_post(3_400_000_000_000_000_001, 15)
    post.comments[0].replies = [FakeComment(18_100_000_000_000_000 + i, "teman_budi", "sama min aku juga", BASE_TS + i)
                                for i in range(5)]
    small = complaint_post(3_400_000_000_000_000_002, 4, hours_ago=2)
    fake = FakeInstagram(PROFILE, [post, small, complaint_post(3_400_000_000_000_000_003, 0, hours_ago=3)])
    summary, source, http_calls = run(sessionmaker, ig_settings, fake)
    assert summary.status == "ok", summary.error
    assert summary.read == 15 + 5 + 4
    # profile page, profile query, start page, timeline; per post with comments: metadata + comments;
    # the 15-comment post goes through the iPhone API and fetches its 5 replies in one call.
    assert fake.calls["iphone_comments"] == 1 and fake.calls["child_comments"] == 1
    assert fake.calls["comments_graphql"] == 1 and fake.calls["media_info"] == 2
    assert summary.requests == http_calls == fake.total_calls == 4 + 2 + 1 + 2
    run_row = session.scalars(sa.select(IngestRun)).one()
    assert run_row.requests == summary.requests and run_row.status == "ok"
    assert source.posts_scanned == 3 and source.posts_fetched == 2
    cursor = load_cursors(session, f"instagram:{PROFILE}:post:{post.shortcode}")
    assert cursor[f"instagram:{PROFILE}:post:{post.shortcode}"]["comment_count"] == 20


def test_next_run_fetches_only_posts_whose_count_changed(sessionmaker, session, ig_settings):
    posts = [complaint_post(3_400_000_000_000_000_100 + i, 14, hours_ago=i + 1) for i in range(5)]
    fake = FakeInstagram(PROFILE, posts)
    first, _, _ = run(sessionmaker, ig_settings, fake)
    assert first.read == 70

    fake.calls.clear()
    quiet, _, _ = run(sessionmaker, ig_settings, fake)
    assert quiet.status == "ok" and quiet.read == 0
    assert quiet.requests == fake.total_calls == 4  # the listing only

    posts[3].comments.append(FakeComment(18_200_000_000_000_001, "baru_komentar", "insentif belum cair min", BASE_TS + 99))
    fake.calls.clear()
    changed, _, _ = run(sessionmaker, ig_settings, fake)
    assert changed.read == 15 and changed.duplicates == 14
    assert (changed.new_tickets + changed.threaded) == 1
    assert fake.calls["media_info"] == 1 and fake.calls["iphone_comments"] == 1
    assert count(session, Message) == 71


def test_walk_stops_at_last_n_posts_and_at_the_age_limit(sessionmaker, session, ig_settings):
    posts = [complaint_post(3_400_000_000_000_001_000 + i, 1, hours_ago=24 * i + 1) for i in range(30)]
    fake = FakeInstagram(PROFILE, posts)
    _, source, _ = run(sessionmaker, ig_settings.with_overrides(instagram_last_posts=13), fake)
    assert source.posts_scanned == 13 and fake.calls["timeline"] == 2  # 12 per page
    fake.calls.clear()
    _, source, _ = run(sessionmaker, ig_settings.with_overrides(instagram_last_posts=30, instagram_max_post_age_days=3), fake)
    # Posts are hours/days before BASE_TS, and "now" is later than BASE_TS: only the very newest qualify.
    assert source.posts_scanned < 4 and fake.calls["timeline"] == 1


def test_own_account_comments_answer_the_thread_and_are_not_complaints(sessionmaker, session, ig_settings):
    parent = FakeComment(18_300_000_000_000_001, "dewi_ayu23", "min insentif gel 9 blm masuk udh 2 bulan", BASE_TS,
                         replies=[FakeComment(18_300_000_000_000_002, PROFILE, "Halo kak, pastikan rekening BNI aktif ya",
                                              BASE_TS + 600),
                                  FakeComment(18_300_000_000_000_003, SESSION_USER, "Sudah kami cek, mohon ditunggu",
                                              BASE_TS + 900)])
    announcement = FakeComment(18_300_000_000_000_004, PROFILE, "Pendaftaran gelombang 10 dibuka besok!", BASE_TS + 50)
    fake = FakeInstagram(PROFILE, [FakePost(3_400_000_000_000_002_000, BASE_TS - 60, [parent, announcement])])
    summary, _, _ = run(sessionmaker, ig_settings, fake)
    assert summary.outbound == 3 and summary.new_tickets == 1
    ticket = session.scalars(sa.select(Ticket).where(Ticket.label == "missing_incentive")).one()
    assert ticket.first_response_at == datetime.fromtimestamp(BASE_TS + 600, tz=timezone.utc)
    assert [m.direction for m in ticket.messages] == ["inbound", "outbound", "outbound"]
    assert ticket.status == "open" and ticket.message_count == 3
    own_ticket = session.scalars(sa.select(Ticket).where(Ticket.id != ticket.id)).one()
    assert own_ticket.status == "resolved" and own_ticket.messages[0].meta["no_ticket_reason"]
    assert [t.id for t in session.scalars(queue_page(QueueFilters()))] == [ticket.id]


def test_replies_of_others_are_their_own_tickets_and_repeat_comments_thread(sessionmaker, session, ig_settings):
    first = FakeComment(18_400_000_000_000_001, "dewi_ayu23", "insentif gelombang 9 belum masuk", BASE_TS,
                        replies=[FakeComment(18_400_000_000_000_002, "rudi.h", "@dewi_ayu23 sama kak", BASE_TS + 60),
                                 FakeComment(18_400_000_000_000_003, "sari", "@rudi.h @dewi_ayu23 aku juga", BASE_TS + 120)])
    again = FakeComment(18_400_000_000_000_010, "dewi_ayu23", "min insentif saya kapan cair", BASE_TS + 3600)
    posts = [FakePost(3_400_000_000_000_003_000, BASE_TS - 60, [first]),
             FakePost(3_400_000_000_000_003_001, BASE_TS - 7200, [again])]
    summary, _, _ = run(sessionmaker, ig_settings, FakeInstagram(PROFILE, posts))
    assert summary.new_tickets == 3 and summary.threaded == 1
    tickets = {t.contact.handle: t for t in session.scalars(sa.select(Ticket))}
    assert {h: t.message_count for h, t in tickets.items()} == {"dewi_ayu23": 2, "rudi.h": 1, "sari": 1}
    assert all({m.author for m in t.messages} == {h} for h, t in tickets.items())


def test_four_people_under_one_comment_are_four_cases(sessionmaker, session, ig_settings):
    """Issue 15's case through instaloader: a comment, three others' "me too" replies and our
    replies under it. Each person gets a ticket with their own due reason, contact, ready reply
    and comment link; our reply that starts with @budi_s answers Budi; marking Citra's ticket
    answered marks only hers."""
    t = lambda minutes: BASE_TS + minutes * 60
    ani = FakeComment(18_900_000_000_000_001, "ani.w", "min insentif gelombang 9 blm masuk udh 2 bulan", t(0), replies=[
        FakeComment(18_900_000_000_000_002, "budi_s", "sama bgt, BNI aman tp blm masuk", t(5)),
        FakeComment(18_900_000_000_000_003, "citra", "aku jg mimin! insentif blm masuk", t(6)),
        FakeComment(18_900_000_000_000_004, "dodi77", "sama min, insentif gelombang 9 blm cair", t(7)),
        FakeComment(18_900_000_000_000_005, PROFILE, "@budi_s Halo kak, pastikan rekening BNI aktif ya", t(30)),
        FakeComment(18_900_000_000_000_006, "ani.w", "tolong dicek min", t(40)),
    ])
    summary, _, _ = run(sessionmaker, ig_settings, FakeInstagram(PROFILE, [FakePost(3_400_000_000_000_004_000, t(-1), [ani])]))
    agent = user(session)
    assert summary.status == "ok", summary.error
    assert (summary.new_tickets, summary.threaded, summary.outbound) == (4, 1, 1)
    tickets = {tk.contact.handle: tk for tk in session.scalars(sa.select(Ticket))}
    assert sorted(tickets) == ["ani.w", "budi_s", "citra", "dodi77"]
    for handle, ticket in tickets.items():
        inbound = [m for m in ticket.messages if m.direction == "inbound"]
        assert {m.author for m in inbound} == {handle}
        assert ("pesan ke-2 dari orang ini" in ticket.due_explanation) == (handle == "ani.w")
        assert "pesan ke-3" not in ticket.due_explanation and "pesan ke-4" not in ticket.due_explanation
        assert f"@{handle}" in replies.render_ready_reply(session, ticket, agent)
        assert replies.instagram_comment_url(ticket) == inbound[-1].raw_ref
        if handle != "ani.w":
            assert inbound[0].meta["context"] == {"channel": "instagram", "source_id": "18900000000000001"}
    answered_at = datetime.fromtimestamp(t(30), tz=timezone.utc)
    assert {h: tk.first_response_at for h, tk in tickets.items()} == {
        "ani.w": None, "budi_s": answered_at, "citra": None, "dodi77": None}
    outbox.answer_on_instagram(session, tickets["citra"], agent, "Halo kak Citra, cek DM ya")
    session.commit()
    assert [h for h, tk in sorted(tickets.items()) if tk.first_response_at] == ["budi_s", "citra"]


def test_noise_is_labeled_and_kept_out_of_the_queue(sessionmaker, session, ig_settings):
    texts = ["Mantap programnya, sukses terus! 🔥🔥", "Jual followers murah, cek bio ya kak",
             "Promo kursus bahasa inggris diskon 50% DM ya", "@budi_s @sari.dewi", "😍😍😍", "🙏🙏"]
    comments = [FakeComment(18_500_000_000_000_000 + i, f"netizen{i}", t, BASE_TS + i) for i, t in enumerate(texts)]
    comments.append(FakeComment(18_500_000_000_000_100, "budi", "sertifikat belum terbit min", BASE_TS + 99))
    summary, _, _ = run(sessionmaker, ig_settings, FakeInstagram(PROFILE, [FakePost(3_400_000_000_000_004_000, BASE_TS, comments)]))
    assert summary.noise == 6
    noise = session.scalars(sa.select(Ticket).where(Ticket.label == "noise")).all()
    assert len(noise) == 6 and {t.status for t in noise} == {"noise"}
    assert [t.label for t in session.scalars(queue_page(QueueFilters()))] == ["certificate_pending"]


@pytest.mark.parametrize(
    "endpoint, nth, fault, reason",
    [
        ("iphone_comments", 2, 429, "rate limited (429) on iphone query: run ended, resumes from cursor"),
        ("comments_graphql", 1, 400, "bad request (400) from Instagram"),
        ("iphone_comments", 2, "login_required", "session expired: run `instaloader --login prakerja.ops` again"),
        ("timeline", 1, "login_redirect", "session expired: run `instaloader --login prakerja.ops` again"),
        ("profile_page", 1, 429, "rate limited (429): run ended, resumes from cursor"),
    ],
)
def test_fault_ends_the_run_with_its_reason_and_the_next_run_resumes(sessionmaker, session, ig_settings, endpoint, nth, fault, reason):
    big = complaint_post(3_400_000_000_000_005_001, 45, hours_ago=1)  # iPhone API, 3 pages
    small = complaint_post(3_400_000_000_000_005_002, 6, hours_ago=2)  # GraphQL
    done = complaint_post(3_400_000_000_000_005_000, 14, hours_ago=0)  # newest: read before the fault
    fake = FakeInstagram(PROFILE, [done, big, small])
    for attempt in (nth, nth + 1):  # instaloader tries each request twice, as configured
        fake.fail(endpoint, attempt, fault)
    stopped, _, http_calls = run(sessionmaker, ig_settings, fake)
    assert stopped.status == "stopped" and stopped.error.startswith(reason)
    run_row = session.scalars(sa.select(IngestRun)).one()
    assert (run_row.status, run_row.error, run_row.requests) == ("stopped", stopped.error, http_calls)
    # Nothing half-written: only whole posts with their cursor are committed.
    committed = {c.source.rsplit(":", 1)[-1] for c in session.scalars(sa.select(IngestCursor))}
    stored = count(session, Message)
    assert stored == sum(p.comment_count() for p in fake.posts if p.shortcode in committed)

    fake.faults.clear()
    resumed, _, _ = run(sessionmaker, ig_settings, fake)
    assert resumed.status == "ok", resumed.error
    assert count(session, Message) == 14 + 45 + 6
    assert count(session, QuarantinedInput) == 0


def test_connection_lost_mid_pagination_keeps_finished_posts(sessionmaker, session, ig_settings):
    done = complaint_post(3_400_000_000_000_006_000, 14, hours_ago=0)
    big = complaint_post(3_400_000_000_000_006_001, 45, hours_ago=1)
    fake = FakeInstagram(PROFILE, [done, big])
    fake.fail("iphone_comments", 3, "connection_error")  # page 2 of the big post, both attempts
    fake.fail("iphone_comments", 4, "connection_error")
    summary, _, _ = run(sessionmaker, ig_settings, fake)
    assert summary.status == "stopped" and summary.error.startswith("connection failed:")
    assert count(session, Message) == 14
    fake.faults.clear()
    assert run(sessionmaker, ig_settings, fake)[0].status == "ok"
    assert count(session, Message) == 59


def test_request_budget_ends_the_run(sessionmaker, session, ig_settings):
    fake = FakeInstagram(PROFILE, [complaint_post(3_400_000_000_000_007_000 + i, 3, hours_ago=i) for i in range(5)])
    summary, _, http_calls = run(sessionmaker, ig_settings.with_overrides(instagram_request_budget=8), fake)
    assert summary.status == "stopped"
    assert summary.error == "request budget of 8 spent: run ended, resumes from cursor"
    assert summary.requests == http_calls == 8


def test_missing_session_file_and_loose_mode(sessionmaker, session, ig_settings, tmp_path, caplog):
    missing = ig_settings.with_overrides(instagram_session_file=tmp_path / "nope")
    summary, _, http_calls = run(sessionmaker, missing, FakeInstagram(PROFILE, []))
    assert summary.status == "stopped" and http_calls == 0
    assert "run `instaloader --login prakerja.ops` once" in summary.error

    loose = ig_settings.with_overrides(instagram_session_file=write_session_file(tmp_path / "loose", mode=0o644))
    with caplog.at_level(logging.WARNING):
        assert run(sessionmaker, loose, FakeInstagram(PROFILE, []))[0].status == "ok"
    assert "mode 644" in caplog.text and "chmod 600" in caplog.text
    assert "sessionid" not in caplog.text and "abcDEF" not in caplog.text


def test_fault_reasons_read_the_status_not_stray_digits():
    from instaloader.exceptions import AbortDownloadException, ConnectionException, QueryReturnedBadRequestException

    from triage.ingest.instagram import describe_fault

    lost = ConnectionException("JSON Query to api/v1/media/3429429/comments/: 500 Internal Server Error")
    assert describe_fault(lost, "ops").startswith("connection failed: ")
    wrapped = ConnectionException("JSON Query to graphql/query: 429 Too Many Requests when accessing ...")
    assert describe_fault(wrapped, "ops") == "rate limited (429): run ended, resumes from cursor"
    assert describe_fault(AbortDownloadException("400 - \"fail\" status, message \"checkpoint_required\""), "ops") == (
        "Instagram wants the account checked: open it in the app, then run `instaloader --login ops` again")
    assert describe_fault(QueryReturnedBadRequestException("400 Bad Request"), "ops").startswith("bad request (400)")
