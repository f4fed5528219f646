"""The one text the classifier reads for a message: in training, in evaluation and at ingestion.

A complaint is often in the subject alone ("Sertifikat belum terbit" over a body saying "mohon
dibantu"), so the subject is read with the body, in the corpus's own shape ("Subject: ...",
a blank line, the body). Quoted earlier replies and the signature are left out when the sender
wrote something new: an old quoted complaint or our own quoted reply must not outweigh it.
The stored text stays whole; only the classifier reads this one.
"""
from __future__ import annotations

import re
from typing import Optional

# Zero-width and bidi controls (e.g. U+202E RIGHT-TO-LEFT OVERRIDE) change how a text
# looks, not what it says.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")

# Lines quoted from an earlier message ("> ..."), not emoticons such as ">_<" or ">.<".
_QUOTED = re.compile(r"\s*>+(?:[ \t]|$|[^\W_])")
# "On Mon, 5 Dec 2026 ... wrote:" / "Pada Sen, 5 Des 2026 ... menulis:", up to two lines (Gmail wraps them).
_REPLY_HEADER = re.compile(r"\s*(?:on|pada)\s.*\d.*\s(?:wrote|menulis)\s*:\s*$", re.I | re.S)
_HEADER_CHARS = 400
_ORIGINAL = re.compile(r"\s*-{3,}\s*(?:original message|pesan asli|pesan asal)\s*-{3,}\s*$", re.I)
# Outlook without the separator: "From: name <address>" then, within three lines, "Sent: <date and time>".
# A letter's own "Dari: ... / Tanggal: 5 Desember" has neither the address nor the time.
_FROM = re.compile(r"\s*\*?(?:from|dari)\s*:\*?\s*\S", re.I)
_SENT = re.compile(r"\s*\*?(?:sent|date|dikirim|tanggal|terkirim|waktu)\s*:\*?\s*\S", re.I)
_TIME = re.compile(r"\d{1,2}[:.]\d{2}")
# A forward carries the complaint it forwards: its quoted part is kept.
_FORWARD_LINE = re.compile(r"\s*(?:-{3,}\s*(?:forwarded message|pesan yang diteruskan|pesan terusan)|begin forwarded message)", re.I)
_FORWARD_SUBJECT = re.compile(r"\s*(?:fwd?|tr|terusan|diteruskan)\s*:", re.I)
# Substrings (of the lowercased body) without which a step has nothing to find: most bodies skip it.
_QUOTE_HINTS = (">", "wrote", "menulis", "-----", "from:", "dari:")
_END_HINTS = ("--", "sent from", "dikirim", "get outlook")
_FORWARD_HINTS = ("forward", "diteruskan", "terusan")

_SIG_DELIMITER = re.compile(r"--\s*$")
_DEVICE_LINE = re.compile(
    r"\s*(?:sent from my|sent from (?:yahoo|outlook|mail)|dikirim (?:dari|lewat|melalui|via)|get outlook for)\b", re.I
)
# A closing ("Salam,", "Hormat saya,", "Regards, Budi"): the lines after it are name, NIK, phone.
# Not "Salam sejahtera" or "Salam kenal", which open a letter.
_CLOSING = re.compile(
    r"\s*(?i:salam(?: hormat| hangat| sehat| sukses)?|hormat (?:saya|kami)|wassalam[\w']*|(?:best |kind |warm )?regards"
    r"|best|best wishes|sincerely|cheers)"
    r"[\s,.!]*(?:[A-Z][\w.'-]*(?: [\w.'-]+){0,2})?\s*$"  # "Salam, Budi" (a name, capitalized)
)
# A thank-you that closes a letter ("Terima kasih,\nRina\n0813..."): the name and number after it
# are left out, the thank-you itself is kept: in this domain a thank-you is often the whole message.
_THANKS = re.compile(r"\s*(?i:terima ?kasih|makasih|trims|thanks?(?: you)?|thx)(?: banyak)?[\s,.!]*$")
_SIGNATURE_LINES = 5
_SIGNATURE_LINE_CHARS = 48
_WORD = re.compile(r"[^\W\d_]{2,}")


def _is_reply_header(text: str) -> bool:
    return len(text) <= _HEADER_CHARS and text.rstrip().endswith(":") and bool(_REPLY_HEADER.match(text))


def _quote_start(lines: list[str], low: str) -> tuple[int, Optional[int]]:
    """Where an earlier message starts (a reply header or Outlook's block), or len(lines); and,
    for a reply header, the line after it (None: Outlook's block, whose end nothing marks)."""
    original, header, outlook = "-----" in low, "wrote" in low or "menulis" in low, "from:" in low or "dari:" in low
    for i, line in enumerate(lines):
        if original and _ORIGINAL.match(line):
            return i, None
        if header and line.rstrip().endswith(":"):
            if _is_reply_header(line):
                return i, i + 1
            if i and _is_reply_header(lines[i - 1] + " " + line):
                return i - 1, i + 1
            if i > 1 and _is_reply_header(" ".join(lines[i - 2 : i + 1])):  # name and address wrapped too
                return i - 2, i + 1
        if outlook and _FROM.match(line):
            for following in lines[i + 1 : i + 4]:
                if _SENT.match(following) and ("@" in line or _TIME.search(following)):
                    return i, None
    return len(lines), None


def _without_quotes(lines: list[str], low: str) -> list[str]:
    """The lines less the earlier messages. A reply header over "> " lines ends where the
    sender writes again (a reply below the quote, or between its parts); an unmarked quote
    (Outlook's block, a header over plain lines) runs to the end."""
    kept: list[str] = []
    while lines:
        start, after = _quote_start(lines, low)
        kept += lines[:start]
        if after is None:
            break
        end = after
        while end < len(lines) and (not lines[end].strip() or _QUOTED.match(lines[end])):
            end += 1
        if not any(_QUOTED.match(line) for line in lines[after:end]):
            break
        lines = lines[end:]
    return kept


def _more_words(lines: list[str], than: int) -> bool:
    """Whether `lines` hold more words than `than`, reading from the last line up only as far as needed."""
    for line in reversed(lines):
        than -= len(_WORD.findall(line))
        if than < 0:
            return True
    return False


def _signature_start(lines: list[str], device_or_delimiter: bool) -> int:
    """Where the signature starts, or len(lines)."""
    end = len(lines)
    if device_or_delimiter:
        for i, line in enumerate(lines):
            if i and (_SIG_DELIMITER.fullmatch(line.strip()) or _DEVICE_LINE.match(line)):
                end = i
                break
    while end and not lines[end - 1].strip():
        end -= 1
    for i in range(max(1, end - _SIGNATURE_LINES - 1), end):
        thanks = bool(_THANKS.match(lines[i]))
        if not (thanks or _CLOSING.match(lines[i])):
            continue
        after = [line.strip() for line in lines[i + 1 : end] if line.strip()]
        if (
            (after or not thanks)
            and len(after) <= _SIGNATURE_LINES
            and all(len(line) <= _SIGNATURE_LINE_CHARS and not line.endswith(("?", ".", "!")) for line in after)
            and (not after or not after[0][0].islower())  # a name, a number: no sentence
            # A closing closes what came before it: a short greeting above a complaint is no signature.
            and _more_words(lines[:i], sum(len(_WORD.findall(line)) for line in after))
        ):
            return i + 1 if thanks else i
    return end


def new_text(body: str, forwarded: bool = False) -> str:
    """The body less quoted earlier messages and the signature, or the whole body if nothing new is left."""
    if "\n" not in body:
        return body
    lines = body.splitlines()
    count, low = len(lines), body.lower()
    forwarded = forwarded or (
        any(h in low for h in _FORWARD_HINTS) and any(_FORWARD_LINE.match(line) for line in lines)
    )
    if not forwarded and any(h in low for h in _QUOTE_HINTS):
        lines = _without_quotes(lines, low)
        if ">" in low:
            lines = [line for line in lines if not _QUOTED.match(line)]
    lines = lines[: _signature_start(lines, any(h in low for h in _END_HINTS))]
    if len(lines) == count:
        return body
    text = "\n".join(lines).strip()
    return text if _WORD.search(text) else body


def classification_text(subject: Optional[str], body: str) -> str:
    """The text the classifier sees for a message with this subject (None for a comment) and body."""
    subject = " ".join((subject or "").split())
    body = new_text(body or "", forwarded=bool(subject and _FORWARD_SUBJECT.match(subject)))
    if subject and body.strip() != subject:  # a body that only repeats its subject is read once
        body = f"Subject: {subject}\n\n{body}"
    elif subject:
        body = f"Subject: {subject}"
    return body if body.isascii() else _INVISIBLE.sub("", body)
