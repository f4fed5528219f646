"""Turn raw RFC 5322 bytes into an InboundRecord, tolerating the mail people really send.

Charsets and encoded-words are decoded leniently (`mail_decode`), HTML-only mail is sanitized
(nh3) and reduced to text with script and style dropped, a forwarded message/rfc822 is
unwrapped, attachments are kept as metadata only (a text sent only as a file, or only a
subject, is the message; each attachment's bytes travel with the record as an AttachedFile), and auto-replies, bounces, bulk mail and our own outbound mail are
marked as not complaints.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Optional

import nh3

from triage.ingest.mail_decode import Decoded, content_key, decode_bytes, decode_words
from triage.records import AttachedFile, InboundRecord, Rejected

MAX_NESTING = 100  # deeper MIME nesting is an attack, not a complaint
_MSGID = re.compile(r"<[^<>\s]+>")
_BLOCK_TAGS = {"p", "br", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "table"}
_DROPPED_TAGS = {"script", "style", "title", "noscript", "template"}
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|autoreply|auto:|"
    r"balasan otomatis|di luar kantor|sedang cuti)",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}


class EmailParseError(ValueError):
    """The bytes are not a usable email; the message says why."""


class _TextExtractor(HTMLParser):
    _SKIP = _DROPPED_TAGS | {"head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._SKIP:
            self.skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skip_depth:
            self.skip_depth -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Sanitize with nh3 (a browser-grade HTML parser), then keep the text and its line breaks."""
    try:
        cleaned = nh3.clean(html, tags=_BLOCK_TAGS, clean_content_tags=_DROPPED_TAGS, attributes={}, link_rel=None)
    except BaseException:  # nh3 is Rust code: a panic surfaces as an unusual exception type
        cleaned = html
    extractor = _TextExtractor()
    extractor.feed(cleaned)
    extractor.close()
    text = "".join(extractor.parts)
    return re.sub(r"[ \t\r\f\v]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


def decode_payload(part: Message) -> Decoded:
    """Decode a text part with its declared charset, then fallbacks; never raise."""
    try:
        raw = part.get_payload(decode=True)
    except Exception:  # a transfer encoding the stdlib cannot undo: keep the raw text
        raw = None
    if raw is None:
        payload = part.get_payload()
        return Decoded(payload if isinstance(payload, str) else "")
    try:
        declared = part.get_content_charset()
    except Exception:
        declared = None
    return decode_bytes(raw, declared)


def _clean_text(value: str) -> str:
    """A header value as one line of text: raw 8-bit bytes and encoded-words decoded, NUL removed."""
    if _has_raw_bytes(value):  # raw 8-bit header bytes arrive as surrogate escapes
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), None).text
    return " ".join(decode_words(value).replace("\x00", "").split())


_RAW_BYTE = re.compile("[\udc80-\udcff]")


def _has_raw_bytes(value: str) -> bool:
    return not value.isascii() and _RAW_BYTE.search(value) is not None


def _raw_header(msg: Message, name: str) -> Optional[str]:
    """The first raw value of a header (cached per message)."""
    cache = msg.__dict__.get("_triage_raw")
    if cache is None:
        cache = {}
        for key, value in msg.raw_items():  # type: ignore[attr-defined]
            cache.setdefault(key.lower(), value)
        msg.__dict__["_triage_raw"] = cache
    raw = cache.get(name.lower())
    return None if raw is None else str(raw)


def _header(msg: Message, name: str) -> Optional[str]:
    raw = _raw_header(msg, name)
    return None if raw is None else _clean_text(raw)


def _sender(msg: Message) -> tuple[str, str]:
    """The From header's first display name and address.

    The address structure is read before encoded-words are decoded: a decoded name may hold
    commas, quotes or a whole address ("Dewi" <other@example.com>) that must stay a name.
    """
    raw = _raw_header(msg, "From")
    if not raw:
        return "", ""
    raw = _FOLD.sub("", raw)
    if _has_raw_bytes(raw):
        raw = decode_bytes(raw.encode("utf-8", "surrogateescape"), None).text
    try:
        addresses = getaddresses([raw])
    except Exception:
        addresses = []
    name, addr = addresses[0] if addresses else ("", "")
    if "=?" in addr:  # the whole "Name <address>" sent as one encoded-word: parse what it says
        inner = getaddresses([_clean_text(addr)])
        if inner and "@" in inner[0][1]:
            name, addr = inner[0][0] or name, inner[0][1]
    return _clean_text(name), _clean_text(addr)


_FOLD = re.compile(r"\r?\n(?=[ \t])")


@dataclass
class _Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    named: list[tuple[str, Message]] = field(default_factory=list)  # text parts sent as files
    attachments: list[dict] = field(default_factory=list)
    files: list[AttachedFile] = field(default_factory=list)  # the attachments with their bytes
    forwarded: list[str] = field(default_factory=list)
    forwarded_meta: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    text_from_attachment: list[str] = field(default_factory=list)
    decode_errors: int = 0
    nul_stand_ins: int = 0
    fallbacks: set[str] = field(default_factory=set)

    def decode(self, part: Message) -> str:
        return self.keep(decode_payload(part))

    def keep(self, decoded: Decoded) -> str:
        """The decoded text, with what decoding gave up counted for the record's meta."""
        self.decode_errors += decoded.errors
        self.nul_stand_ins += decoded.nul_stand_ins
        if decoded.fallback:
            self.fallbacks.add(decoded.fallback)
        return decoded.text

    def text(self) -> str:
        own = "\n\n".join(p.strip() for p in self.plain if p.strip()) or "\n\n".join(h for h in self.html if h)
        if not own.strip() and self.named and not self.text_from_attachment:
            # Only a text sent as a file: that file is what the person wrote.
            for name, part in self.named:
                text = self.decode(part)
                text = html_to_text(text) if part.get_content_type() == "text/html" else text.strip()
                if text:
                    self.plain.append(text)
                    self.text_from_attachment.append(name)
            own = "\n\n".join(self.plain)
        return "\n\n".join(t for t in [own.strip(), *self.forwarded] if t).replace("\x00", "")

    def absorb(self, inner: "_Body") -> None:
        """Take over what a forwarded message's body found, besides its text."""
        self.attachments.extend(inner.attachments)
        self.files.extend(inner.files)
        self.notes.extend(inner.notes)
        self.text_from_attachment.extend(inner.text_from_attachment)
        self.decode_errors += inner.decode_errors
        self.nul_stand_ins += inner.nul_stand_ins
        self.fallbacks |= inner.fallbacks


def _attachment(part: Message) -> tuple[dict, AttachedFile]:
    """An attachment's metadata (for the record's meta) and the file with what could be decoded:
    a broken transfer encoding never stops the message, it is noted."""
    note = None
    try:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    except Exception as exc:
        data, note = b"", f"cannot be decoded ({type(exc).__name__})"
    if note is None and part.defects:  # e.g. invalid base64: the stdlib decodes what it can
        note = "decoded with defects: " + ", ".join(sorted({type(d).__name__ for d in part.defects}))
    meta = {"name": _filename(part)[:300], "type": part.get_content_type(), "size": len(data)}
    if note:
        meta["note"] = note
    return meta, AttachedFile(meta["name"], meta["type"], data, note)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return _clean_text(str(name))


def _is_named_text(part: Message, filename: str) -> bool:
    """A text part sent as a file (or a .txt file sent as bytes) that may hold the message."""
    ctype = part.get_content_type()
    if ctype in ("text/plain", "text/html"):  # not calendars, vCards or bounce reports
        return True
    return ctype == "application/octet-stream" and filename.lower().endswith(".txt")


def _forward_block(inner: Message, body: _Body) -> str:
    sender, subject, date = (_header(inner, h) or "" for h in ("From", "Subject", "Date"))
    head = f"---------- Forwarded message ----------\nFrom: {sender}\nDate: {date}\nSubject: {subject}"
    return f"{head}\n\n{body.text()}"


# A delimiter line of the boundary a body really uses, followed by a part's header.
_USED_BOUNDARY = re.compile(rb"^--([!-~]{1,70})[ \t]*\r?\n(?=content-[a-z-]+:)", re.MULTILINE | re.IGNORECASE)


def _unsplit_multipart(part: Message, body: _Body, depth: int) -> None:
    """A multipart whose declared boundary never appears: split it by the boundary its body
    does use, if any; else its body is the text."""
    payload = part.get_payload()
    data = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""
    used = _USED_BOUNDARY.search(data)
    if used:
        token = used.group(1).rstrip(b"-")
        container = b'Content-Type: multipart/mixed; boundary="' + token.replace(b'"', b"") + b'"\r\n\r\n' + data
        inner = BytesParser(policy=policy.compat32).parsebytes(container)
        if isinstance(inner.get_payload(), list):
            body.notes.append("multipart boundary never found: split by the boundary the body uses")
            _collect(inner, body, depth + 1)
            return
    body.notes.append("multipart boundary never found: body read as text")
    try:
        declared = part.get_content_charset()
    except Exception:
        declared = None
    body.plain.append(body.keep(decode_bytes(data, declared)))


def _collect(part: Message, body: _Body, depth: int) -> None:
    if depth > MAX_NESTING:
        body.notes.append("nesting too deep: inner parts ignored")
        return
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            inner_body = _Body()
            _collect(inner, inner_body, depth + 1)
            body.forwarded.append(_forward_block(inner, inner_body))
            body.forwarded_meta.append({"from": _header(inner, "From"), "subject": _header(inner, "Subject")})
            body.absorb(inner_body)
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                _collect(sub, body, depth + 1)
        return
    if part.get_content_maintype() == "multipart":  # its declared boundary never appears
        if str(part.get_payload()).strip():
            _unsplit_multipart(part, body, depth)
        return
    try:
        disposition = part.get_content_disposition()
        filename = _filename(part)
    except Exception:
        disposition, filename = "attachment", ""
    if disposition == "attachment" or filename or part.get_content_maintype() != "text":
        meta, file = _attachment(part)
        body.attachments.append(meta)
        body.files.append(file)
        if _is_named_text(part, filename):
            body.named.append((filename, part))
    elif ctype == "text/html":
        body.html.append(html_to_text(body.decode(part)))
    else:  # text/plain, and any other text/* rather than lose it
        body.plain.append(body.decode(part))


def _body(msg: Message) -> tuple[str, list[dict], _Body]:
    body = _Body()
    _collect(msg, body, 0)
    return body.text(), body.attachments, body


# Reply and forward prefixes say nothing of their own: "Re:" alone is no subject.
_REPLY_PREFIXES = re.compile(r"^(\s*(re|fwd?|aw|wg|tr|sv|vs|rv|balas|bls|trs|penerusan)\s*(\[\d+\])?\s*:)+", re.IGNORECASE)


def subject_says_something(subject: Optional[str]) -> bool:
    return bool(subject) and bool(_REPLY_PREFIXES.sub("", subject or "").strip())


def not_complaint_reason(msg: Message, sender: str) -> Optional[str]:
    """Why this mail needs no agent (auto-reply, bounce, bulk, list), or None."""
    auto = (_header(msg, "Auto-Submitted") or "").lower()
    if (auto and not auto.startswith("no")) or _header(msg, "X-Autoreply") or _header(msg, "X-Autorespond"):
        return "auto-reply"
    if _AUTO_REPLY_SUBJECT.match(_header(msg, "Subject") or ""):
        return "auto-reply"
    try:
        report = msg.get_content_type() == "multipart/report" and "delivery-status" in (msg.get_param("report-type") or "")
    except Exception:
        report = False
    if report or sender.split("@")[0].lower() in _BOUNCE_SENDERS:
        return "bounce"
    if (_header(msg, "Precedence") or "").lower() in ("bulk", "list", "junk"):
        return "bulk"
    if _header(msg, "List-Unsubscribe") or _header(msg, "List-Id"):
        return "mailing-list"
    return None


def parse_email(
    raw: bytes,
    raw_ref: str,
    *,
    support_addresses: tuple[str, ...] = (),
    full_size: Optional[int] = None,
) -> InboundRecord:
    """Parse one email; raise EmailParseError when it has no sender or no text.

    `full_size` is the size of the whole message when `raw` is only its first part
    (a size cap), so that the truncation is noted on the record.
    """
    if not raw or not raw.strip():
        raise EmailParseError("empty file")
    # compat32 structure parsing is several times faster than policy.default, whose header
    # objects are built on every content-type look-up; headers are decoded by _clean_text.
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    if not msg.keys():
        raise EmailParseError("no email headers found")
    name, addr = _sender(msg)
    if not addr or "@" not in addr:
        raise EmailParseError("no sender address in From header")
    meta: dict = {}
    direction = "inbound"
    reason = not_complaint_reason(msg, addr)
    if addr.lower() in support_addresses:
        direction, reason = "outbound", "own-address"
    text, attachments, body = _body(msg)
    subject = _header(msg, "Subject")
    if not text.strip():
        if reason:
            text = f"({reason}: no text)"
        elif subject_says_something(subject):
            # The complaint is in the subject ("Insentif belum masuk" and an empty body).
            text = subject  # type: ignore[assignment]
            meta["text_from_subject"] = True
        else:
            detail = f" ({len(attachments)} attachment(s))" if attachments else ""
            detail += f" ({'; '.join(body.notes)})" if body.notes else ""
            raise EmailParseError("no text body and no subject" + detail)
    if reason:
        meta["not_complaint"] = reason
    date_header = _header(msg, "Date")
    sent_at: Optional[datetime] = None
    if date_header:
        try:
            sent_at = parsedate_to_datetime(date_header)
            if sent_at.tzinfo is None:
                sent_at = sent_at.replace(tzinfo=timezone.utc)
        except (TypeError, ValueError, IndexError, OverflowError):
            sent_at = None
    if sent_at is None:
        meta["date_missing"] = True
        if date_header:
            meta["date_unparsed"] = date_header[:200]
        sent_at = datetime.now(timezone.utc)
    if attachments:
        meta["attachments"] = attachments
    if body.forwarded_meta:
        meta["forwarded"] = body.forwarded_meta
    if body.notes:
        meta["parse_notes"] = body.notes
    if body.text_from_attachment:
        meta["text_from_attachment"] = body.text_from_attachment
    if body.decode_errors:
        meta["decode_errors"] = body.decode_errors
    if body.nul_stand_ins:
        meta["nul_stand_ins_removed"] = body.nul_stand_ins
    if body.fallbacks:
        meta["charset_fallback"] = ", ".join(sorted(body.fallbacks))
    if full_size is not None and full_size > len(raw):
        meta["truncated_from_bytes"] = full_size
    if msg.defects:
        meta["defects"] = sorted({type(d).__name__ for d in msg.defects})
    message_id = _MSGID.search(_header(msg, "Message-ID") or "")
    in_reply_to = _MSGID.search(_header(msg, "In-Reply-To") or "")
    references = tuple(_MSGID.findall(_header(msg, "References") or ""))
    return InboundRecord(
        channel="email",
        source_id=message_id.group(0) if message_id else content_key(raw),
        author=addr,
        author_name=name or None,
        text=text,
        sent_at=sent_at,
        subject=subject,
        in_reply_to=in_reply_to.group(0) if in_reply_to else None,
        references=references,
        raw_ref=raw_ref,
        direction=direction,
        meta=meta,
        files=tuple(body.files),
    )


def email_item(
    raw: bytes, raw_ref: str, *, support_addresses: tuple[str, ...] = (), full_size: Optional[int] = None
) -> InboundRecord | Rejected:
    """`parse_email`, with mail that cannot be parsed turned into a Rejected input (quarantined
    with the reason and the start of the raw text), so one bad message never stops the rest."""
    try:
        return parse_email(raw, raw_ref, support_addresses=support_addresses, full_size=full_size)
    except EmailParseError as exc:
        reason = f"unparseable email: {exc}"
    except Exception as exc:  # the stdlib parser has surprising failure modes on hostile mail
        reason = f"unparseable email: {type(exc).__name__}: {exc}"[:2000]
    return Rejected(raw_ref, reason, raw[:20_000].decode("utf-8", "replace"))
