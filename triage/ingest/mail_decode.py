"""Mail bytes and header words as text: charsets that lie, Dovecot's stand-in for NUL,
RFC 2047 encoded-words as mailers really write them, and a content key that survives transport.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from triage.records import content_hash

# A text with at most this share of undecodable bytes, or with more valid non-ASCII characters
# than undecodable bytes, is "mostly" in its charset: kept, with replacement characters, rather
# than swapped for a single-byte guess that garbles every valid character.
MAX_REPLACEMENT_SHARE = 0.02
SINGLE_BYTE_FALLBACKS = ("cp1252", "iso8859-1")
_UTF8_FAMILY = {"utf-8", "ascii"}
_NOT_MAIL_CHARSETS = {"idna", "punycode", "undefined"}
_REPLACEMENT = "\ufffd"
_ENCODED_REPLACEMENT = _REPLACEMENT.encode("utf-8")

# IMAP literals cannot carry NUL, so Dovecot hands every NUL over as the byte 0x80 (which
# cp1252 reads as "€"). A 0x80 that is not inside a valid UTF-8 sequence is taken for one.
_UTF8_SEQUENCE_OR_0x80 = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}|\x80"
)


@dataclass
class Decoded:
    """A decoded body part and what decoding it had to give up or guess."""

    text: str
    errors: int = 0  # bytes (or byte runs) replaced with U+FFFD
    nul_stand_ins: int = 0  # 0x80 bytes dropped as stand-ins for NUL
    fallback: Optional[str] = None  # the single-byte charset read instead of the declared one


def _codec(declared: Optional[str]) -> Optional[str]:
    """The codec's canonical name, or None for no charset or one that is no mail charset."""
    if not declared:
        return None
    return _known_codec(declared.strip().strip('"').strip().lower()[:60])


@lru_cache(maxsize=256)
def _known_codec(name: str) -> Optional[str]:
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    try:
        b"a".decode(codec)
    except LookupError:  # "base64", "zlib", "rot13": codecs, but not text encodings
        return None
    except (UnicodeError, ValueError):
        pass
    if codec.endswith("_escape") or codec in _NOT_MAIL_CHARSETS:
        return None  # would read backslashes or host names, not mail
    return "utf-8" if codec.startswith("utf-8") else codec


@lru_cache(maxsize=256)
def _ascii_compatible(codec: str) -> bool:
    printable = bytes(range(0x20, 0x7F))
    try:
        return printable.decode(codec) == printable.decode("ascii")
    except (UnicodeError, ValueError, LookupError):
        return False


@lru_cache(maxsize=64)
def _single_byte(codec: str) -> bool:
    # UTF-7 also turns each high byte into one (replacement) character, but its text is all
    # ASCII bytes, which UTF-8 would read as the literal "+AOk-": it is no single-byte charset.
    if not _ascii_compatible(codec):
        return False
    return len(bytes(range(0x80, 0x100)).decode(codec, errors="replace")) == 0x80


def _mostly_decoded(text: str, errors: int) -> bool:
    if not errors:
        return True
    valid_non_ascii = len(text) - len(text.encode("ascii", "ignore")) - errors
    return valid_non_ascii >= errors or errors <= MAX_REPLACEMENT_SHARE * len(text)


def _drop_nul_stand_ins(raw: bytes) -> tuple[bytes, int]:
    if b"\x80" not in raw:
        return raw, 0
    dropped = 0

    def keep_sequences(match: re.Match) -> bytes:
        nonlocal dropped
        if len(match.group()) > 1:
            return match.group()
        dropped += 1
        return b""

    return _UTF8_SEQUENCE_OR_0x80.sub(keep_sequences, raw), dropped


def _lenient(raw: bytes, codec: str) -> tuple[str, int]:
    text = raw.decode(codec, errors="replace")
    errors = text.count(_REPLACEMENT) - (raw.count(_ENCODED_REPLACEMENT) if codec == "utf-8" else 0)
    return text, max(errors, 0)


def decode_bytes(raw: bytes, declared: Optional[str]) -> Decoded:
    """Decode with the declared charset when it (mostly) fits, else as UTF-8 when that (mostly)
    fits, else as a single-byte charset; never raise."""
    codec = _codec(declared)
    if raw.isascii() and (codec is None or _ascii_compatible(codec)):
        return Decoded(raw.decode("ascii"))
    if codec is not None and codec not in _UTF8_FAMILY:
        # UTF-8 labeled with a legacy charset is common, and valid UTF-8 is next to never a
        # legacy text by chance: before a single-byte charset (which decodes anything), try it.
        for candidate in ("utf-8", codec) if _single_byte(codec) else (codec, "utf-8"):
            try:
                decoded = Decoded(raw.decode(candidate))
            except UnicodeError:
                continue
            return _without_c1_stand_ins(decoded) if candidate == codec else decoded
        try:
            text, errors = _lenient(raw, codec)
        except UnicodeError:  # a codec that cannot replace (e.g. utf-7 on some input)
            text, errors = "", 1
        if text and _mostly_decoded(text, errors):
            return Decoded(text, errors)
    try:
        return Decoded(raw.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    cleaned, stand_ins = _drop_nul_stand_ins(raw)
    text, errors = _lenient(cleaned, "utf-8")
    if _mostly_decoded(text, errors):
        return Decoded(text, errors, stand_ins)
    for charset in SINGLE_BYTE_FALLBACKS:
        try:
            return Decoded(cleaned.decode(charset), 0, stand_ins, charset)
        except UnicodeDecodeError:
            continue
    return Decoded(text, errors, stand_ins)  # pragma: no cover - iso8859-1 always decodes


def _without_c1_stand_ins(decoded: Decoded) -> Decoded:
    # Latin-1 reads Dovecot's 0x80 as the control character U+0080, which means nothing in mail.
    if "\x80" in decoded.text:
        decoded.nul_stand_ins = decoded.text.count("\x80")
        decoded.text = decoded.text.replace("\x80", "")
    return decoded


# -- RFC 2047 encoded-words -------------------------------------------------------------------

# Also matched: words glued to text ("Ibu=?UTF-8?B?...?="), an RFC 2231 language suffix
# ("UTF-8*id"), and a last word whose "?=" is missing.
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)(?:\?=|(?=\s|$))")
_Q_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")


def _word_bytes(encoding: str, payload: str) -> Optional[bytes]:
    data = payload.encode("ascii", "replace")
    if encoding in "qQ":
        return _Q_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data.replace(b"_", b" "))
    data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    if len(data) % 4 == 1:  # one stray character cannot carry a byte
        data = data[:-1]
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None


def decode_words(value: str) -> str:
    """Decode the encoded-words in a header value; adjacent words in one charset are decoded
    together (mailers split multi-byte characters across words), the space between them dropped."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset: Optional[str] = None
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_bytes(b"".join(pending), pending_charset).text)
        pending, pending_charset = [], None

    for match in _ENCODED_WORD.finditer(value):
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            continue  # not decodable: left as written
        gap = value[position : match.start()]
        charset = match.group(1).split("*", 1)[0]
        adjacent = bool(pending) and not gap.strip()
        if adjacent and charset.lower() == (pending_charset or "").lower():
            pending.append(data)
        else:
            flush()
            if not adjacent:  # the space between two encoded-words is not part of the text
                out.append(gap)
            pending, pending_charset = [data], charset
        position = match.end()
    flush()
    out.append(value[position:])
    return "".join(out)


# -- content key --------------------------------------------------------------------------------

_MBOX_ESCAPE = re.compile(rb"^>+(?=From )", re.MULTILINE)


def content_key(raw: bytes) -> str:
    """A stable id for a mail without a Message-ID, the same whichever way it came.

    The hash is taken over the mail as IMAP serves it (CRLF line ends, one final line end),
    so that keys stored before this normalisation still match mail fetched over IMAP. What the
    carriers change is undone first: LF or CR line ends (files), an mbox "From " separator line
    and its ">From " escapes, blanks at line ends and at the end, and NUL (0x80 over IMAP).
    """
    data = raw.replace(b"\r\n", b"\n")
    if b"\r" in data:
        data = data.replace(b"\r", b"\n")
    if data.startswith(b"From "):
        data = data.partition(b"\n")[2]
    if b"\x00" in data:
        data = data.replace(b"\x00", b"\x80")
    # Each substitution only where its pattern can occur: the scans cost more than the hash.
    if b" \n" in data or b"\t\n" in data:
        data = b"\n".join(line.rstrip(b" \t") for line in data.split(b"\n"))  # cheaper than a regex
    if b">From " in data:
        data = _MBOX_ESCAPE.sub(b"", data)
    return content_hash(data.rstrip(b" \t\n").replace(b"\n", b"\r\n") + b"\r\n")
