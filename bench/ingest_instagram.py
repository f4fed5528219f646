"""Benchmark: what an incremental Instagram run costs, beside a naive full re-scan.

A simulated profile of 200 posts with 50,000 comments (200 comments and 50 replies per
post) is served by the tests' fake instagram.com at the HTTP layer, so every request goes
through instaloader's own code. The first run reads everything (what a naive full
re-scan costs each time); then 1% of the comments are new and a second run reads them:
(A) concentrated on the newest 1% of posts, as comments usually come, and (B) spread at
random over all posts, the worst case for a per-post comment count.

Run from the repository root: `.venv/bin/python bench/ingest_instagram.py`.
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the fake instagram.com lives with the tests

import sqlalchemy as sa  # noqa: E402
import sqlalchemy.orm as so  # noqa: E402

from instagram_fake import BASE_TS, PROFILE, SESSION_USER, FakeComment, FakeInstagram, FakePost, run, write_session_file  # noqa: E402
from triage.db import make_engine  # noqa: E402
from triage.ingest.instagram import FrugalRateController  # noqa: E402
from triage.models import Message  # noqa: E402
from triage.schema import create_all  # noqa: E402
from triage.settings import Settings  # noqa: E402

POSTS, TOP, REPLIES = 200, 200, 50
# instaloader paces the iPhone API at 199 requests per 30 minutes; the service ends a run
# rather than wait (and resumes next run). Here the waits are skipped, and their length estimated.
IPHONE_PER_30_MIN = 199
TEXTS = ["insentif gelombang 9 belum masuk min", "saldo pelatihan masih sisa 300rb", "sertifikat belum terbit padahal sudah rating",
         "rekening BNI saya tidak aktif gimana", "cara daftar gelombang berikutnya", "Mantap programnya, sukses terus! 🔥",
         "@teman1 @teman2 cek", "😍😍", "Jual followers murah cek bio"]
_next_id = iter(range(18_000_000_000_000_000, 19_000_000_000_000_000))


def comment(rng: random.Random, ts: int) -> FakeComment:
    return FakeComment(next(_next_id), f"peserta_{rng.randrange(20_000)}", rng.choice(TEXTS), ts)


def profile(rng: random.Random) -> list[FakePost]:
    posts = []
    for p in range(POSTS):
        taken = BASE_TS - p * 6 * 3600
        comments = [comment(rng, taken + 60 + i) for i in range(TOP)]
        for parent in rng.sample(comments, REPLIES):
            parent.replies.append(comment(rng, parent.created_at + 30))
        posts.append(FakePost(3_500_000_000_000_000_000 + p, taken, comments))
    return posts


def add_new(rng: random.Random, posts: list[FakePost], n: int, spread: bool) -> int:
    targets = posts if spread else posts[: max(1, len(posts) // 100)]
    for _ in range(n):
        post = rng.choice(targets)
        post.comments.insert(0, comment(rng, BASE_TS + 3600))
    return len({id(p) for p in targets if p.comments[0].created_at == BASE_TS + 3600})


def one_scenario(name: str, spread: bool, work: Path) -> None:
    rng = random.Random(20261127)
    engine = make_engine(f"sqlite:///{work / (name + '.sqlite3')}")
    create_all(engine)
    sessionmaker = so.sessionmaker(engine, expire_on_commit=False)
    settings = Settings(database_url="unused", secret_key="k", instagram_profiles=(PROFILE,),
                        instagram_own_account=SESSION_USER, instagram_last_posts=POSTS,
                        instagram_request_budget=100_000,
                        instagram_session_file=write_session_file(work / f"session-{name}"))
    posts = profile(rng)
    fake = FakeInstagram(PROFILE, posts)
    started = time.perf_counter()
    full, source, _ = run(sessionmaker, settings, fake)
    full_s = time.perf_counter() - started
    full_calls = dict(fake.calls)
    fake.calls.clear()
    assert full.status == "ok", full.error
    new = POSTS * (TOP + REPLIES) // 100
    changed_posts = add_new(rng, posts, new, spread)
    started = time.perf_counter()
    inc, inc_source, _ = run(sessionmaker, settings, fake)
    inc_s = time.perf_counter() - started
    assert inc.status == "ok", inc.error
    with sessionmaker() as s:
        stored = s.scalar(sa.select(sa.func.count()).select_from(Message))
    print(f"scenario {name}: {new} new comments on {changed_posts} of {POSTS} posts")
    print(f"  full scan (first run / naive re-scan): {full.requests} requests, {full.read} comments "
          f"in {full_s:.1f} s = {full.read / full_s:,.0f} records/s")
    print(f"  incremental run: {inc.requests} requests, posts scanned {inc_source.posts_scanned}, "
          f"posts fetched {inc_source.posts_fetched}, read {inc.read} (new tickets {inc.new_tickets}, "
          f"threaded {inc.threaded}, duplicates {inc.duplicates}, noise {inc.noise}, quarantined {inc.quarantined}) "
          f"in {inc_s:.1f} s = {inc.read / inc_s:,.0f} records/s")
    for label, calls in (("full scan", full_calls), ("incremental", dict(fake.calls))):
        iphone = calls.get("iphone_comments", 0) + calls.get("child_comments", 0)
        print(f"  {label}: {iphone} iPhone API requests = at least {iphone // IPHONE_PER_30_MIN * 30} min "
              f"of instaloader's pacing, so spread over {iphone // IPHONE_PER_30_MIN + 1} scheduled run(s)")
    print(f"  requests: incremental {inc.requests} vs naive full re-scan {full.requests} "
          f"({inc.requests / full.requests:.1%}); messages stored {stored:,}")
    engine.dispose()


def main() -> None:
    FrugalRateController.sleep = lambda self, secs: None  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        one_scenario("A-newest-posts", spread=False, work=Path(tmp))
        one_scenario("B-spread", spread=True, work=Path(tmp))


if __name__ == "__main__":
    main()
