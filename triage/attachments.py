"""Email attachments: stored with their message up to a size cap, typed by sniffing their bytes
(never by what the sender declared), images with a thumbnail made here, and served only as
downloads (triage.web.attachments), each download audited: a screenshot may show a NIK.

The bytes travel with the record (triage.records.AttachedFile); the pipeline's store step calls
`store_files` in the batch's savepoint, once the messages have their ids. A message stored once
never gets its files again: a redelivered message is a duplicate and reaches no store.
"""
from __future__ import annotations

import hashlib
import io
from typing import NamedTuple, Optional, Sequence

import filetype
import sqlalchemy as sa
import sqlalchemy.orm as so
from PIL import Image, ImageOps

from triage.models import AuditEvent, Message, User
from triage.models.workbench import Attachment
from triage.records import AttachedFile
from triage.storable import storable

OCTET_STREAM = "application/octet-stream"
# The image formats a thumbnail is made of (Pillow's names), with their types.
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
THUMBNAIL_PX = 320
# A decompression bomb (a small file that decodes to gigapixels) gets no thumbnail. Pillow
# refuses images over twice this when opening them; the thumbnail checks the size itself too.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Files of one message listed at most (with or without their bytes): hostile mail may hold
# thousands of parts. The rest are only counted in the message's meta (its attachment list).
MAX_ROWS_PER_MESSAGE = 100
_ID_CHUNK = 500


def sniff_type(data: bytes) -> str:
    """The type the bytes say they are: Pillow for images, the file's magic bytes otherwise,
    application/octet-stream when unknown (HTML and text included: never served as such)."""
    try:
        with Image.open(io.BytesIO(data), formats=list(IMAGE_TYPES)) as image:
            return IMAGE_TYPES[image.format or ""]
    except Exception:  # noqa: BLE001 - not an image Pillow reads (or a bomb: typed below, no thumbnail)
        pass
    try:
        kind = filetype.guess(data[:8192])
    except Exception:  # noqa: BLE001 - a guess that fails is no type
        kind = None
    return kind.mime if kind is not None and len(kind.mime) <= 100 else OCTET_STREAM


def make_thumbnail(data: bytes) -> Optional[bytes]:
    """A small copy (at most THUMBNAIL_PX a side) re-encoded without metadata: PNG when the image
    has transparency, else JPEG. None for anything Pillow cannot or should not decode."""
    try:
        with Image.open(io.BytesIO(data), formats=list(IMAGE_TYPES)) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image.draft("RGB", (THUMBNAIL_PX * 2, THUMBNAIL_PX * 2))  # JPEG: decode at a fraction of the size
            small = ImageOps.exif_transpose(image)  # a phone photo's orientation, before EXIF is dropped
            small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            out = io.BytesIO()
            if small.mode in ("RGBA", "LA", "PA") or (small.mode == "P" and "transparency" in small.info):
                small.convert("RGBA").save(out, "PNG")
            else:
                small.convert("RGB").save(out, "JPEG", quality=82)
            return out.getvalue()
    except Exception:  # noqa: BLE001 - every Pillow error (bombs, truncated files, odd modes): no thumbnail
        return None


def thumbnail_type(thumbnail: bytes) -> str:
    return "image/png" if thumbnail.startswith(b"\x89PNG") else "image/jpeg"


def file_rows(files: Sequence[AttachedFile], max_bytes: int, per_message: int) -> list[dict]:
    """The attachments table's rows for one message's files (no message id yet): the first
    `per_message` files up to `max_bytes` keep their bytes, the others only name and size."""
    rows = []
    for number, file in enumerate(files[:MAX_ROWS_PER_MESSAGE]):
        data = file.data
        keep = number < per_message and len(data) <= max_bytes
        content_type = sniff_type(data)
        rows.append({
            "filename": storable(file.filename)[:255],
            "declared_type": storable(file.declared_type)[:100],
            "content_type": content_type,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "data": data if keep else None,
            "thumbnail": make_thumbnail(data) if keep and content_type in IMAGE_TYPES.values() else None,
        })
    return rows


def store_files(
    session: so.Session, messages: Sequence[tuple[dict, Sequence[AttachedFile]]], max_bytes: int, per_message: int
) -> int:
    """Store the files of messages just inserted (each given by its messages-table row); the rows written."""
    if not messages:
        return 0
    by_source: dict[str, list[str]] = {}
    for row, _ in messages:
        by_source.setdefault(row["source"], []).append(row["source_id"])
    ids: dict[tuple[str, str], int] = {}
    for source, source_ids in by_source.items():
        for start in range(0, len(source_ids), _ID_CHUNK):
            query = sa.select(Message.source_id, Message.id).where(
                Message.source == source, Message.source_id.in_(source_ids[start : start + _ID_CHUNK])
            )
            ids.update(((source, source_id), message_id) for source_id, message_id in session.execute(query))
    rows = [
        {**values, "message_id": ids[(row["source"], row["source_id"])]}
        for row, files in messages
        for values in file_rows(files, max_bytes, per_message)
    ]
    if rows:
        session.execute(sa.insert(Attachment.__table__), rows)
    return len(rows)


class AttachmentInfo(NamedTuple):
    """An attachment as the ticket page lists it (never its bytes)."""

    id: int
    message_id: int
    filename: str
    content_type: str
    size: int
    stored: bool  # its bytes are kept (downloadable)
    has_thumbnail: bool


_FOR_TICKET = (
    sa.select(
        Attachment.id, Attachment.message_id, Attachment.filename, Attachment.content_type, Attachment.size,
        Attachment.data.is_not(None), Attachment.thumbnail.is_not(None),
    )
    .join(Message, Message.id == Attachment.message_id)
    .where(Message.ticket_id == sa.bindparam("ticket_id"))
    .order_by(Attachment.id)
)


def for_ticket(session: so.Session, ticket_id: int) -> dict[int, list[AttachmentInfo]]:
    """Every attachment of the ticket's messages, by message id, in one query (no bytes loaded)."""
    found: dict[int, list[AttachmentInfo]] = {}
    for row in session.execute(_FOR_TICKET, {"ticket_id": ticket_id}):
        info = AttachmentInfo(*row)
        found.setdefault(info.message_id, []).append(info)
    return found


class Download(NamedTuple):
    id: int
    ticket_id: int
    filename: str
    content_type: str
    data: Optional[bytes]  # None: over a cap when it came, never kept


def download(session: so.Session, attachment_id: int) -> Optional[Download]:
    """The attachment with its bytes and its ticket, or None."""
    query = (
        sa.select(Attachment.id, Message.ticket_id, Attachment.filename, Attachment.content_type, Attachment.data)
        .join(Message, Message.id == Attachment.message_id)
        .where(Attachment.id == attachment_id)
    )
    row = session.execute(query).one_or_none()
    return Download(*row) if row else None


def thumbnail(session: so.Session, attachment_id: int) -> Optional[tuple[int, bytes]]:
    """The attachment's ticket and thumbnail, or None (no such attachment, not an image, or none could be made)."""
    row = session.execute(
        sa.select(Message.ticket_id, Attachment.thumbnail).join(Message, Message.id == Attachment.message_id)
        .where(Attachment.id == attachment_id)
    ).first()
    return (row.ticket_id, row.thumbnail) if row is not None and row.thumbnail else None


def record_download(session: so.Session, file: Download, user: User) -> None:
    """Note that `user` downloaded this file (it may show personal numbers, like a reveal)."""
    session.add(
        AuditEvent(
            actor_id=user.id, action="attachment.downloaded", ticket_id=file.ticket_id,
            detail={"attachment": file.id, "content_type": file.content_type},
        )
    )
