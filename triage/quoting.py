"""A message's own words apart from the earlier mails it quotes and the sender's signature.

Mail clients append the whole thread under a reply ("On … wrote:", "Pada … menulis:",
"-----Original Message-----", Outlook's From/Sent/To block, "> " lines) and close with a
signature ("-- ", "Salam,\\nRahma", "Sent from my iPhone", "Dikirim dari Yahoo Mail"). The
ticket page folds those away; `split_quoted` finds them. A pure function of the text: every
line of the text is in exactly one of the three parts, in its order, so nothing is lost.
"""
from __future__ import annotations

import re
from typing import NamedTuple

# "On Mon, 7 Dec 2026 at 09:12, Rahma <r@example.com> wrote:" (Gmail, Apple Mail, Thunderbird,
# Yahoo) and Gmail's Indonesian "Pada Sen, 7 Des 2026 pukul 09.12 Rahma <…> menulis:". The
# date's digits tell a client's header from a sentence that happens to start with "On".
_HEADER_START = re.compile(r"^\s*>?\s*(on|pada)\b.*\d", re.IGNORECASE)
_HEADER_END = re.compile(r"\b(wrote|menulis|schrieb|a écrit)\s*:\s*$", re.IGNORECASE)
# A header without "On": "Rahma <rahma19@example.com> wrote:" / "rahma19@example.com menulis:".
_ADDRESS_HEADER = re.compile(r"@[\w.-]+>?\s*(wrote|menulis)\s*:\s*$", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|pesan asli|pesan aslinya|pesan awal|reply message|balasan pesan)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# Outlook's block: "From: …" then "Sent:"/"Date:"/"To:"/"Subject:" (or "Dari:", "Dikirim:",
# "Tanggal:", "Kepada:", "Subjek:", "Perihal:"), sometimes in bold ("*From:*").
_OUTLOOK_FROM = re.compile(r"^\s*\*?(from|dari)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_FIELD = re.compile(r"^\s*\*?(sent|date|to|cc|subject|dikirim|tanggal|kepada|subjek|perihal|tembusan)\s*:", re.IGNORECASE)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_QUOTE_LINE = re.compile(r"^\s*>")

_SIG_DASHES = re.compile(r"^--\s?$")
# "Sent from my iPhone", "Dikirim dari Yahoo Mail di Android": a device or a mail app must follow,
# so "Dikirim dari rekening BNI saya …" stays the sender's words.
_MOBILE = re.compile(
    r"^\s*(sent from my \S|get outlook for \S|dapatkan outlook untuk \S|"
    r"(sent from|sent with|dikirim dari|dikirim menggunakan|diketik dari|dikirim lewat)\s+(my |saya )?"
    r"(iphone|ipad|android|samsung|galaxy|xiaomi|redmi|oppo|vivo|realme|huawei|ponsel|hp|perangkat|"
    r"yahoo|outlook|gmail|mail|aplikasi|proton|spark|blackberry)\b)",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^\s*(salam|salam hangat|salam hormat|salam sejahtera|hormat saya|hormat kami|wassalam|"
    r"regards|best regards|kind regards|warm regards|best wishes|sincerely|yours sincerely)\s*[,.!]?\s*$",
    re.IGNORECASE,
)
CLOSING_NAME_LINES = 4  # a closing word is a signature when at most this many short lines follow
NAME_LINE_CHARS = 60
MOBILE_TAIL_LINES = 3  # a "Sent from my …" line counts within this many lines of the end


class Split(NamedTuple):
    own: str  # what the sender wrote this time
    quoted: str  # the earlier messages the client appended ("" when none)
    signature: str  # the closing and name block, the "Sent from" line ("" when none)


def _reply_header(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _ADDRESS_HEADER.search(line) or _ORIGINAL.match(line):
        return True
    if _HEADER_START.match(line):  # the header may wrap over the next two lines
        return any(_HEADER_END.search(lines[j]) for j in range(i, min(i + 3, len(lines))))
    if _OUTLOOK_FROM.match(line) or (_RULE.match(line) and i + 1 < len(lines) and _OUTLOOK_FROM.match(lines[i + 1])):
        start = i + 1 if _OUTLOOK_FROM.match(line) else i + 2
        return sum(bool(_OUTLOOK_FIELD.match(lines[j])) for j in range(start, min(start + 5, len(lines)))) >= 2
    return False


def _quote_start(lines: list[str]) -> int:
    """The first line of the appended thread, or len(lines) when there is none."""
    for i in range(len(lines)):
        if _reply_header(lines, i):
            return i
    start = len(lines)  # else the run of "> " (and blank) lines that ends the text
    while start > 0 and (not lines[start - 1].strip() or _QUOTE_LINE.match(lines[start - 1])):
        start -= 1
    while start < len(lines) and not lines[start].strip():
        start += 1
    if any(_QUOTE_LINE.match(line) for line in lines[start:]):
        return start
    return len(lines)


def _nonblank_after(lines: list[str], i: int) -> list[str]:
    return [line for line in lines[i + 1:] if line.strip()]


def _signature_start(lines: list[str]) -> int:
    """The first line of the signature in the sender's own lines, or len(lines) when none."""
    candidates = []
    for i, line in enumerate(lines):
        if _SIG_DASHES.match(line):
            candidates.append(i)
        elif _MOBILE.match(line) and len(line) <= NAME_LINE_CHARS * 2 and len(_nonblank_after(lines, i)) < MOBILE_TAIL_LINES:
            candidates.append(i)
        elif _CLOSING.match(line):
            after = _nonblank_after(lines, i)
            if 1 <= len(after) <= CLOSING_NAME_LINES and all(len(a.strip()) <= NAME_LINE_CHARS for a in after):
                candidates.append(i)
    for i in candidates:  # the earliest that leaves the sender some words of their own
        if any(line.strip() for line in lines[:i]):
            return i
    return len(lines)


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n")


def split_quoted(text: str) -> Split:
    """The text as (own words, quoted thread, signature). A text that is nothing but a quote
    or a signature stays whole in `own`: the page never folds away all of a message."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    quote = _quote_start(lines)
    own_lines = lines[:quote]
    if not any(line.strip() for line in own_lines):
        return Split(text, "", "")
    sig = _signature_start(own_lines)
    return Split(_join(own_lines[:sig]).rstrip(), _join(lines[quote:]), _join(own_lines[sig:]))


def folded_line_count(split: Split) -> int:
    """How many lines the fold hides (the quote and the signature)."""
    return sum(len(part.split("\n")) for part in (split.quoted, split.signature) if part)
