"""Turn raw RFC 5322 bytes into an InboundRecord, tolerating the mail people really send.

Charsets fall back (declared, utf-8, cp1252, latin-1) with replacement characters
rather than failing, HTML-only mail is reduced to text with script and style
dropped, and attachments are kept as metadata only.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Optional

from triage.ingest.record import InboundRecord, content_hash

FALLBACK_CHARSETS = ("utf-8", "cp1252", "iso-8859-1")
_MSGID = re.compile(r"<[^<>\s]+>")


class EmailParseError(ValueError):
    """The bytes are not a usable email; the message says why."""


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "head", "title"}
    _BREAK = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._SKIP:
            self.skip_depth += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skip_depth:
            self.skip_depth -= 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts)
    return re.sub(r"[ \t\r\f\v]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


def decode_payload(part: EmailMessage) -> str:
    """Decode a text part with its declared charset, then fallbacks; never raise."""
    raw = part.get_payload(decode=True)
    if raw is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    declared = part.get_content_charset()
    for charset in ([declared] if declared else []) + list(FALLBACK_CHARSETS):
        try:
            return raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("utf-8", errors="replace")  # pragma: no cover - latin-1 always decodes


def _header(msg: EmailMessage, name: str) -> Optional[str]:
    try:
        value = msg.get(name)
    except Exception:  # a header the policy cannot parse: use its raw text instead
        value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    return str(value).strip() if value is not None else None


def _body(msg: EmailMessage) -> tuple[str, list[dict]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[dict] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = part.get_content_disposition()
        if disposition == "attachment" or part.get_filename():
            payload = part.get_payload(decode=True) or b""
            attachments.append({"name": part.get_filename() or "", "type": ctype, "size": len(payload)})
            continue
        if ctype == "text/plain":
            plain.append(decode_payload(part))
        elif ctype == "text/html":
            html.append(html_to_text(decode_payload(part)))
    text = "\n\n".join(p.strip() for p in plain if p.strip()) or "\n\n".join(h for h in html if h)
    return text.replace("\x00", ""), attachments


def parse_email(raw: bytes, raw_ref: str) -> InboundRecord:
    """Parse one email; raise EmailParseError when it has no sender or no text."""
    if not raw or not raw.strip():
        raise EmailParseError("empty file")
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    if not msg.keys():
        raise EmailParseError("no email headers found")
    from_header = _header(msg, "From")
    addresses = getaddresses([from_header]) if from_header else []
    name, addr = addresses[0] if addresses else ("", "")
    if not addr or "@" not in addr:
        raise EmailParseError("no sender address in From header")
    text, attachments = _body(msg)
    if not text.strip():
        raise EmailParseError("no text body")
    date_header = _header(msg, "Date")
    sent_at: Optional[datetime] = None
    if date_header:
        try:
            sent_at = parsedate_to_datetime(date_header)
            if sent_at.tzinfo is None:
                sent_at = sent_at.replace(tzinfo=timezone.utc)
        except (TypeError, ValueError, IndexError):
            sent_at = None
    meta: dict = {}
    if sent_at is None:
        meta["date_missing"] = True
        sent_at = datetime.now(timezone.utc)
    if attachments:
        meta["attachments"] = attachments
    message_id = _MSGID.search(_header(msg, "Message-ID") or "")
    in_reply_to = _MSGID.search(_header(msg, "In-Reply-To") or "")
    references = tuple(_MSGID.findall(_header(msg, "References") or ""))
    return InboundRecord(
        channel="email",
        source_id=message_id.group(0) if message_id else content_hash(raw),
        author=addr,
        author_name=name or None,
        text=text,
        sent_at=sent_at,
        subject=_header(msg, "Subject"),
        in_reply_to=in_reply_to.group(0) if in_reply_to else None,
        references=references,
        raw_ref=raw_ref,
        meta=meta,
    )
