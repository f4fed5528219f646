"""One Instagram comment, from instaloader or from its `--comments` export, as a plain record.

The live source and the offline import share this, so a comment fetched here and the same
comment imported from a file get the same source id and are stored once.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Collection, Optional

from triage.records import InboundRecord, Rejected

# Instagram launched on 2010-10-06: an earlier comment time is a broken value, not history.
EARLIEST = datetime(2010, 10, 6, tzinfo=timezone.utc)
_COMMENT_ID = re.compile(r"[0-9]{1,64}")
_UNIX_TIME = re.compile(r"-?[0-9]{1,12}(\.[0-9]+)?")
PAYLOAD_CHARS = 20_000


@dataclass(frozen=True)
class PostRef:
    """The post a comment was written under."""

    profile: str
    shortcode: str

    @property
    def url(self) -> str:
        return f"https://www.instagram.com/p/{self.shortcode}/"

    def comment_url(self, comment_id: str) -> str:
        return f"{self.url}c/{comment_id}/"


def payload_of(raw: Any) -> str:
    """The raw input kept with a quarantined comment, so that nothing is lost."""
    return json.dumps(raw, ensure_ascii=False, default=str)[:PAYLOAD_CHARS]


def comment_time(value: Any) -> tuple[Optional[datetime], Optional[str]]:
    """An aware UTC time from instaloader's naive UTC datetime, a unix time (also written as a
    string) or an ISO 8601 string; else why it is none."""
    if isinstance(value, str):
        value = _parse_time_string(value)
        if isinstance(value, str):
            return None, f"invalid time {value[:50]!r}"
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            return None, f"invalid time {value!r}"
        try:
            when = datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None, f"invalid time {value!r}"
    elif value is None:
        return None, "missing time"
    else:
        return None, f"invalid time {str(value)[:50]!r}"
    if when < EARLIEST:
        return None, f"invalid time {when.isoformat()} (before Instagram existed)"
    return when, None


def _parse_time_string(value: str) -> Any:
    """A unix time or an ISO 8601 time written as a string, or the string when it is neither."""
    text = value.strip()
    if _UNIX_TIME.fullmatch(text):
        return float(text)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return value


def unknown_author(comment_id: str) -> str:
    """The handle of a comment's author when instagram gave none: that comment's alone.

    "-" is not allowed in Instagram usernames, so no real account can have this handle, and
    two anonymous comments are never taken for one person.
    """
    return f"unknown-{comment_id}"


def comment_record(
    *,
    comment_id: Any,
    created_at: Any,
    text: Any,
    username: Any,
    full_name: Any,
    post: PostRef,
    parent_id: Optional[str],
    root_id: Optional[str],
    own_accounts: Collection[str],
    raw: Any,
    now: Optional[datetime] = None,
) -> InboundRecord | Rejected:
    """Build the record of one comment or reply, or say why it cannot be one.

    Text and usernames are kept exactly as written (markup, RTL overrides and all): the web
    layer escapes them and the pipeline hides invisible characters from the classifier only.
    An empty text is left to the pipeline, which quarantines it with its usual reason. A
    comment whose time cannot be read gets the import time (`now`), flagged as email does
    for a missing Date; one without an author gets an unknown contact of its own.
    """
    cid = str(comment_id).strip() if isinstance(comment_id, (int, str)) and not isinstance(comment_id, bool) else ""
    if not _COMMENT_ID.fullmatch(cid):
        return Rejected(post.url, f"invalid comment id {str(comment_id)[:80]!r}", payload_of(raw))
    ref = post.comment_url(cid)
    if text is not None and not isinstance(text, str):
        return Rejected(ref, f"comment text is a {type(text).__name__}, not text", payload_of(raw))
    meta: dict[str, Any] = {"post_shortcode": post.shortcode, "post_url": post.url, "profile": post.profile}
    sent_at, time_problem = comment_time(created_at)
    if sent_at is None:
        sent_at = now or datetime.now(timezone.utc)
        meta["date_missing"] = True
        meta["date_unparsed"] = time_problem
    if not isinstance(username, str) or not username.strip():
        username = unknown_author(cid)
        meta["author_unknown"] = True
    own = {a.lower() for a in own_accounts}
    if parent_id:
        meta["parent_comment_id"] = parent_id
    return InboundRecord(
        channel="instagram",
        source_id=cid,
        author=username,
        author_name=full_name if isinstance(full_name, str) and full_name.strip() and not meta.get("author_unknown") else None,
        text=text or "",
        sent_at=sent_at,
        in_reply_to=parent_id,
        references=(root_id,) if root_id and root_id != parent_id else (),
        raw_ref=ref,
        direction="outbound" if username.strip().lstrip("@").lower() in own else "inbound",
        meta=meta,
    )
