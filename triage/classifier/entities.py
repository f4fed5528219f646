"""Pull out of a message what a call-center agent needs before answering.

Why it is built this way:

* The amount, phone and wave patterns are the same pattern strings the
  normalizer uses (``normalize.UNIT``, ``AMOUNT_RP``, ``AMOUNT_NUM``, ``PHONE``),
  so whatever the classifier saw as ``amounttoken`` is what the agent sees here.
* Matches are taken in a fixed order (phones, NIK, amounts, wave, accounts) and
  each match is blanked out of a working copy, so one run of digits is never
  reported twice (a phone is never also an "account").
* Phones are returned in one canonical ``08...`` form so that the same person
  writing "+62 812-..." and "0812..." can be matched by the threading code.
* "dana" is both the e-wallet DANA and the everyday word for "funds" ("dana
  insentif belum masuk"). DANA is reported only when (a) written in capitals
  in a message that is not itself shouting in capitals, (b) preceded by an
  e-wallet cue ("e-wallet dana", "akun dana", "saldo dana", "no dana", "ke dana",
  "via dana", "aplikasi dana") and not followed by a word that makes it "funds"
  ("dana pelatihan", "dana insentif"), or (c) listed next to another e-wallet
  ("ovo/dana", "gopay atau dana"). Missing a DANA costs the agent a glance;
  a false DANA would send them down the wrong e-wallet path.
* "mau belajar apa" is also an ordinary phrase ("bingung mau belajar apa"), so
  the spaced form counts as the platform only when capitalised or after
  "di/dari/platform/lewat/via"; "maubelajarapa" always counts.
* The incentive month ("bulan ke-3", "insentif ketiga", "termin 3", "pencairan ke-2") needs
  its cue word: "ke-3" alone could be anything, and "3 bulan" is a duration, not the third
  month. Topics are what a message is about beyond its category; for now only "otp" (an
  OTP or verification code that does not arrive), which is how e-wallet failures show.
* Display goes through ``masked``: phone, account and NIK numbers keep only the
  first and last four digits, which is enough to compare with what the caller
  reads out.
* Every public function returns an empty/neutral result rather than raising: the
  extractor runs inside the ingest pipeline and must never drop a message.
"""
from __future__ import annotations

import re
import unicodedata

from .normalize import AMOUNT_NUM, AMOUNT_RP, INVISIBLE_RE, PHONE, UNIT, phone_digits

__all__ = ["extract_entities", "mask_number", "masked", "parse_amount"]

_I = re.IGNORECASE

_PHONE_RE = re.compile(PHONE, _I)
# when a spaced match glued a phone to the next number ("0812345678 12345"),
# retry without spaces as separators
_PHONE_STRICT_RE = re.compile(r"(?:\+\s?62|62|0)[\-]?8\d{1,3}(?:[.\-]?\d{3,5}){1,3}(?!\d)")
# Every amount starts with r/i (Rp, IDR) or a digit; the lookahead says so up front, which
# spares the alternation at every other position (same matches).
_AMOUNT_RE = re.compile(r"(?=[ri\d])(?:" + AMOUNT_RP + "|" + AMOUNT_NUM + ")", _I)
_WAVE_RE = re.compile(
    r"\b(?:gelombang|gelomb|gelombng|glombang|gelmbg|glmbg|gelbg|gelb|gel|glb)\.?\s*"
    r"(?:ke\s*-?\s*)?(\d{1,3})(?!\d|[.,]\d|" + UNIT + r")",
    _I,
)
_ORDINALS = {"pertama": 1, "kesatu": 1, "kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5, "keenam": 6}
_MONTH_CUE = (r"(?:bulan|bln|insentif|insentive|intensif|termin|tahap|pencairan|pembayaran|pencarian"
              r"|transfer(?:an)?|tf)")
_MONTH_RE = re.compile(
    r"\b" + _MONTH_CUE + r"(?:\s+(?:bulan|bln))?\s*(?:ke\s*-?\s*(\d{1,2})(?!\d|[.,]\d|" + UNIT + r")"
    r"|(" + "|".join(_ORDINALS) + r")\b)"
    r"|\b(?:termin|tahap)\s*(\d{1,2})\b",
    _I,
)
_MONTH_NEEDLES = ("bulan", "bln", "insenti", "intensif", "termin", "tahap", "pencairan", "pembayaran", "pencarian",
                  "transfer", "tf")  # fmt: skip
_OTP_RE = re.compile(r"\botp\b|\bkode\s+(?:verifikasi|aktivasi|sms|otp|konfirmasi)\b|\bone[\s-]?time\s+password\b", _I)
_NIK_RE = re.compile(r"\b(?:nik|ktp)\b[^\d\n]{0,20}?(\d{16})(?!\d)", _I)
_ACCOUNT_RE = re.compile(r"(?<!\d)\d+(?:-\d+)*(?!\d)")

_NUMBER_PART_RE = re.compile(r"\d+(?:[.,]\d+)*")
_UNIT_RE = re.compile(r"(ribu|rebu|rbu|rb|k|juta|jeti|jta|jt)", _I)
_UNIT_VALUE = {"ribu": 1_000, "rebu": 1_000, "rbu": 1_000, "rb": 1_000, "k": 1_000,
               "juta": 1_000_000, "jeti": 1_000_000, "jta": 1_000_000, "jt": 1_000_000}

# (name, needles, pattern): a pattern runs only when one of its needles, lowercase
# substrings every match contains, is in the lowercased text (see `_Text.may`).
_PLATFORMS = (
    ("Tokopedia", ("tok", "top"), re.compile(r"\b(?:toko[\s_-]*pedia|tokped|toped)\b", _I)),
    ("Bukalapak", ("lapak",), re.compile(r"\bbuka[\s_-]*lapak\b", _I)),
    ("Pintaria", ("pintaria",), re.compile(r"\bpintaria\b", _I)),
    ("Sekolahmu", ("sekolah",), re.compile(r"\bsekolah[\s_-]*mu\b", _I)),
    ("Pijar Mahir", ("pijar",), re.compile(r"\bpijar[\s_-]*mahir\b", _I)),
    # the spaced lowercase form is an ordinary phrase; see the module docstring
    ("MauBelajarApa", ("belajar",), re.compile(
        r"(?i:\bmau[_-]?belajar[_-]?apa\b)"
        r"|\b(?:Mau\s*Belajar\s*Apa|MAU\s*BELAJAR\s*APA)\b"
        r"|(?i:\b(?:di|dari|platform|lewat|via|mitra)\s+mau\s+belajar\s+apa\b)"
    )),
    ("Sisnaker", ("sisnaker",), re.compile(r"\bsisnaker\b", _I)),
)

_WALLETS = (
    ("BNI", ("bni", "negara"), re.compile(r"\bbni(?:46)?\b|\bbank\s+negara\s+indonesia\b", _I)),
    ("GoPay", ("pay",), re.compile(r"\bgo[\s_-]*pay\b", _I)),
    ("OVO", ("ovo",), re.compile(r"\bovo\b", _I)),
    ("LinkAja", ("link",), re.compile(r"\blink[\s_-]*aja\b", _I)),
)
_OTHER_WALLET = r"(?:go[\s_-]*pay|ovo|link[\s_-]*aja|shopee[\s_-]*pay)"
# words after "dana" that make it the ordinary word "funds"
_DANA_FUNDS = (
    r"(?!\s+(?:pelatihan|insentif|bantuan|desa|bansos|pribadi|hibah|pemerintah|talangan"
    r"|tunai|darurat|pendidikan|prakerja|sendiri)\b)"
)
_DANA_CONTEXT_RE = re.compile(
    r"\b(?:e[\s_-]*wall?et|dompet\s+digital|akun|aplikasi|apk|app|saldo|nomor|nomer|no\.?"
    r"|via|lewat|ke)\s+(dana)\b" + _DANA_FUNDS
    + r"|" + r"\b" + _OTHER_WALLET + r"\s*(?:/|,|&|\batau\b|\bdan\b|\bor\b)\s*(dana)\b"
    + r"|\b(dana)\s*(?:/|,|&|\batau\b|\bdan\b|\bor\b)\s*" + _OTHER_WALLET + r"\b"
    + r"|\b(dana)\s+(?:premium|app|apk)\b",
    _I,
)
_DANA_CAPS_RE = re.compile(r"\bDANA\b")
_UPPER_RE = re.compile(r"[A-Z]")
_LOWER_RE = re.compile(r"[a-z]")
_DIGITS = b"0123456789"


class _Text:
    """What lets extraction skip a pattern that cannot match, found in C.

    Only for ASCII text: there a case-insensitive match of a word implies its lowercase form
    in ``text.lower()``, and ``\\d`` means 0-9. Elsewhere (``\\d`` matches other scripts'
    digits, ``(?i)i`` matches "ı") every pattern runs, so the results are the same either way.
    """

    def __init__(self, text: str) -> None:
        self.ascii = text.isascii()
        self.low = text.lower() if self.ascii else ""

    def may(self, needles: tuple[str, ...]) -> bool:
        return not self.ascii or any(n in self.low for n in needles)

    def digits_at_least(self, text: str, n: int) -> bool:
        if not self.ascii:
            return True
        raw = text.encode("ascii")
        return len(raw) - len(raw.translate(None, _DIGITS)) >= n


def _empty() -> dict:
    return {"amounts": [], "wave": None, "month": None, "platforms": [], "payout_channels": [],
            "topics": [], "phones": [], "accounts": [], "nik": []}


def parse_amount(text: str) -> int | None:
    """Rupiah value of one amount as written: '600rb' -> 600000,
    '2,4jt' -> 2400000, 'Rp 2.400.000,00' -> 2400000, '600,000' -> 600000."""
    try:
        s = text.strip().lower()
        s = re.sub(r"^(?:rp|idr)\.?\s*", "", s)
        m = _NUMBER_PART_RE.search(s)
        if m is None:
            return None
        num = m.group()
        tail = s[m.end():]
        u = _UNIT_RE.match(tail.strip())
        mult = _UNIT_VALUE[u.group(1).lower()] if u else 1
        if mult > 1:
            # with a unit a single separator followed by 1-2 digits is a decimal
            # point (2,4jt, 1.5 juta); anything else is thousands (1.500rb)
            parts = re.split(r"[.,]", num)
            if len(parts) == 2 and len(parts[1]) <= 2:
                value = float(parts[0] + "." + parts[1]) * mult
            else:
                value = float("".join(parts)) * mult
            return int(round(value))
        # no unit: trailing ,dd or .dd after a thousands group is cents
        cents = re.search(r"[.,](\d{1,2})$", num)
        if cents and re.search(r"[.,]\d{3}[.,]\d{1,2}$", num):
            num = num[: cents.start()]
        elif cents and not re.search(r"[.,]\d{3}", num):
            num = num[: cents.start()]  # "Rp 600,50": rupiah 600
        return int(re.sub(r"\D", "", num) or 0)
    except (ValueError, OverflowError, AttributeError, KeyError):
        return None


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace the (sorted, non-overlapping) spans by spaces, in one pass."""
    if not spans:
        return text
    out = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(" " * (end - start))
        last = end
    out.append(text[last:])
    return "".join(out)


def _append_unique(values: list, value) -> None:
    if value not in values:
        values.append(value)


def _coerce(text) -> str:
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", "replace")
    return text if isinstance(text, str) else str(text)


def _dana(text: str, fast: _Text) -> int | None:
    """Position of the first mention that counts as the e-wallet DANA, or None."""
    best = None
    m = _DANA_CONTEXT_RE.search(text) if fast.may(("dana",)) else None
    if m is not None:
        best = m.start(m.lastindex or 0)
    caps = _DANA_CAPS_RE.search(text) if "DANA" in text else None
    if caps is not None and (best is None or caps.start() < best):
        # capitals mean the brand unless the whole message is shouting
        upper = len(_UPPER_RE.findall(text)) - 4 * len(_DANA_CAPS_RE.findall(text))
        lower = len(_LOWER_RE.findall(text))
        if upper <= lower:
            best = caps.start()
    return best


def extract_entities(text: str) -> dict:
    """Amounts (int rupiah), wave, incentive month, platforms, payout channels, topics
    ("otp"), phones (08...), accounts (10-16 digits that are not phones) and NIK numbers."""
    result = _empty()
    try:
        text = _coerce(text)
        if not text:
            return result
        text = INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", text))
        work = text
        fast = _Text(text)

        spans = []  # a phone has at least 6 digits: 0 8 d ddd
        for m in _PHONE_RE.finditer(text) if fast.digits_at_least(text, 6) else ():
            p = phone_digits(m.group())
            if p is None:
                m = _PHONE_STRICT_RE.match(text, m.start())
                p = phone_digits(m.group()) if m is not None else None
            if p is not None:
                _append_unique(result["phones"], p)
                spans.append(m.span())
        work = _blank(work, spans)

        spans = []
        for m in _NIK_RE.finditer(work) if fast.may(("nik", "ktp")) and fast.digits_at_least(work, 16) else ():
            _append_unique(result["nik"], m.group(1))
            spans.append(m.span(1))
        work = _blank(work, spans)

        spans = []
        for m in _AMOUNT_RE.finditer(work) if fast.digits_at_least(work, 1) else ():
            v = parse_amount(m.group())
            if v is not None and v > 0:
                _append_unique(result["amounts"], v)
            spans.append(m.span())
        work = _blank(work, spans)

        m = _MONTH_RE.search(work) if fast.may(_MONTH_NEEDLES) else None
        if m is not None:
            number = m.group(1) or m.group(3)
            month = int(number) if number else _ORDINALS[m.group(2).lower()]
            if 1 <= month <= 12:
                result["month"] = month
                work = _blank(work, [m.span()])

        if fast.may(("otp", "kode", "one")) and _OTP_RE.search(text):
            result["topics"].append("otp")

        m = _WAVE_RE.search(work) if fast.may(("gl", "gel")) else None
        if m is not None:
            result["wave"] = int(m.group(1))
            work = _blank(work, [m.span(1)])

        for m in _ACCOUNT_RE.finditer(work) if fast.digits_at_least(work, 10) else ():
            digits = m.group().replace("-", "")
            if 10 <= len(digits) <= 16:
                _append_unique(result["accounts"], digits)

        found = []
        for name, needles, rx in _PLATFORMS:
            m = rx.search(text) if fast.may(needles) else None
            if m is not None:
                found.append((m.start(), name))
        result["platforms"] = [name for _, name in sorted(found)]

        found = []
        for name, needles, rx in _WALLETS:
            m = rx.search(text) if fast.may(needles) else None
            if m is not None:
                found.append((m.start(), name))
        pos = _dana(text, fast)
        if pos is not None:
            found.append((pos, "DANA"))
        result["payout_channels"] = [name for _, name in sorted(found)]
    except Exception:  # noqa: BLE001 - never lose a message over extraction
        return result
    return result


def merge_entities(old: dict, new: dict) -> dict:
    """What a ticket's messages name together: lists joined without repeats, a later value wins."""
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, list):
            merged[key] = list(dict.fromkeys([*merged.get(key, []), *value]))
        elif value is not None:
            merged[key] = value
    return merged


def mask_number(value: str) -> str:
    """'081234561234' -> '0812****1234'. Keeps the first and last four digits
    (non-digit separators stay in place); values under 10 digits keep only the
    last two digits."""
    try:
        s = _coerce(value)
        n = sum(ch.isdigit() for ch in s)
        if n == 0:
            return s
        if n >= 10:
            keep = lambda k: k < 4 or k >= n - 4  # noqa: E731
        else:
            keep = lambda k: k >= n - 2  # noqa: E731
        out = []
        k = 0
        for ch in s:
            if ch.isdigit():
                out.append(ch if keep(k) else "*")
                k += 1
            else:
                out.append(ch)
        return "".join(out)
    except Exception:  # noqa: BLE001
        return ""


def masked(entities: dict) -> dict:
    """A copy of ``extract_entities`` output safe to show on screen: phone,
    account and NIK numbers masked; the input is not modified."""
    if not isinstance(entities, dict):
        return _empty()
    out = {}
    for key, val in entities.items():
        if key in ("phones", "accounts", "nik"):
            if isinstance(val, (list, tuple)):
                out[key] = [mask_number(v) for v in val]
            elif val is None:
                out[key] = []
            else:
                out[key] = [mask_number(val)]
        elif isinstance(val, list):
            out[key] = list(val)
        else:
            out[key] = val
    return out
