"""Attachments served: the file only as a download, the thumbnail made at ingest as an image.

Both carry the sniffed type (never the sender's), `nosniff`, and a sandboxing CSP, so that even
a browser that opened one in place would run nothing from it. Downloads are audited
(triage.attachments.record_download): a screenshot may show a NIK, so a thumbnail is served
only for a ticket revealed in this session (the reveal is audited).
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, abort
from flask_babel import format_decimal
from flask_login import current_user, login_required

from triage import attachments, db
from triage.web.access import revealed

bp = Blueprint("attachments", __name__)

SANDBOX = "sandbox; default-src 'none'"
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|;]+")
_ASCII_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
FALLBACK_NAME = "lampiran"


def download_names(filename: str) -> tuple[str, str]:
    """The name a download is saved as: an ASCII fallback and the full UTF-8 name, both without
    path parts, control characters or quotes."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = _UNSAFE_NAME.sub("_", name).strip(" .")[:150] or FALLBACK_NAME
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if unicodedata.category(c) != "Mn")  # é -> e
    ascii_name = _ASCII_NAME.sub("_", plain.encode("ascii", "replace").decode()).strip(" .")
    return ascii_name or FALLBACK_NAME, name


def _sandboxed(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = SANDBOX
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    s = db.get_session()
    file = attachments.download(s, attachment_id)
    if file is None or file.data is None:  # none, or listed only (over a cap when it came)
        abort(404)
    attachments.record_download(s, file, current_user)
    s.commit()
    ascii_name, name = download_names(file.filename)
    response = Response(file.data, mimetype=file.content_type or attachments.OCTET_STREAM)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return _sandboxed(response)


@bp.get("/attachments/<int:attachment_id>/thumbnail")
@login_required
def thumbnail(attachment_id: int):
    found = attachments.thumbnail(db.get_session(), attachment_id)
    if found is None:
        abort(404)
    ticket_id, image = found
    if not revealed(ticket_id):  # a photo may show a NIK: shown only after the audited reveal
        abort(403)
    response = Response(image, mimetype=attachments.thumbnail_type(image))
    response.headers["Content-Disposition"] = "inline"
    return _sandboxed(response)


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    """A file's size for people: bytes, KB or MB (1024-based), in the page's language."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{format_decimal(round(size / 1024, 1))} KB"
    return f"{format_decimal(round(size / (1024 * 1024), 1))} MB"
