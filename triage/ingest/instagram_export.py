"""Offline Instagram import: the `*_comments.json` files of `instaloader --comments`.

An operator can fetch on another machine and import here. instaloader writes, inside the
profile's folder, `<name>_comments.json` (a newest-first list of comments, each with its
`answers`) next to `<name>.json` or `<name>.json.xz` (the post's metadata, which holds the
shortcode). Comment ids are the records' source ids, as in the live source, so importing
twice, or importing what the live source already read, adds nothing.
"""
from __future__ import annotations

import json
import lzma
from pathlib import Path
from typing import Any, Collection, Iterator, Optional

from triage.ingest.instagram_comments import PostRef, comment_record, payload_of
from triage.records import InboundRecord, Rejected

SUFFIX = "_comments.json"


def is_comments_file(path: Path) -> bool:
    return path.name.endswith(SUFFIX) and len(path.name) > len(SUFFIX)


def post_shortcode(path: Path) -> str:
    """The post's shortcode from the sibling metadata file, else from the file's own name."""
    base = path.name[: -len(SUFFIX)]
    for sibling, opener in ((path.with_name(base + ".json"), open), (path.with_name(base + ".json.xz"), lzma.open)):
        if not sibling.is_file():
            continue
        try:
            with opener(sibling, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
                node = json.load(fh).get("node") or {}
        except (OSError, EOFError, lzma.LZMAError, ValueError, AttributeError):
            continue
        code = node.get("shortcode") or node.get("code")
        if isinstance(code, str) and code:
            return code
    return base


def _owner(obj: dict) -> tuple[Any, Any]:
    owner = obj.get("owner")
    if isinstance(owner, dict):
        return owner.get("username"), owner.get("full_name")
    return None, None


def read_comments_file(path: Path, own_accounts: Collection[str] = ()) -> Iterator[InboundRecord | Rejected]:
    """Yield every comment and reply of one export file, replies after the comment they answer."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply to read" if isinstance(exc, RecursionError) else f"{type(exc).__name__}: {exc}"
        yield Rejected(str(path), f"unreadable comments file: {reason}"[:2000])
        return
    if not isinstance(data, list):
        yield Rejected(str(path), "comments file is not a list of comments", payload_of(data))
        return
    profile = path.parent.name.lower()
    post = PostRef(profile, post_shortcode(path))
    own = {*(a.lower() for a in own_accounts), profile}
    # Depth-first without recursion: a hostile file may nest answers thousands deep.
    stack: list[tuple[Any, Optional[str], Optional[str], str]] = [
        (obj, None, None, f"{path}#{i}") for i, obj in reversed(list(enumerate(data)))
    ]
    while stack:
        obj, parent, root, ref = stack.pop()
        if not isinstance(obj, dict):
            yield Rejected(ref, "comment is not an object", payload_of(obj))
            continue
        username, full_name = _owner(obj)
        raw = {k: v for k, v in obj.items() if k != "answers"}
        item = comment_record(
            comment_id=obj.get("id"),
            created_at=obj.get("created_at"),
            text=obj.get("text"),
            username=username,
            full_name=full_name,
            post=post,
            parent_id=parent,
            root_id=root,
            own_accounts=own,
            raw=raw,
        )
        yield item
        answers = obj.get("answers") or []
        if not isinstance(answers, list):
            yield Rejected(ref, "answers is not a list", payload_of(answers))
            continue
        if isinstance(item, InboundRecord):
            me = item.source_id
            stack.extend((a, me, root or me, f"{ref}/{j}") for j, a in reversed(list(enumerate(answers))))
        elif answers:
            # Their parent is unusable, the answers themselves may be fine: keep them unthreaded.
            stack.extend((a, parent, root, f"{ref}/{j}") for j, a in reversed(list(enumerate(answers))))
