"""A folder of hostile messages: every case of the MIME rules, plus broken structure.

Each entry: name -> (raw bytes, expected outcome "ingested" or "quarantined").
"""
from __future__ import annotations

import base64

H = "From: Sari <sari@example.com>\r\nTo: bantuan@prakerja.example\r\nDate: Fri, 20 Nov 2026 08:00:00 +0700\r\n"


def _msg(name: str, headers: str, body: bytes | str, *, mid: bool = True) -> bytes:
    head = (H + (f"Message-ID: <{name}@hostile.example>\r\n" if mid else "") + headers).encode("utf-8")
    return head + b"\r\n" + (body.encode("utf-8") if isinstance(body, str) else body)


def _multipart(boundary: str, parts: list[bytes], *, close: bool = True) -> bytes:
    out = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    return out + (b"--" + boundary.encode() + b"--\r\n" if close else b"")


def hostile_messages() -> dict[str, tuple[bytes, str]]:
    big = base64.encodebytes(bytes(range(256)) * (3 * 1024 * 1024 // 256)).replace(b"\n", b"\r\n")
    pdf = base64.encodebytes(b"%PDF-1.4 bukti transfer" * 40).replace(b"\n", b"\r\n")
    forwarded = (
        b"From: Andi <andi@example.com>\r\nSubject: Sertifikat belum terbit\r\nDate: Thu, 19 Nov 2026 10:00:00 +0700\r\n"
        b"Message-ID: <inner@example.com>\r\n\r\nSertifikat saya belum terbit padahal sudah ulasan dan rating.\r\n"
    )
    deep = b"Saldo pelatihan masih sisa, tolong dibantu.\r\n"
    for level in range(40):
        deep = (f"Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n").encode() + deep + f"\r\n--b{level}--\r\n".encode()
    many_headers = "".join(f"X-Trace-{i}: hop {i}\r\n" for i in range(2000))
    cases = {
        "html-only-script-style": (_msg("html", "Subject: Saldo\r\nContent-Type: text/html; charset=utf-8\r\n",
            "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body><p>Saldo pelatihan "
            "saya masih sisa Rp 250.000</p><p>tolong dibantu</p></body></html>"), "ingested"),
        "cp1252-declared-utf8": (_msg("wrongcs", "Subject: Salah charset\r\nContent-Type: text/plain; charset=utf-8\r\n",
            "Caf\xe9 internet \u2013 insentif belum masuk".encode("cp1252")), "ingested"),
        "unknown-charset": (_msg("unknowncs", "Subject: Charset aneh\r\nContent-Type: text/plain; charset=x-klingon\r\n",
            "Insentif belum masuk, Jos\xe9".encode("cp1252")), "ingested"),
        "windows-1258-and-latin2": (_msg("cp1258", "Subject: Vietnam\r\nContent-Type: text/plain; charset=windows-1258\r\n",
            "Sertifikat belum terbit \u20ac 5".encode("cp1258")), "ingested"),
        "rfc2047-broken": (_msg("rfc2047", "Subject: =?utf-8?B?SW5zZW50aWY?= =?x-unknown?Q?caf=E9?= =?utf-8?Q?belum_masuk\r\n"
            "Content-Type: text/plain\r\n", "Insentif belum masuk"), "ingested"),
        "raw-8bit-subject": (_msg("8bit", "Subject: Caf\xe9 insentif\r\n", "Insentif belum masuk").replace(b"Caf\xc3\xa9", b"Caf\xe9"), "ingested"),
        "attachment-metadata": (_msg("attach", "Subject: Bukti\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n", _multipart("XX", [
            b"Content-Type: text/plain; charset=utf-8\r\n\r\nBukti transfer terlampir, insentif belum masuk.",
            b"Content-Type: application/pdf; name=\"bukti.pdf\"\r\nContent-Disposition: attachment; filename=\"bukti.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + pdf]).decode()), "ingested"),
        "forwarded-rfc822": (_msg("fwd", "Subject: Fwd: Sertifikat belum terbit\r\nContent-Type: multipart/mixed; boundary=\"FW\"\r\n",
            _multipart("FW", [b"Content-Type: text/plain\r\n\r\n", b"Content-Type: message/rfc822\r\n\r\n" + forwarded]).decode()), "ingested"),
        "attachment-3mb": (_msg("big", "Subject: Lampiran besar\r\nContent-Type: multipart/mixed; boundary=\"BIG\"\r\n", _multipart("BIG", [
            b"Content-Type: text/plain\r\n\r\nScreenshot insentif belum masuk terlampir.",
            b"Content-Type: image/png; name=\"layar.png\"\r\nContent-Disposition: attachment; filename=\"layar.png\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + big])), "ingested"),
        "no-from": (("To: bantuan@prakerja.example\r\nSubject: tanpa pengirim\r\n\r\nInsentif belum masuk\r\n").encode(), "quarantined"),
        "no-date-no-message-id": (_msg("nodate", "Subject: Tanpa tanggal\r\n", "Saldo masih sisa", mid=False).replace(
            b"Date: Fri, 20 Nov 2026 08:00:00 +0700\r\n", b""), "ingested"),
        "invalid-date": (_msg("baddate", "Subject: Tanggal rusak\r\n", "Saldo masih sisa").replace(
            b"Fri, 20 Nov 2026 08:00:00 +0700", b"kemarin sore"), "ingested"),
        "duplicate-headers": (_msg("dup", "Subject: Pertama\r\nSubject: Kedua\r\nFrom: Other <other@example.com>\r\n"
            "Message-ID: <dup-second@hostile.example>\r\n", "Insentif belum masuk"), "ingested"),
        "2000-header-lines": (_msg("manyheaders", "Subject: Banyak header\r\n" + many_headers, "Insentif belum masuk"), "ingested"),
        "nul-bytes": (_msg("nul", "Subject: NUL\x00 di subjek\r\n", b"Insentif\x00 belum\x00 masuk"), "ingested"),
        "missing-closing-boundary": (_msg("noclose", "Subject: Tanpa penutup\r\nContent-Type: multipart/alternative; boundary=\"NC\"\r\n",
            _multipart("NC", [b"Content-Type: text/plain\r\n\r\nSertifikat belum terbit"], close=False)), "ingested"),
        "deep-nesting": (_msg("deep", "Subject: Bersarang\r\nMIME-Version: 1.0\r\n", b"").rstrip(b"\r\n") + b"\r\n" + deep, "ingested"),
        "bad-base64": (_msg("b64", "Subject: base64 rusak\r\nContent-Transfer-Encoding: base64\r\n", "SW5zZW50aWYgYmVsdW0g!!!bWFzdWs"), "ingested"),
        # An empty body under a subject: the subject is the message.
        "headers-only": (_msg("empty", "Subject: Kosong\r\n", ""), "ingested"),
        "attachment-only": (_msg("onlyattach", "Subject: Hanya lampiran\r\nContent-Type: multipart/mixed; boundary=\"OA\"\r\n", _multipart("OA", [
            b"Content-Type: image/jpeg; name=\"a.jpg\"\r\nContent-Disposition: attachment; filename=\"a.jpg\"\r\n\r\nxxxx"]).decode()), "ingested"),
        "no-headers-at-all": (b"\r\n\r\njust some bytes, not an email\r\n", "quarantined"),
        "utf8-raw-display-name": (_msg("rawname", "Subject: Nama\r\n", "Insentif belum masuk").replace(
            b"From: Sari <", "From: Sar\u00ed Dew\u00ed <".encode("utf-8")), "ingested"),
        **text_hiding_messages(),
        **decoding_messages(),
    }
    return cases


def _without_subject(raw: bytes) -> bytes:
    head, _, body = raw.partition(b"\r\n\r\n")
    return b"\r\n".join(line for line in head.split(b"\r\n") if not line.startswith(b"Subject:")) + b"\r\n\r\n" + body


def text_hiding_messages() -> dict[str, tuple[bytes, str]]:
    """Mail whose text is not in a plain inline text part (issue 13, item 6)."""
    note = base64.encodebytes("Sertifikat saya belum terbit, mohon dicek.".encode()).replace(b"\n", b"\r\n")
    no_text = _multipart("O", [b"Content-Type: multipart/related; boundary=\"I\"\r\n\r\n" + _multipart("I", [
        b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo="])])
    return {
        "whitespace-body-subject": (_msg("wsbody", "Subject: Saldo pelatihan tidak bisa dipakai\r\n", " \r\n\t\r\n \r\n"), "ingested"),
        "empty-body-no-subject": (_msg("nosubject", "", "\r\n"), "quarantined"),
        "empty-body-reply-prefix-subject": (_msg("resubject", "Subject: Re: Fwd:\r\n", ""), "quarantined"),
        "boundary-never-appears": (_msg("noboundary", "Subject: Insentif\r\nContent-Type: multipart/mixed; boundary=\"NEVER\"\r\n",
            "Insentif gelombang 9 belum masuk sejak Oktober.\r\n"), "ingested"),
        "boundary-other-than-declared": (_msg("otherboundary", "Subject: Sertifikat\r\nContent-Type: multipart/mixed; boundary=\"declared\"\r\n",
            _multipart("used", [b"Content-Type: text/plain\r\n\r\nSertifikat belum terbit padahal sudah rating.",
                                b"Content-Type: image/png; name=\"s.png\"\r\n\r\npng"])), "ingested"),
        "nested-multipart-no-text": (_msg("nestednotext", "Subject: Bukti insentif belum masuk\r\nContent-Type: multipart/mixed; boundary=\"O\"\r\n",
            no_text), "ingested"),
        "nested-multipart-no-text-no-subject": (_without_subject(_msg("nestednothing", "Content-Type: multipart/mixed; boundary=\"O\"\r\n",
            no_text)), "quarantined"),
        "octet-stream-only": (_msg("octet", "Subject: Saldo hilang\r\nContent-Type: application/octet-stream\r\n"
            "Content-Transfer-Encoding: base64\r\n", "AAECAwQF\r\n"), "ingested"),
        "text-plain-attachment-named": (_msg("namedtext", "Subject: \r\nContent-Type: multipart/mixed; boundary=\"T\"\r\n", _multipart("T", [
            b"Content-Type: text/plain; charset=utf-8; name=\"keluhan.txt\"\r\nContent-Disposition: attachment; filename=\"keluhan.txt\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + note])), "ingested"),
        "octet-stream-txt-file": (_msg("octettxt", "Content-Type: multipart/mixed; boundary=\"T\"\r\n", _multipart("T", [
            b"Content-Type: application/octet-stream; name=\"pesan.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + note])), "ingested"),
    }


def decoding_messages() -> dict[str, tuple[bytes, str]]:
    """Charsets, transfer encodings, NULs and encoded names (issue 13, item 8)."""
    utf8 = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
    valid = "Insentif \U0001F62D belum masuk \u2013 sudah 3 bulan, Bu Sar\u00ed. ".encode()
    name = lambda n, v: _msg(n, "Subject: Nama\r\n", "Saldo pelatihan sisa").replace(b"From: Sari <sari@example.com>", b"From: " + v)
    return {
        "utf8-invalid-in-the-middle": (_msg("badutf8", "Subject: UTF-8 rusak\r\n" + utf8, valid + b"\xff\xc3(" + valid), "ingested"),
        "utf8-labeled-latin1": (_msg("latin1label", "Subject: Label salah\r\nContent-Type: text/plain; charset=iso-8859-1\r\n",
            "Sertifikat \u2013 Sar\u00ed".encode()), "ingested"),
        "nul-bytes-many": (_msg("nulmany", "Subject: Banyak NUL\r\n" + utf8, b"Insentif\x00 belum" + b"\x00" * 66 + b" masuk \xe2\x80\x93 ok"), "ingested"),
        "qp-soft-breaks": (_msg("qp", "Subject: QP\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n",
            "Insentif gelombang 9 belum ma=\r\nsuk =E2=80=93 sudah lama=\r\n sekali.\r\n"), "ingested"),
        "base64-garbage-in-part": (_msg("b64garbage", "Subject: b64\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
            "U2FsZG8gcGVs@@@YXRpaGFu\r\n%%%IHNpc2E=\r\n"), "ingested"),
        "encoded-name-with-comma": (name("encname", b"=?UTF-8?B?RGV3aSwgU2FyaQ==?= <sari@example.com>"), "ingested"),
        "encoded-name-with-quotes": (name("encquote", b"=?UTF-8?Q?=22Dewi=22_=3Cdewi=40evil=2Eexample=3E?= <sari@example.com>"), "ingested"),
        "encoded-name-glued-and-raw": (name("encglued", b"Ibu Sar\xc3\xad=?UTF-8?B?IERld2k=?= <sari@example.com>"), "ingested"),
        "empty-from-name": (name("emptyname", b"\"\" <sari@example.com>"), "ingested"),
    }
