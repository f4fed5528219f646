"""Reading one IMAP folder from its cursor: the new UIDs, their bodies in bounded groups, a
cursor mark after each chunk, and the opt-in \\Seen or move once that chunk has committed.

The cursor is (UIDVALIDITY, last UID), so a crash re-fetches and a replay is a no-op. The
folder is opened read-only (EXAMINE, BODY.PEEK) unless marking \\Seen or moving is configured.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator, Optional, Sequence

import imaplib2

from triage.ingest.email_message import email_item
from triage.ingest.imap.connection import IMAP_FAILURES, failure, ok, quote, response_int
from triage.records import CursorMark, Rejected, SourceItem
from triage.settings import ImapAccount, ImapOptions

log = logging.getLogger(__name__)

# A group of bodies fetched in one command stays under this many bytes, so memory does not
# depend on how large the messages in a chunk happen to be.
FETCH_GROUP_BYTES = 16 * 1024 * 1024


def cursor_source(account: ImapAccount, folder: str) -> str:
    """The name under which a folder's cursor, runs and quarantined mail are recorded."""
    return f"imap:{account.name}/{folder}"


def uid_set(uids: Sequence[int]) -> str:
    """Compress sorted UIDs into an IMAP sequence set: 1:3,7,9:10."""
    parts: list[str] = []
    start = prev = uids[0]
    for uid in uids[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        parts.append(f"{start}:{prev}" if prev != start else str(start))
        start = prev = uid
    parts.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(parts)


_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def parse_fetch(data: list) -> list[tuple[int, Optional[int], Optional[bytes]]]:
    """(uid, size, body) for each message in a UID FETCH response, in server order."""
    found: list[list] = []
    for item in data:
        if isinstance(item, tuple) and len(item) >= 2:
            head, body = item[0], item[1]
            uid, size = _UID.search(head), _SIZE.search(head)
            found.append([int(uid.group(1)) if uid else None, int(size.group(1)) if size else None, body])
        elif isinstance(item, bytes):
            uid, size = _UID.search(item), _SIZE.search(item)
            if found and found[-1][0] is None and uid and not item[:1].isdigit():
                found[-1][0] = int(uid.group(1))  # UID sent after the literal
            elif uid:
                found.append([int(uid.group(1)), int(size.group(1)) if size else None, None])
    return [(u, s, b) for u, s, b in found if u is not None]


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    uidnext: Optional[int]


def open_folder(conn: imaplib2.IMAP4, account: ImapAccount, folder: str) -> FolderState:
    """Select the folder, read-only unless the account marks or moves imported mail."""
    writable = account.mark_seen or bool(account.move_to)
    ok(conn.select(quote(folder), readonly=not writable))
    uidvalidity = response_int(conn, "UIDVALIDITY")
    if uidvalidity is None:
        raise imaplib2.IMAP4.error(f"server sent no UIDVALIDITY for {folder}")
    return FolderState(uidvalidity, response_int(conn, "UIDNEXT"))


def _search_new(conn: imaplib2.IMAP4, last_uid: int, since: Optional[datetime]) -> list[int]:
    criteria = [f"UID {last_uid + 1}:*"]
    if since is not None:
        criteria.append("SINCE " + since.strftime("%d-%b-%Y"))
    data = ok(conn.uid("SEARCH", *criteria))
    uids = sorted({int(u) for line in data if line for u in line.split()})
    return [u for u in uids if u > last_uid]  # "N:*" always matches the highest UID


def _groups(sizes: dict[int, int], uids: list[int], budget: int) -> Iterator[list[int]]:
    group: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if group and total + size > budget:
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def _fetch_bodies(conn: imaplib2.IMAP4, uids: list[int], cap: int) -> tuple[dict, dict[int, str]]:
    """Bodies by UID; a group the server refuses is retried one message at a time."""
    spec = f"(UID RFC822.SIZE BODY.PEEK[]<0.{cap}>)"
    try:
        rows = parse_fetch(ok(conn.uid("FETCH", uid_set(uids), spec)))
        return {u: (s, b) for u, s, b in rows}, {}
    except imaplib2.IMAP4.abort:
        raise
    except imaplib2.IMAP4.error as exc:
        if len(uids) == 1:
            return {}, {uids[0]: f"server could not fetch the message: {exc}"[:500]}
    bodies: dict = {}
    errors: dict[int, str] = {}
    for uid in uids:
        got, failed = _fetch_bodies(conn, [uid], cap)
        bodies.update(got)
        errors.update(failed)
    return bodies, errors


def _message_item(
    account: ImapAccount, folder: str, uidvalidity: int, uid: int, size: Optional[int], raw: Optional[bytes]
) -> SourceItem:
    ref = f"imap://{account.name}/{folder};UIDVALIDITY={uidvalidity}/;UID={uid}"
    if raw is None:
        return Rejected(ref, "server returned no body for this UID")
    record = email_item(raw, ref, support_addresses=account.support_addresses, full_size=size)
    if isinstance(record, Rejected):
        return record
    record.meta["imap"] = {"account": account.name, "folder": folder, "uidvalidity": uidvalidity, "uid": uid}
    return record


def _after_commit(conn: imaplib2.IMAP4, account: ImapAccount, uids: list[int]) -> None:
    """Mark or move mail that is now safely stored (opt-in)."""
    uidset = uid_set(uids)
    if account.move_to:
        if "MOVE" in conn.capabilities:
            ok(conn.uid("MOVE", uidset, quote(account.move_to)))
        else:
            ok(conn.uid("COPY", uidset, quote(account.move_to)))
            ok(conn.uid("STORE", uidset, "+FLAGS.SILENT", r"(\Deleted)"))
            ok(conn.expunge())
    elif account.mark_seen:
        ok(conn.uid("STORE", uidset, "+FLAGS.SILENT", r"(\Seen)"))


def folder_items(
    conn: imaplib2.IMAP4,
    account: ImapAccount,
    folder: str,
    position: dict,
    options: ImapOptions,
    now: Optional[datetime] = None,
) -> Iterator[SourceItem]:
    """Yield the folder's new messages chunk by chunk, each chunk followed by its cursor mark."""
    source = cursor_source(account, folder)
    try:
        state = open_folder(conn, account, folder)
        last_uid = int(position.get("last_uid", 0))
        if position and position.get("uidvalidity") != state.uidvalidity:
            log.warning("%s: UIDVALIDITY changed from %s to %s: resyncing the whole folder (no duplicates: "
                        "messages are matched by Message-ID)", source, position.get("uidvalidity"), state.uidvalidity)
            last_uid = 0
        since = None
        if not position and account.backfill_days is not None:
            since = (now or datetime.now(timezone.utc)) - timedelta(days=account.backfill_days)
        uids = _search_new(conn, last_uid, since)
        written = {k: position.get(k) for k in ("uidvalidity", "last_uid")}
        for start in range(0, len(uids), options.fetch_chunk):
            chunk = uids[start : start + options.fetch_chunk]
            sizes = {u: s or 0 for u, s, _ in parse_fetch(ok(conn.uid("FETCH", uid_set(chunk), "(UID RFC822.SIZE)")))}
            for group in _groups(sizes, chunk, FETCH_GROUP_BYTES):
                bodies, errors = _fetch_bodies(conn, group, options.max_message_bytes)
                for uid in group:
                    if uid in errors:
                        ref = f"imap://{account.name}/{folder};UIDVALIDITY={state.uidvalidity}/;UID={uid}"
                        yield Rejected(ref, errors[uid])
                    elif uid in bodies or uid in sizes:  # gone meanwhile (expunged): nothing to store
                        size, raw = bodies.get(uid, (sizes.get(uid), None))
                        yield _message_item(account, folder, state.uidvalidity, uid, size, raw)
                del bodies
            last_uid = chunk[-1]
            written = {"uidvalidity": state.uidvalidity, "last_uid": last_uid}
            # Resumed only once the runner has committed the chunk with this mark.
            yield CursorMark(source, dict(written), commit=True)
            _after_commit(conn, account, chunk)
        if since is not None and state.uidnext:  # mail older than the backfill window is skipped for good
            last_uid = max(last_uid, state.uidnext - 1)
        new_position = {"uidvalidity": state.uidvalidity, "last_uid": last_uid}
        if new_position != written:
            yield CursorMark(source, new_position, commit=True)
    except IMAP_FAILURES as exc:
        raise failure(account, exc, f"read {folder}") from None
