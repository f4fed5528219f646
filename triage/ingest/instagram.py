"""The live Instagram source: comments under a profile's recent posts, read through instaloader.

A run lists each profile's recent posts (the listing carries every post's comment count),
fetches comments only of posts whose count changed since the cursor, and yields a CursorMark
after each such post so that the post's comments and its cursor commit together. Faults
(429, expired session, bad request, lost connection) end the run with a clear reason; the
next run resumes from the committed cursors and replays are no-ops.
"""
from __future__ import annotations

import logging
import stat
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Collection, Iterator, Optional

import requests
from instaloader import Instaloader, InstaloaderContext, Post, Profile, RateController
from instaloader.exceptions import (
    AbortDownloadException,
    ConnectionException,
    InstaloaderException,
    LoginRequiredException,
    PrivateProfileNotFollowedException,
    ProfileNotExistsException,
    QueryReturnedBadRequestException,
    TooManyRequestsException,
)

from triage.ingest.instagram_comments import PostRef, comment_record, payload_of
from triage.ingest.source import Cursors, Source
from triage.records import CursorMark, InboundRecord, Rejected, SourceItem, SourceStopped
from triage.models import utcnow
from triage.settings import Settings

log = logging.getLogger(__name__)

SOURCE = "instagram"
# Instagram shows up to three pinned posts first, however old: an old post there does not
# mean the rest of the timeline is older still.
PINNED_SLOTS = 3
# What instaloader raises when a response lacks a field it reads: one malformed comment.
# (Not OSError: requests' exceptions derive from it, and a lost connection is a fault, not bad data.)
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, AssertionError, IndexError, OverflowError)


def post_cursor_source(profile: str, shortcode: str) -> str:
    return f"{SOURCE}:{profile}:post:{shortcode}"


def profile_cursor_source(profile: str) -> str:
    return f"{SOURCE}:{profile}"


class InstagramStopped(SourceStopped):
    """The Instagram run ended early; the message says why and what to do."""


class FrugalRateController(RateController):
    """Count every request, keep to the run's budget, and stop on a 429 instead of sleeping.

    instaloader's own controller sleeps for up to half an hour after a 429 or before a burst;
    a scheduled job should rather end and let the next run resume from its cursors.
    """

    def __init__(
        self,
        context: InstaloaderContext,
        budget: int,
        max_wait: float = 30.0,
        sleeper: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(context)
        self.budget, self.max_wait, self._sleeper = budget, max_wait, sleeper
        self.requests = 0

    def wait_before_query(self, query_type: str) -> None:
        # Called once before every HTTP request instaloader sends (each attempt, each page).
        if self.requests >= self.budget:
            raise InstagramStopped(
                f"request budget of {self.budget} spent: run ended, resumes from cursor"
            )
        super().wait_before_query(query_type)
        self.requests += 1

    def sleep(self, secs: float) -> None:
        if secs > self.max_wait:
            raise InstagramStopped(
                f"rate limit: Instagram's pace would need a {round(secs)} s wait: run ended, resumes from cursor"
            )
        self._sleeper(secs)

    def handle_429(self, query_type: str) -> None:
        raise InstagramStopped(f"rate limited (429) on {query_type} query: run ended, resumes from cursor")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def describe_fault(exc: BaseException, session_user: str) -> str:
    """The reason a supervisor reads for an instaloader failure that ended the run."""
    chain = list(_causes(exc))
    text = " ".join(str(e) for e in chain)
    relogin = f"run `instaloader --login {session_user or 'USER'}` again"
    if any(isinstance(e, TooManyRequestsException) for e in chain) or "429 Too Many Requests" in text:
        return "rate limited (429): run ended, resumes from cursor"
    if any(isinstance(e, LoginRequiredException) for e in chain):
        return f"session expired or not logged in: {relogin}"
    if "login page" in text or "login_required" in text:
        return f"session expired: {relogin}"
    if any(m in text for m in ("checkpoint_required", "challenge_required", "feedback_required")):
        return f"Instagram wants the account checked: open it in the app, then {relogin}"
    if any(isinstance(e, QueryReturnedBadRequestException) for e in chain):
        return f"bad request (400) from Instagram: {exc}: run ended, resumes from cursor"
    if any(isinstance(e, (ConnectionException, requests.RequestException)) for e in chain):
        return f"connection failed: {exc}: run ended, resumes from cursor"
    return f"Instagram error: {type(exc).__name__}: {exc}: run ended, resumes from cursor"


def load_session(loader: Instaloader, session_user: str, session_file: Optional[Path]) -> None:
    """Log the loader in from the operator's session file; the password is never needed here."""
    if not session_user:
        raise InstagramStopped("TRIAGE_INSTAGRAM_OWN_ACCOUNT is not set: no account to read comments as")
    if session_file is None or not session_file.is_file():
        raise InstagramStopped(
            f"no Instagram session file at {session_file}: run `instaloader --login {session_user}` once"
        )
    mode = stat.S_IMODE(session_file.stat().st_mode)
    if mode & 0o077:
        log.warning("Instagram session file %s has mode %o: make it 0600 (chmod 600), it is a secret", session_file, mode)
    try:
        loader.load_session_from_file(session_user, str(session_file))
    except Exception as exc:  # a pickle of cookies: truncated or foreign files fail in many ways
        raise InstagramStopped(
            f"Instagram session file unreadable ({type(exc).__name__}): run `instaloader --login {session_user}` again"
        ) from None


@dataclass(frozen=True)
class WalkLimits:
    last_posts: int = 12
    max_post_age: Optional[timedelta] = None


def listed_comment_count(post: Post) -> Optional[int]:
    """The comment count the post listing carried.

    `Post.comments` would fetch the post's full metadata (one request per post) to learn
    it; the timeline node instaloader built the Post from already holds it.
    """
    count = post._node.get("comments")  # set by Post.from_iphone_struct from the listing
    return count if isinstance(count, int) and not isinstance(count, bool) else None


class InstagramSource(Source):
    """An ingest source over instaloader: yields records, quarantined items and cursors."""

    name = SOURCE

    def __init__(
        self,
        loader: Instaloader,
        controller: FrugalRateController,
        profiles: Collection[str],
        *,
        own_account: str,
        session_file: Optional[Path],
        limits: WalkLimits = WalkLimits(),
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.loader, self.controller = loader, controller
        self.profiles = [p.lower() for p in profiles]
        self.cursors: Cursors = {}
        self.own_account, self.session_file = own_account.lower(), session_file
        self.limits, self.now = limits, now
        self.posts_scanned = 0
        self.posts_fetched = 0

    def requests_made(self) -> int:
        return self.controller.requests

    def detail(self) -> dict[str, object]:
        return {"posts_scanned": self.posts_scanned, "posts_fetched": self.posts_fetched}

    def items(self, cursors: Cursors) -> Iterator[SourceItem]:
        """Every profile's new comments; raises InstagramStopped when the run must end early."""
        self.cursors = cursors
        try:
            load_session(self.loader, self.own_account, self.session_file)
            for profile in self.profiles:
                yield from self._profile_items(profile)
        except SourceStopped:
            raise
        except (InstaloaderException, AbortDownloadException, requests.RequestException) as exc:
            raise InstagramStopped(describe_fault(exc, self.own_account)) from exc

    def _profile_items(self, name: str) -> Iterator[SourceItem]:
        context = self.loader.context
        try:
            profile = Profile.from_username(context, name)
            posts = profile.get_posts()
        except (ProfileNotExistsException, PrivateProfileNotFollowedException) as exc:
            yield Rejected(f"https://www.instagram.com/{name}/", f"profile not readable: {exc}")
            return
        own = {self.own_account, name}
        oldest = self.now() - self.limits.max_post_age if self.limits.max_post_age else None
        scanned: list[str] = []
        for index, post in enumerate(islice(posts, self.limits.last_posts)):
            if oldest is not None and post.date_utc.replace(tzinfo=oldest.tzinfo) < oldest:
                if index < PINNED_SLOTS:
                    continue
                break
            scanned.append(post.shortcode)
            self.posts_scanned += 1
            yield from self._post_items(name, post, own)
        yield CursorMark(
            profile_cursor_source(name),
            {"scanned_at": self.now().isoformat(), "posts_scanned": len(scanned), "newest_posts": scanned[:PINNED_SLOTS + 1]},
            commit=True,
        )

    def _post_items(self, profile: str, post: Post, own: Collection[str]) -> Iterator[SourceItem]:
        ref = PostRef(profile, post.shortcode)
        key = post_cursor_source(profile, post.shortcode)
        count = listed_comment_count(post)
        known = self.cursors.get(key) or {}
        if count is not None and known.get("comment_count") == count:
            return  # unchanged since the last run: no request at all
        position: dict[str, Any] = {"comment_count": count, "fetched_at": self.now().isoformat()}
        read = 0
        if count != 0:
            self.posts_fetched += 1
            try:
                for comment in post.get_comments():
                    for item in self._thread_items(comment, ref, own):
                        read += isinstance(item, InboundRecord)
                        yield item
            except MALFORMED as exc:
                reason = (
                    f"instaloader stopped reading the comments of post {post.shortcode} after {read} "
                    f"comments: {type(exc).__name__}: {exc}; the rest are read when its comment count changes"
                )
                position["incomplete"] = reason
                yield Rejected(ref.url, reason)
        position["comments_read"] = read
        # After the post's comments, so they commit together; never reached if the run ends mid-post.
        yield CursorMark(key, position, commit=True)

    def _thread_items(self, comment: Any, ref: PostRef, own: Collection[str]) -> Iterator[InboundRecord | Rejected]:
        first = self._comment(comment, ref, None, own)
        yield first
        parent = first.source_id if isinstance(first, InboundRecord) else None
        read = 0
        try:
            for answer in comment.answers:
                yield self._comment(answer, ref, parent, own)
                read += 1
        except MALFORMED as exc:
            node = getattr(comment, "_node", {})
            raw_replies = node.get("edge_threaded_comments") or (node.get("iphone_struct") or {}).get("preview_child_comments")
            yield Rejected(
                ref.comment_url(parent or "unknown"),
                f"replies unreadable after {read}: {type(exc).__name__}: {exc}",
                payload_of(raw_replies),
            )

    def _comment(self, c: Any, ref: PostRef, parent: Optional[str], own: Collection[str]) -> InboundRecord | Rejected:
        # PostComment reads its node lazily (bad fields raise here); PostCommentAnswer is built eagerly.
        raw = dict(getattr(c, "_node", None) or c._asdict())
        raw.pop("iphone_struct", None)
        fields: dict[str, Any] = {}
        for name in ("id", "created_at_utc", "text", "owner"):
            try:
                fields[name] = getattr(c, name)
            except MALFORMED:
                fields[name] = raw.get("created_at") if name == "created_at_utc" else None
        username = full_name = None
        owner = fields["owner"]
        if owner is not None:
            try:
                username = owner.username
                full_name = owner._asdict().get("full_name")  # owner.full_name would fetch the profile
            except MALFORMED:
                username = None
        if isinstance(raw.get("owner"), Profile):
            raw["owner"] = username
        return comment_record(
            comment_id=fields["id"],
            created_at=fields["created_at_utc"],
            text=fields["text"],
            username=username,
            full_name=full_name,
            post=ref,
            parent_id=parent,
            root_id=parent,
            own_accounts=own,
            raw=raw,
        )


def instagram_source(settings: Settings, *, sleep: bool = True) -> InstagramSource:
    """Build the live source from the service settings (the one place that wires instaloader)."""
    holder: dict[str, FrugalRateController] = {}

    def controller(context: InstaloaderContext) -> FrugalRateController:
        holder["c"] = FrugalRateController(context, budget=settings.instagram_request_budget)
        return holder["c"]

    loader = Instaloader(
        sleep=sleep,
        quiet=True,
        download_pictures=False,
        download_videos=False,
        save_metadata=False,
        max_connection_attempts=2,
        request_timeout=60.0,
        rate_controller=controller,
    )
    days = settings.instagram_max_post_age_days
    return InstagramSource(
        loader,
        holder["c"],
        settings.instagram_profiles,
        own_account=settings.instagram_own_account,
        session_file=settings.instagram_session_file,
        limits=WalkLimits(settings.instagram_last_posts, timedelta(days=days) if days > 0 else None),
    )
