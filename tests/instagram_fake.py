"""A fake instagram.com at the HTTP layer (the `responses` library), for offline tests.

It answers the requests instaloader 4.16 sends for a logged-in walk of a profile, in the
shapes instaloader parses (checked against its source; tests/fixtures/instagram/ holds one
recorded page per endpoint): the profile page HTML, the profile query, the start page with
the web-API tokens, the timeline query, each post's metadata query, comments through the
GraphQL query (up to 12) or the iPhone API (above), and replies. Faults are injected per
endpoint and call number, so instaloader's own status handling runs for real.
"""
from __future__ import annotations

import json
import pickle
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Union
from urllib.parse import parse_qs, urlsplit

import requests
import responses
import sqlalchemy as sa
from instaloader import Post

from triage.classifier import load_classifier
from triage.ingest.instagram import InstagramSource, instagram_source
from triage.ingest.runner import RunSummary, ingest
from triage.pipeline import PipelineConfig
from triage.settings import PROJECT_ROOT
from triage.settings import Settings

BASE_TS = 1_795_680_000  # 2026-11-27 (a recent Friday)
USER_PK = "4242424242"
SESSION_USER = "prakerja.ops"
PROFILE = "prakerja.go.id"


@dataclass
class FakeComment:
    id: Any
    username: Any
    text: Any
    created_at: Any = BASE_TS
    full_name: str = ""
    replies: list["FakeComment"] = field(default_factory=list)
    drop: tuple[str, ...] = ()  # node keys to leave out (hostile input)

    def count(self) -> int:
        return 1 + len(self.replies)


@dataclass
class FakePost:
    pk: int
    taken_at: int
    comments: list[FakeComment] = field(default_factory=list)
    caption: str = "Info pencairan insentif Kartu Prakerja"
    listed_count: Optional[int] = None  # what the listing claims, if not the true count

    @property
    def shortcode(self) -> str:
        return Post.mediaid_to_shortcode(self.pk)

    def comment_count(self) -> int:
        return sum(c.count() for c in self.comments)


Fault = Union[int, str]  # an HTTP status, "login_redirect", "login_required" or "connection_error"


def _user(username: Any, full_name: str = "", pk: str = "") -> dict:
    pk = pk or str(zlib.crc32(str(username).encode("utf-8", "replace")) + 10**10)
    return {
        "pk": pk,
        "pk_id": pk,
        "id": pk,
        "username": username,
        "full_name": full_name,
        "is_private": False,
        "is_verified": False,
        "profile_pic_id": f"{pk}_1",
        "profile_pic_url": f"https://scontent.cdninstagram.com/v/t51.2885-19/{pk}_n.jpg",
        "fbid_v2": "17841400000000000",
    }


class FakeInstagram:
    """Serve one profile's posts and comments; count and fault every endpoint."""

    def __init__(self, profile: str, posts: list[FakePost], iphone_page: int = 20, full_name: str = "Kartu Prakerja"):
        self.profile, self.posts, self.iphone_page, self.full_name = profile, posts, iphone_page, full_name
        self.profile_pk = "6540000001"
        self.calls: Counter[str] = Counter()
        self.faults: dict[tuple[str, int], Fault] = {}

    # --- test controls -------------------------------------------------------------
    def fail(self, endpoint: str, nth: int, fault: Fault) -> None:
        """Make the nth call (1-based) of an endpoint fail with `fault`."""
        self.faults[(endpoint, nth)] = fault

    def post(self, shortcode: str) -> FakePost:
        return next(p for p in self.posts if p.shortcode == shortcode)

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def install(self, rsps: responses.RequestsMock) -> None:
        www = "https://www.instagram.com"
        routes: list[tuple[str, str, Callable[[Any], Any]]] = [
            ("GET", rf"{www}/{re.escape(self.profile)}/(\?.*)?$", self._profile_page),
            ("GET", rf"{www}/(\?.*)?$", self._start_page),
            ("POST", rf"{www}/graphql/query/?$", self._graphql_post),
            ("GET", rf"{www}/graphql/query/?\?.*$", self._graphql_get),
            ("POST", rf"{www}/api/graphql/?$", self._web_api),
            ("GET", r"https://i\.instagram\.com/api/v1/media/\d+/comments/\d+/child_comments/.*$", self._child_comments),
            ("GET", r"https://i\.instagram\.com/api/v1/media/\d+/comments/(\?.*)?$", self._iphone_comments),
        ]
        for method, pattern, handler in routes:
            rsps.add_callback(method, re.compile(pattern), callback=handler)

    # --- plumbing --------------------------------------------------------------------
    def _serve(self, endpoint: str, body: Callable[[], Any], content_type: str = "application/json") -> Any:
        self.calls[endpoint] += 1
        fault = self.faults.get((endpoint, self.calls[endpoint]))
        if fault == "connection_error":
            raise requests.exceptions.ConnectionError("Connection reset by peer")
        if fault == "login_redirect":
            return (302, {"location": "https://www.instagram.com/accounts/login/?next=%2F"}, "")
        if fault == "login_required":
            return (403, {"Content-Type": "application/json"},
                    json.dumps({"message": "login_required", "status": "fail"}))
        if isinstance(fault, int):
            messages = {429: "Please wait a few minutes before you try again.", 400: "Invalid query"}
            return (fault, {"Content-Type": "application/json"},
                    json.dumps({"message": messages.get(fault, "error"), "status": "fail"}))
        value = body()
        return (200, {"Content-Type": content_type}, value if isinstance(value, str) else json.dumps(value))

    @staticmethod
    def _params(request: Any) -> dict[str, str]:
        raw = request.body if request.method == "POST" else urlsplit(request.url).query
        if isinstance(raw, bytes):
            raw = raw.decode()
        return {k: v[0] for k, v in parse_qs(raw or "", keep_blank_values=True).items()}

    # --- pages -------------------------------------------------------------------------
    def _profile_page(self, request: Any) -> Any:
        return self._serve("profile_page", lambda: profile_page_html(self.profile_node()), "text/html")

    def _start_page(self, request: Any) -> Any:
        return self._serve("start_page", start_page_html, "text/html")

    def profile_node(self) -> dict:
        return {
            **_user(self.profile, self.full_name, self.profile_pk),
            "is_verified": True,
            "biography": "Akun resmi Program Kartu Prakerja",
            "follower_count": 1_400_000,
            "following_count": 12,
            "all_media_count": len(self.posts),
            "category": "Government organization",
        }

    def _graphql_post(self, request: Any) -> Any:
        params = self._params(request)
        variables = json.loads(params.get("variables", "{}"))
        if params.get("doc_id") == "27937681195819736":
            return self._serve("profile_info", lambda: {
                "data": {"user": {**self.profile_node(), "media_count": len(self.posts),
                                  "friendship_status": {"following": False, "blocking": False}}},
                "extensions": {"is_final": True}, "status": "ok"})
        if params.get("doc_id") == "27128499623469141":
            post = self.post(variables["shortcode"])
            return self._serve("media_info", lambda: {
                "data": {"xdt_api__v1__media__shortcode__web_info": {"items": [self.media_node(post)]}},
                "extensions": {"is_final": True}, "status": "ok"})
        return (404, {}, "")

    def _web_api(self, request: Any) -> Any:
        params = self._params(request)
        assert params.get("doc_id") == "29104886249145907", params.get("doc_id")
        assert params.get("lsd") and params.get("fb_dtsg"), "web API query without the start page's tokens"
        variables = json.loads(params["variables"])
        start = int((variables.get("after") or "0").split(":")[-1])
        page = self.posts[start : start + 12]
        more = start + 12 < len(self.posts)
        return self._serve("timeline", lambda: {
            "data": {"xdt_api__v1__feed__user_timeline_graphql_connection": {
                "edges": [{"node": self.media_node(p), "cursor": f"cursor:{start + i}"} for i, p in enumerate(page)],
                "page_info": {"end_cursor": f"cursor:{start + 12}" if more else None, "has_next_page": more,
                              "has_previous_page": start > 0, "start_cursor": f"cursor:{start}"},
            }},
            "extensions": {"is_final": True}})

    def media_node(self, post: FakePost) -> dict:
        count = post.comment_count() if post.listed_count is None else post.listed_count
        return {
            "code": post.shortcode,
            "pk": str(post.pk),
            "id": f"{post.pk}_{self.profile_pk}",
            "media_type": 1,
            "taken_at": post.taken_at,
            "caption": {"text": post.caption, "pk": str(post.pk + 1), "created_at": post.taken_at},
            "has_liked": False,
            "like_count": 1523,
            "comment_count": count,
            "comments_disabled": None,
            "product_type": "feed",
            "user": _user(self.profile, self.full_name, self.profile_pk),
            "owner": _user(self.profile, self.full_name, self.profile_pk),
            "image_versions2": {"candidates": [{"url": f"https://scontent.cdninstagram.com/{post.pk}.jpg",
                                                "width": 1080, "height": 1080}]},
            "usertags": None,
            "carousel_media": None,
            "video_versions": None,
            "accessibility_caption": "Photo by Kartu Prakerja",
        }

    # --- comments through GraphQL (posts with up to 12) -------------------------------
    def _graphql_get(self, request: Any) -> Any:
        params = self._params(request)
        variables = json.loads(params.get("variables", "{}"))
        first, after = int(variables.get("first", 12)), int((variables.get("after") or "0").split(":")[-1])
        if params.get("query_hash") == "97b41c52301f77ce508f55e66d17620e":
            post = self.post(variables["shortcode"])
            return self._serve("comments_graphql", lambda: {"data": {"shortcode_media": {
                "edge_media_to_parent_comment": self._gql_connection(post.comments, after, first, top=True)}},
                "status": "ok"})
        if params.get("query_hash") == "51fdd02b67508306ad4484ff574a0b62":
            parent = self._find(variables["comment_id"])
            return self._serve("answers_graphql", lambda: {"data": {"comment": {
                "edge_threaded_comments": self._gql_connection(parent.replies, after, first, top=False)}},
                "status": "ok"})
        return (404, {}, "")

    def _find(self, comment_id: str) -> FakeComment:
        for post in self.posts:
            for c in post.comments:
                if str(c.id) == str(comment_id):
                    return c
        raise KeyError(comment_id)

    def _gql_connection(self, comments: list[FakeComment], after: int, first: int, top: bool) -> dict:
        page = comments[after : after + first]
        more = after + first < len(comments)
        return {
            "count": len(comments),
            "page_info": {"has_next_page": more, "end_cursor": f"c:{after + first}" if more else None},
            "edges": [{"node": self.gql_node(c, top)} for c in page],
        }

    def gql_node(self, c: FakeComment, top: bool) -> dict:
        node = {
            "id": str(c.id) if isinstance(c.id, int) else c.id,
            "text": c.text,
            "created_at": c.created_at,
            "did_report_as_spam": False,
            "owner": {"id": _user(c.username)["pk"], "is_verified": False,
                      "profile_pic_url": "https://scontent.cdninstagram.com/p.jpg", "username": c.username},
            "viewer_has_liked": False,
            "edge_liked_by": {"count": 0},
            "is_restricted_pending": False,
        }
        if top:
            # Up to 3 replies come inline; more are paged by the answers query.
            node["edge_threaded_comments"] = {
                "count": len(c.replies),
                "page_info": {"has_next_page": len(c.replies) > 3, "end_cursor": "c:3" if len(c.replies) > 3 else None},
                "edges": [{"node": self.gql_node(r, False)} for r in c.replies[:3]],
            }
        for key in c.drop:
            node.pop(key, None)
        return node

    # --- comments through the iPhone API (posts with more than 12) ---------------------
    def iphone_node(self, c: FakeComment, post_pk: int, top: bool) -> dict:
        node = {
            "pk": str(c.id),
            "user_id": _user(c.username)["pk"],
            "type": 0 if top else 2,
            "did_report_as_spam": False,
            "created_at": c.created_at,
            "created_at_utc": c.created_at,
            "created_at_for_fb_app": c.created_at,
            "content_type": "comment",
            "status": "Active",
            "bit_flags": 0,
            "share_enabled": False,
            "is_ranked_comment": False,
            "media_id": str(post_pk),
            "text": c.text,
            "is_covered": False,
            "inline_composer_display_condition": "never",
            "has_liked_comment": False,
            "comment_like_count": 0,
            "private_reply_status": 0,
            "user": _user(c.username, c.full_name),
        }
        if top:
            node["child_comment_count"] = len(c.replies)
            node["preview_child_comments"] = [self.iphone_node(r, post_pk, False) for r in c.replies[:2]]
            node["other_preview_users"] = []
        else:
            node["parent_comment_id"] = "0"
        for key in c.drop:
            node.pop(key, None)
        return node

    def _iphone_comments(self, request: Any) -> Any:
        pk = int(re.search(r"/media/(\d+)/comments/", request.url).group(1))
        post = next(p for p in self.posts if p.pk == pk)
        start = int(self._params(request).get("min_id") or 0)
        page = post.comments[start : start + self.iphone_page]
        more = start + self.iphone_page < len(post.comments)
        body = {
            "comment_likes_enabled": True,
            "comments": [self.iphone_node(c, pk, True) for c in page],
            "comment_count": post.comment_count(),
            "caption_is_edited": False,
            "has_more_comments": more,
            "has_more_headload_comments": False,
            "media_header_display": "none",
            "can_view_more_preview_comments": False,
            "status": "ok",
        }
        if more:
            body["next_min_id"] = str(start + self.iphone_page)
        return self._serve("iphone_comments", lambda: body)

    def _child_comments(self, request: Any) -> Any:
        match = re.search(r"/media/(\d+)/comments/(\d+)/child_comments/", request.url)
        pk, parent_id = int(match.group(1)), match.group(2)
        parent = self._find(parent_id)
        return self._serve("child_comments", lambda: {
            "parent_comment": self.iphone_node(FakeComment(parent.id, parent.username, parent.text, parent.created_at), pk, True),
            "child_comments": [self.iphone_node(r, pk, False) for r in parent.replies],
            "child_comment_count": len(parent.replies),
            "has_more_tail_child_comments": False,
            "has_more_head_child_comments": False,
            "num_tail_child_comments": 0,
            "num_head_child_comments": 0,
            "status": "ok",
        })


def profile_page_html(user: dict) -> str:
    """A profile page as Instagram serves it to a logged-out browser: data inside JSON scripts."""
    payload = {"require": [["ScheduledServerJS", "handle", None, [{"__bbox": {"require": [[
        "RelayPrefetchedStreamCache", "next", [],
        ["adp_PolarisProfilePageContentQueryRelayPreloader_6745a1b2c3d4e5f60",
         {"__bbox": {"complete": True, "result": {"data": {"xig_user_by_username": user},
                                                   "extensions": {"is_final": True}}, "sequence_number": 0}}],
    ]]}}]]]}
    return (
        '<!DOCTYPE html><html lang="en" class="_9dls"><head><meta charset="utf-8">'
        f'<title>{user["full_name"]} (@{user["username"]}) • Instagram photos and videos</title></head><body>'
        '<script type="application/json" data-content-len="112" data-sjs>{"require":[["CometSSRMergedContentInjector","onPayloadReceived",null,[]]]}</script>'
        f'<script type="application/json" data-content-len="4096" data-sjs>{json.dumps(payload)}</script>'
        "</body></html>"
    )


def start_page_html() -> str:
    """The start page of a logged-in session, carrying the tokens of the web app's API queries."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Instagram</title></head><body>'
        '<script type="application/json" data-sjs>{"require":[["ScheduledServerJS","handle",null,[{"__bbox":'
        '{"define":[["DTSGInitialData",[],{"token":"NAcMzZ6Qb1f8:17:1732700000"},258],'
        '["LSD",[],{"token":"AVqQ3kDkXbM"},323],'
        f'["CurrentUserInitialData",[],{{"ACCOUNT_ID":"{USER_PK}","IG_USER_EIMU":"{USER_PK}",'
        f'"USER_ID":"{USER_PK}","NAME":"{SESSION_USER}"}},270]]}}}}]]]}}</script></body></html>'
    )


def write_session_file(path: Path, mode: int = 0o600) -> Path:
    """A session file as `instaloader --login` writes it: the pickled cookies of a login."""
    cookies = {"sessionid": f"{USER_PK}%3AabcDEF123%3A12%3AAYc", "csrftoken": "k3Yq0W9fzv1Xh8bN",
               "ds_user_id": USER_PK, "mid": "Z0dTnQALAAFhx", "ig_did": "0C2B5E1A-7D7E-4A11-9E77-2F1C3A4B5C6D",
               "rur": '"CLN\\0544242424242\\0541764236000:01f7"'}
    path.write_bytes(pickle.dumps(cookies))
    path.chmod(mode)
    return path


def run(sessionmaker: Any, settings: Settings, fake: FakeInstagram) -> tuple[RunSummary, InstagramSource, int]:
    """One run of the live source through the runner; returns the summary, the source and the HTTP calls."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        source = instagram_source(settings, sleep=False)
        summary = ingest(sessionmaker, source, load_classifier(PROJECT_ROOT / "models"), PipelineConfig(), batch_size=50)
        http_calls = len(rsps.calls)
    return summary, source, http_calls


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
