"""Turn raw RFC 5322 bytes into an InboundRecord, tolerating the mail people really send.

Charsets fall back (declared, utf-8, cp1252, latin-1) rather than failing, HTML-only
mail is sanitized (nh3) and reduced to text with script and style dropped, a forwarded
message/rfc822 is unwrapped, attachments are kept as metadata only, and auto-replies,
bounces, bulk mail and our own outbound mail are marked as not complaints.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Optional

import nh3

from triage.ingest.record import InboundRecord, Rejected, content_hash

FALLBACK_CHARSETS = ("utf-8", "cp1252", "iso-8859-1")
# A declared charset that decodes with at most this share of bad bytes is kept, with
# replacement characters, rather than swapped for a single-byte guess that garbles it all.
MAX_REPLACEMENT_SHARE = 0.02
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


def decode_bytes(raw: bytes, declared: Optional[str]) -> str:
    """Decode with the declared charset, then the fallbacks; never raise."""
    if declared:
        try:
            return raw.decode(declared)
        except LookupError:
            declared = None  # an unknown charset name: rely on the fallbacks
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = raw.decode(declared or "utf-8", errors="replace")
    if lenient.count("\ufffd") <= MAX_REPLACEMENT_SHARE * max(len(lenient), 1):
        return lenient
    for charset in FALLBACK_CHARSETS[1:]:
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            continue
    return lenient  # pragma: no cover - latin-1 always decodes


def decode_payload(part: Message) -> str:
    """Decode a text part with its declared charset, then fallbacks; never raise."""
    try:
        raw = part.get_payload(decode=True)
    except Exception:  # a transfer encoding the stdlib cannot undo: keep the raw text
        raw = None
    if raw is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    try:
        declared = part.get_content_charset()
    except Exception:
        declared = None
    return decode_bytes(raw, declared)


def _clean_text(value: str) -> str:
    # Raw 8-bit header bytes arrive as surrogate escapes: decode them like a body.
    if _has_raw_bytes(value):
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    return " ".join(value.replace("\x00", "").split())


_RAW_BYTE = re.compile("[\udc80-\udcff]")


def _has_raw_bytes(value: str) -> bool:
    return not value.isascii() and _RAW_BYTE.search(value) is not None


def _raw_header(msg: Message, name: str) -> Optional[str]:
    """The first raw value of a header (cached per message: the policy's parsing is slow)."""
    cache = msg.__dict__.get("_triage_raw")
    if cache is None:
        cache = {}
        for key, value in msg.raw_items():  # type: ignore[attr-defined]
            cache.setdefault(key.lower(), value)
        msg.__dict__["_triage_raw"] = cache
    return cache.get(name.lower())


def _header(msg: Message, name: str) -> Optional[str]:
    raw = _raw_header(msg, name)
    if raw is None:
        return None
    if isinstance(raw, str) and _has_raw_bytes(raw):  # unencoded 8-bit: the policy would turn it into U+FFFD
        return _clean_text(raw)
    if isinstance(raw, str) and "=?" not in raw:  # nothing to decode: skip the policy's slow parser
        return _clean_text(raw)
    try:
        text = str(policy.default.header_factory(name, str(raw)))
    except Exception:  # a header the policy cannot parse: decode its raw text by hand
        if raw is None:
            return None
        try:
            text = str(make_header(decode_header(str(raw))))
        except Exception:
            text = str(raw)
    return _clean_text(text) if text is not None else None


@dataclass
class _Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    forwarded_meta: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        own = "\n\n".join(p.strip() for p in self.plain if p.strip()) or "\n\n".join(h for h in self.html if h)
        return "\n\n".join(t for t in [own.strip(), *self.forwarded] if t).replace("\x00", "")


def _attachment_meta(part: Message) -> dict:
    try:
        payload = part.get_payload(decode=True) or b""
        size = len(payload) if isinstance(payload, bytes) else 0
    except Exception:
        size = 0
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return {"name": _clean_text(name)[:300], "type": part.get_content_type(), "size": size}


def _forward_block(inner: Message, body: _Body) -> str:
    sender, subject, date = (_header(inner, h) or "" for h in ("From", "Subject", "Date"))
    head = f"---------- Forwarded message ----------\nFrom: {sender}\nDate: {date}\nSubject: {subject}"
    return f"{head}\n\n{body.text()}"


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
            body.attachments.extend(inner_body.attachments)
            body.notes.extend(inner_body.notes)
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                _collect(sub, body, depth + 1)
        return
    try:
        disposition = part.get_content_disposition()
        filename = part.get_filename()
    except Exception:
        disposition, filename = "attachment", None
    if disposition == "attachment" or filename or part.get_content_maintype() != "text":
        body.attachments.append(_attachment_meta(part))
    elif ctype == "text/html":
        body.html.append(html_to_text(decode_payload(part)))
    else:  # text/plain, and any other text/* rather than lose it
        body.plain.append(decode_payload(part))


def _body(msg: Message) -> tuple[str, list[dict], _Body]:
    body = _Body()
    _collect(msg, body, 0)
    return body.text(), body.attachments, body


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
    # objects are built on every content-type look-up; headers that need decoding still go
    # through policy.default's header parser (_header).
    msg = BytesParser(policy=policy.compat32).parsebytes(raw)
    if not msg.keys():
        raise EmailParseError("no email headers found")
    from_header = _header(msg, "From")
    try:
        addresses = getaddresses([from_header]) if from_header else []
    except Exception:
        addresses = []
    name, addr = addresses[0] if addresses else ("", "")
    if not addr or "@" not in addr:
        raise EmailParseError("no sender address in From header")
    addr = _clean_text(addr)
    meta: dict = {}
    direction = "inbound"
    reason = not_complaint_reason(msg, addr)
    if addr.lower() in support_addresses:
        direction, reason = "outbound", "own-address"
    text, attachments, body = _body(msg)
    if not text.strip():
        if not reason:
            detail = f" ({len(attachments)} attachment(s))" if attachments else ""
            detail += f" ({'; '.join(body.notes)})" if body.notes else ""
            raise EmailParseError("no text body" + detail)
        text = f"({reason}: no text)"
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
        sent_at = datetime.now(timezone.utc)
    if attachments:
        meta["attachments"] = attachments
    if body.forwarded_meta:
        meta["forwarded"] = body.forwarded_meta
    if body.notes:
        meta["parse_notes"] = body.notes
    if full_size is not None and full_size > len(raw):
        meta["truncated_from_bytes"] = full_size
    if msg.defects:
        meta["defects"] = sorted({type(d).__name__ for d in msg.defects})
    message_id = _MSGID.search(_header(msg, "Message-ID") or "")
    in_reply_to = _MSGID.search(_header(msg, "In-Reply-To") or "")
    references = tuple(_MSGID.findall(_header(msg, "References") or ""))
    return InboundRecord(
        channel="email",
        source_id=message_id.group(0) if message_id else content_hash(raw),
        author=addr,
        author_name=_clean_text(name) or None,
        text=text,
        sent_at=sent_at,
        subject=_header(msg, "Subject"),
        in_reply_to=in_reply_to.group(0) if in_reply_to else None,
        references=references,
        raw_ref=raw_ref,
        direction=direction,
        meta=meta,
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
