"""Turn Indonesian as people really write it into one canonical form for TF-IDF.

Why each step exists (the *what* is in the code):

* NFKC first, so the "fancy font" letters Instagram users paste (𝗯𝗲𝗹𝘂𝗺, fullwidth
  ｂｅｌｕｍ, superscript digits) become plain ASCII before anything else looks at them.
* Zero-width and bidi control characters are *deleted*, not turned into spaces: they
  are mostly pasted inside words (by copy/paste or to dodge filters), so deleting
  them re-joins the word. The emoji joiner/variation selectors/skin tones go too, so
  one emoji is one symbol.
* URLs, e-mails, @mentions, phone numbers, account numbers and amounts are replaced by
  placeholder tokens: the *fact* that a message carries an amount or a phone number is
  a useful feature, the digits themselves are not (they would only blow up the
  vocabulary and leak personal data into the model). Amount tokens keep no digits.
  Wave numbers become ``gelombang wavetoken`` so "gel 8" and "gelombang 10" share
  features with each other and with messages that say only "gelombang".
* Emoji are kept as three coarse tokens (negative / positive / other; the first two
  are listed in ``data/emoji.tsv``): an emoji-only comment, hearts and "🙏" are
  strong noise/praise signals, angry faces are not. Text emoticons (":(", ":)",
  "-_-") get the same tokens.
* Runs of 3+ identical letters collapse to *one* ("belummm" -> "belum",
  "tolonggg" -> "tolong"), first, so every later step sees "gelombang 9" and
  "600rb" even when they were stretched. Real Indonesian words only ever have
  double letters ("maaf", "saat", "tunggu"), which are left alone; the few words
  whose double letter is lost when a user stretches it ("maaaaf" -> "maf") are
  repaired by the slang dictionary. Only ASCII letters are collapsed.
* Laughter ("wkwkwk", "hahaha", "hehe") becomes "haha" through the same final dict
  (the common shapes are listed), not through another regex pass.
* The slang dictionary (``data/slang.tsv``) is applied last, on whole tokens, with
  a single dict lookup per token (``map(SLANG.get, toks, toks)`` keeps the loop in
  C). Multi-word spellings ("pra kerja", "link aja", "e-wallet", "terima kasih",
  ``data/phrases.tsv``) are joined by one regex pass before the split.
* Speed (it runs on every message): regex passes are what costs, so they are few,
  gated by cheap substring tests ("@" in t, "gel" in t, any digit) or written so
  every alternative starts with a literal (the engine then skips to candidate
  characters). Pure-ASCII input skips the Unicode work; non-ASCII symbols are
  handled with one str.replace per distinct symbol; punctuation goes through
  bytes.translate.
* Known approximation: a phone number written with spaces and immediately
  followed by another number ("0812345678 12345") becomes ``numbertoken``;
  entities.py retries such cases, the classifier does not need to.
* "dana" is left as a word: it is both the e-wallet and the ordinary word for
  "funds"; deciding which is the job of ``entities.py``, not of the classifier.
"""
from __future__ import annotations

import re
import unicodedata
from importlib import resources

__all__ = ["normalize", "tokens", "SLANG", "PHRASES"]


def _table(name: str) -> list[list[str]]:
    """The tab-separated rows of a table in data/ (shipped as package data), without comments."""
    text = resources.files(__package__).joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


#: token -> standard form (data/slang.tsv). One dict lookup per token at run time.
SLANG: dict[str, str] = {variant: word for word, variants in _table("slang.tsv") for variant in variants.split()}
#: multi-word spellings (after punctuation became spaces) -> one token (data/phrases.tsv)
PHRASES: dict[str, str] = dict(_table("phrases.tsv"))
_EMOJI_CLASS = {chr(int(code, 16)): kind for code, kind, _name in _table("emoji.tsv")}
_EMOJI_NEG = frozenset(ch for ch, kind in _EMOJI_CLASS.items() if kind == "negative")
_EMOJI_POS = frozenset(ch for ch, kind in _EMOJI_CLASS.items() if kind == "positive")


# ---------------------------------------------------------------------------
# Precompiled patterns. The plain-string parts (UNIT, AMOUNT_*, PHONE, WAVE) are
# shared with entities.py so that what the classifier sees as "amounttoken" is
# exactly what the agent sees as an extracted amount.
# ---------------------------------------------------------------------------
# zero-width, bidi controls, soft hyphen, variation selectors, emoji joiners,
# keycap, skin-tone modifiers, tag characters
INVISIBLE = (
    "\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f"
    "\ufeff\u20e3\U0001f3fb-\U0001f3ff\U000e0000-\U000e007f"
)
INVISIBLE_RE = re.compile(f"[{INVISIBLE}]+")

_EMOJI_ANY_RE = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff"
    "\u3030\u303d\u3297\u3299\U0001f000-\U0001faff]"
)
# tokens are inserted without underscores (the punctuation pass turns "_" into a
# space) and renamed at the very end
_FINAL_NAMES = {"emojineg": "emoji_neg", "emojipos": "emoji_pos"}
_ASCII_BYTES = bytes(range(128))
# deleting these leaves only the ASCII digits: an "any digit?" test in C
_NON_DIGIT_BYTES = bytes(i for i in range(256) if not 48 <= i <= 57)
_CHAR_REPL: dict[str, str | None] = {}  # cache: non-ASCII char -> replacement (None = keep)


def _char_repl(ch: str) -> str | None:
    """What a non-ASCII character becomes: letters/digits of any script and
    combining marks stay (None), invisible controls vanish (they sit inside
    words; deleting re-joins the word), emoji become coarse tokens, anything else
    (typographic punctuation, symbols, lone surrogates) becomes a space."""
    if ch.isalnum():
        return None
    if ch in _EMOJI_NEG:
        return " emojineg "
    if ch in _EMOJI_POS:
        return " emojipos "
    if INVISIBLE_RE.match(ch):
        return ""
    if _EMOJI_ANY_RE.match(ch):
        return " emoji "
    if unicodedata.category(ch)[0] == "M":
        return None
    return " "




def _replace_nonascii(t: str) -> str:
    """Handle non-ASCII symbols with one str.replace per *distinct* symbol.

    Deleting the ASCII bytes from the UTF-8 encoding (a C table loop) leaves just
    the non-ASCII characters; a message has a handful of distinct ones, and
    str.replace is far cheaper than a regex scan of the whole message.
    """
    rest = t.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
    later = []
    for ch in set(rest.decode("utf-8", "surrogatepass")):
        r = _CHAR_REPL.get(ch, 0)
        if r == 0:
            r = _char_repl(ch)
            if len(_CHAR_REPL) < 100_000:
                _CHAR_REPL[ch] = r
        if r == "":
            t = t.replace(ch, "")  # invisibles first, so "❤️❤️" becomes "❤❤"
        elif r is not None:
            later.append((ch, r))
    emoji = set()
    for ch, r in later:
        t = t.replace(ch, r)
        if r[:2] == " e":
            emoji.add(r)
    for r in emoji:  # a run of one class ("😭😭😭", "😡😭") counts once
        double = r + r
        while double in t:
            t = t.replace(double, r)
    return t


# text emoticons; every alternative starts with a literal so the regex engine can
# skip ahead to candidate characters
_EMOTICON_RE = re.compile(
    r":'?-?(?:\(+|\[+|\)+|\]+|[dpv](?![a-z])|/(?![/\w]))"
    r"|;-?(?:\(+|\)+)"
    r"|=-?(?:\(+|\)+)"
    r"|<3+"
    r"|\^_*\^"
    r"|t(?<!\wt)_t(?!\w)"
    r"|-_+-"
    r"|>:\("
)


def _emoticon_repl(m: re.Match) -> str:
    e = m.group()
    last = e[-1]
    if last in "([/" or e in ("t_t",) or e[0] == "-":  # :(  :[  :/  t_t  -_-  >:(
        return " emojineg "
    if last in "vp":  # :v :p (joking, not a sentiment)
        return " emoji "
    return " emojipos "  # :)  :]  :d  ;)  =)  <3  ^_^


_EMAIL_TAIL_RE = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_MENTION_RE = re.compile(r"@[\w.]*")
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._+-")


def _replace_at(t: str) -> str:
    """E-mails and @mentions. Anchored on '@' (rare) instead of scanning every
    word for a possible local part, which costs more than the rest of normalize."""
    out: list[str] = []
    last = 0
    i = t.find("@")
    while i >= 0:
        m = _EMAIL_TAIL_RE.match(t, i)
        j = i
        while j > last and t[j - 1] in _LOCAL_CHARS:
            j -= 1
        if m is not None and j < i:
            out.append(t[last:j])
            out.append(" emailtoken ")
            last = m.end()
        else:
            m = _MENTION_RE.match(t, i)
            out.append(t[last:i])
            if m.end() - i > 1:
                out.append(" mentiontoken ")
            else:
                out.append(" ")
            last = m.end()
        i = t.find("@", last)
    out.append(t[last:])
    return "".join(out)


_TLD = r"(?:com|id|net|org|co|io|ly|me|xyz|site|link|gl)"
_URL_GATE_RE = re.compile(r"https?:|www\.|\." + _TLD + r"\b")
_TLD_GATE_RE = re.compile(r"\." + _TLD + r"\b")
_SCHEME_URL_RE = re.compile(r"(?:https?://|www\.)\S+")
_BARE_URL_RE = re.compile(r"(?:[a-z0-9-]+\.)+" + _TLD + r"\b(?:/\S*)?")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")


def _replace_urls(t: str) -> str:
    """URLs with a scheme, www. or a known TLD. Anchored on the (rare) gate hits
    and walking back over the host name, instead of trying a domain pattern at
    every word."""
    out: list[str] = []
    last = pos = 0
    while True:
        g = _URL_GATE_RE.search(t, pos)
        if g is None:
            break
        i = j = g.start()
        if t[i] == ".":
            while j > last and t[j - 1] in _HOST_CHARS:
                j -= 1
            # "x@gmail.com" / "@prakerja.go.id" are an e-mail / a mention
            m = _BARE_URL_RE.match(t, j) if j < i and t[j - 1:j] != "@" else None
        else:
            m = _SCHEME_URL_RE.match(t, i)
        if m is None:
            pos = g.end()
            continue
        out.append(t[last:j])
        out.append(" urltoken ")
        last = pos = m.end()
    if not out:
        return t
    out.append(t[last:])
    return "".join(out)

# amount units; "k" only glued to the number ("600k"), a free "k" is too ambiguous
UNIT = r"(?:\s*(?:ribu|rebu|rbu|rb|juta|jeti|jta|jt)|k)(?:an|nya)?(?![a-z])"
# with currency prefix: Rp 600.000 | Rp600rb | rp. 2,4 jt | IDR 600000 | Rp 600.000,-
AMOUNT_RP = r"(?<![a-z])(?:rp|idr)\.?\s*\d+(?:[.,]\d+)*(?:" + UNIT + r")?(?:,-|\.-)?"
# digit-first forms
AMOUNT_NUM = (
    # number + unit: 600rb | 600 ribu | 2,4jt | 1 juta | 1.5jt
    r"(?<![\d.,])\d+(?:[.,]\d+)?" + UNIT +
    # thousands separators: 2.400.000 | 600.000,00 | 600,000
    r"|(?<![\d.,])\d{1,3}(?:\.\d{3})+(?:,\d{1,2}|,-)?(?!\d|[.,]\d)"
    r"|(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?(?!\d|[.,]\d)"
    # bare round numbers of 5-9 digits: 600000 | 2400000
    r"|(?<![\d.,])\d{2,6}000(?!\d|[.,]\d)"
)
# 08xx / +62 8xx / 62 8xx with optional space, dot or dash between digit groups;
# the 10-13 digit check is done on the match (see phone_digits)
PHONE = r"(?<!\d)(?:\+\s?62|62|0)[ \-]?8\d{1,3}(?:[ .\-]?\d{3,5}){1,3}(?!\d)"
WAVE = (
    r"\b(?:gelombang|gelomb|gelombng|glombang|gelmbg|glmbg|gelbg|gelb|gel|glb)\.?\s*"
    r"(?:ke\s*-?\s*)?(\d{1,3})(?!\d|[.,]\d|" + UNIT + r")"
)

# Literal-first variants for the normalizer's lowercased text: a pattern whose
# alternatives all start with a literal lets the regex engine skip to candidate
# characters instead of attempting a match at every position.
_RP_RE = re.compile(
    r"(?:r(?<![a-z]r)p|i(?<![a-z]i)dr)\.?\s*\d+(?:[.,]\d+)*(?:" + UNIT + r")?(?:,-|\.-)?"
)
_WAVE_RE = re.compile(
    r"g(?<!\wg)(?:elombang|elomb|elombng|lombang|elmbg|lmbg|elbg|elb|el|lb)\.?\s*"
    r"(?:ke\s*-?\s*)?\d{1,3}(?!\d|[.,]\d|" + UNIT + r")"
)
# Digit-first things: the pattern starts with the character class [+\d] so the
# engine jumps from digit to digit; lookbehinds placed *after* that first
# character tell which branch may apply (a run start, a "+", a "0", a "6").
_PHONE_TAIL = r"[ \-]?8\d{1,3}(?:[ .\-]?\d{3,5}){1,3}(?!\d)"
_NUM_RE = re.compile(
    r"[+\d](?<!\d[+\d])(?:"
    r"(?<=\+)(?P<phone_plus>\s?62" + _PHONE_TAIL + r")"
    r"|(?<=6)(?P<phone_62>2" + _PHONE_TAIL + r")"
    r"|(?<=0)(?P<phone_0>" + _PHONE_TAIL + r")"
    r"|(?<![.,]\d)(?<=\d)(?P<amount>"
    r"\d*(?:[.,]\d+)?" + UNIT +
    r"|\d{0,2}(?:\.\d{3})+(?:,\d{1,2}|,-)?(?!\d|[.,]\d)"
    r"|\d{0,2}(?:,\d{3})+(?:\.\d{1,2})?(?!\d|[.,]\d)"
    r"|\d{1,5}000(?!\d|[.,]\d))"
    r"|(?<=\d)(?P<number>\d{4,})"
    r")",
    re.ASCII,
)


def phone_digits(match_text: str) -> str | None:
    """'+62 812-3456-7890' -> '081234567890'; None unless 10-13 digits in 08 form."""
    digits = "".join(ch for ch in match_text if ch.isdigit())
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    if 10 <= len(digits) <= 13 and digits.startswith("08"):
        return digits
    return None


def _num_repl(m: re.Match) -> str:
    kind = m.lastgroup
    if kind == "amount":
        return " amounttoken "
    if kind != "number" and phone_digits(m.group()) is not None:
        return " phonetoken "
    return " numbertoken "


# reduplication written with a 2: "teman2" -> "teman teman" (not "ke2" = "ke-2");
# anchored on the literal "2" so the engine only stops at 2s
_REDUP_RE = re.compile(r"2(?<=[a-z]{3}2)(?!\w)")


def _redup_repl(m: re.Match) -> str:
    s = m.string
    j = i = m.start()
    while j > 0 and "a" <= s[j - 1] <= "z":
        j -= 1
    return " " + s[j:i]


# laughter: "wkwk", "hahaha", "hehehe", "xixixi"... all become "haha". Listed
# as whole tokens (after runs of 3+ letters were collapsed, these few shapes
# cover nearly all of it) so they cost nothing beyond the final dict lookup.
LAUGHS: dict[str, str] = {}
for _base in ("wk", "ha", "he", "hi", "xi", "hu"):
    for _k in range(2, 16):
        for _form in (_base * _k, _base * _k + _base[0], _base[1] + _base * _k):
            LAUGHS[_form] = "haha"
del _base, _k, _form
LAUGHS.pop("haha", None)

# ASCII characters that are not letters, digits or whitespace -> space
_ASCII_PUNCT = "".join(
    c for c in map(chr, range(128)) if not c.isalnum() and not c.isspace()
)
_PUNCT_BYTES = bytes(32 if chr(i) in _ASCII_PUNCT else i for i in range(256))

_PHRASE_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True)) + r")\b"
)
_PHRASE_FIRST = frozenset(p.split()[0] for p in PHRASES)


def _phrase_repl(m: re.Match) -> str:
    return PHRASES[m.group()]


def _collapse(s: str) -> str:
    """Collapse runs of 3+ identical ASCII letters to one ("belummm" -> "belum").

    Runs are found by XOR-ing the UTF-8 bytes with themselves shifted by one byte
    (two big-int operations in C) and searching for two adjacent zero bytes; a
    back-reference regex scans the whole message even when nothing matches.
    UTF-8 multi-byte sequences contain no ASCII bytes, so letters of other scripts
    are never touched.
    """
    b = s.encode("utf-8", "surrogatepass")
    n = len(b)
    if n < 3:
        return s
    x = int.from_bytes(b, "little")
    y = (x ^ (x >> 8)).to_bytes(n, "little")  # y[i] = b[i] ^ b[i+1]
    i = y.find(b"\0\0", 0, n - 1)
    if i < 0:
        return s
    out: list[bytes] = []
    last = 0
    while i >= 0:
        c = b[i]
        j = i + 3
        while j < n and b[j] == c:
            j += 1
        if 97 <= c <= 122:  # a-z
            out.append(b[last:i + 1])
            last = j
        i = y.find(b"\0\0", j - 1, n - 1)
    if not out:
        return s
    out.append(b[last:])
    return b"".join(out).decode("utf-8", "surrogatepass")


_TOKEN_MAP: dict[str, str] = {**LAUGHS, **SLANG, **_FINAL_NAMES}


def tokens(text: str) -> list[str]:
    """Normalized tokens of ``text`` (what ``normalize`` joins with spaces)."""
    if not isinstance(text, str):
        if text is None:
            return []
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", "replace")
        else:
            text = str(text)
    if not text:
        return []
    if text.isascii():
        t = text.lower()
    else:
        t = unicodedata.normalize("NFKC", text).lower()
        if not t.isascii():
            t = _replace_nonascii(t)
    t = _collapse(t)
    if "emoji_" in t:  # our own output fed back in stays as it is
        t = t.replace("emoji_neg", " emojineg ").replace("emoji_pos", " emojipos ")
    if "http" in t or "www." in t or ("." in t and _TLD_GATE_RE.search(t)):
        t = _replace_urls(t)
    if "@" in t:
        t = _replace_at(t)
    # (each full regex pass is gated by a cheap substring test)
    if "rp" in t or "idr" in t:
        t = _RP_RE.sub(" amounttoken ", t)
    if "gel" in t or "glb" in t:
        t = _WAVE_RE.sub(" gelombang wavetoken ", t)
    if t.encode("utf-8", "surrogatepass").translate(None, _NON_DIGIT_BYTES):
        t = _NUM_RE.sub(_num_repl, t)
    if "2" in t:
        t = _REDUP_RE.sub(_redup_repl, t)
    if ":" in t or ";" in t or "=" in t or "<3" in t or "^" in t or "_" in t:
        t = _EMOTICON_RE.sub(_emoticon_repl, t)
    # ASCII punctuation -> space. bytes.translate is a plain table lookup in C
    # (cheaper than str.translate); UTF-8 multi-byte sequences contain no ASCII
    # bytes, so other scripts pass through untouched.
    t = t.encode("utf-8", "surrogatepass").translate(_PUNCT_BYTES).decode("utf-8", "surrogatepass")
    toks = t.split()
    if not _PHRASE_FIRST.isdisjoint(toks):
        joined = " ".join(toks)
        s = _PHRASE_RE.sub(_phrase_repl, joined)
        if s != joined:
            toks = s.split()
    return list(map(_TOKEN_MAP.get, toks, toks))


def normalize(text: str) -> str:
    """Canonical lowercase form of a message, tokens separated by single spaces."""
    return " ".join(tokens(text))
