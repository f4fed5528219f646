"""The MIME parser (triage.ingest.email_message): content keys, bodies that hide their text,
charsets and encoded names, the part chosen among alternatives, attachments as metadata,
threading headers, mail that needs no agent, and mail that cannot be read."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser

import pytest

from triage.ingest import email_message
from triage.ingest.email_message import (
    MAX_NESTING,
    EmailParseError,
    decode_payload,
    email_item,
    html_to_text,
    not_complaint_reason,
    parse_email,
    subject_says_something,
)
from triage.records import InboundRecord, Rejected

HEAD = (
    "From: Sari <sari@example.com>\r\nTo: bantuan@prakerja.example\r\n"
    "Date: Fri, 20 Nov 2026 08:00:00 +0700\r\nSubject: Insentif belum masuk\r\n"
)


def mail(body: bytes | str = "Insentif saya belum masuk.\r\n", headers: str = "", *, head: str = HEAD) -> bytes:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return (head + headers).encode("utf-8") + b"\r\n" + data


def record(raw: bytes) -> InboundRecord:
    item = email_item(raw, "test")
    assert isinstance(item, InboundRecord), item
    return item


# -- item 5: the content key of a mail without a Message-ID --------------------------------


def transport_variants(raw: bytes) -> dict[str, bytes]:
    """The same mail as the ways of carrying it hand it over."""
    lf = raw.replace(b"\r\n", b"\n")
    return {
        "crlf": raw,
        "lf": lf,
        "lf-no-final-newline": lf.rstrip(b"\n"),
        "extra-final-blank-lines": raw + b"\r\n\r\n",
        "trailing-spaces": raw.replace(b"masuk.\r\n", b"masuk.   \r\n"),
        "bare-cr": raw.replace(b"\r\n", b"\r"),
        "mbox-from-line": b"From sari@example.com Fri Nov 20 08:00:00 2026\n" + lf,
    }


def test_content_key_ignores_line_endings_and_other_transport_changes():
    raw = mail("Insentif saya belum masuk.\r\n>From the start of the line, and\r\nFrom here too\r\n")
    keys = {name: record(variant).source_id for name, variant in transport_variants(raw).items()}
    escaped = raw.replace(b"\r\n>From the", b"\r\n>>From the").replace(b"\r\nFrom here", b"\r\n>From here")
    keys["mboxrd-escaped"] = record(escaped).source_id
    assert len(set(keys.values())) == 1, keys
    assert keys["crlf"].startswith("sha256:")


def test_content_key_keeps_different_mails_apart():
    base = record(mail()).source_id
    others = [
        mail("Insentif saya belum masuk!\r\n"),
        mail(headers="Cc: andi@example.com\r\n"),
        mail(head=HEAD.replace("Sari <sari", "Sari <sari2")),
        mail(head=HEAD.replace("08:00:00", "08:00:01")),
        mail("Insentif saya\r\nbelum masuk.\r\n"),
        mail("Insentif saya  belum masuk.\r\n"),
    ]
    keys = [record(raw).source_id for raw in others]
    assert base not in keys and len(set(keys)) == len(keys)


def test_nul_and_its_imap_stand_in_give_one_content_key():
    with_nul = mail(b"Insentif\x00 belum masuk\r\n")
    assert record(with_nul).source_id == record(with_nul.replace(b"\x00", b"\x80")).source_id


def test_a_message_id_stays_the_key():
    assert record(mail(headers="Message-ID: <k1@example.com>\r\n")).source_id == "<k1@example.com>"


# -- item 6: mail whose text is not where the parser first looks ----------------------------


@pytest.mark.parametrize("body", ["", "\r\n\r\n", "   \r\n\t\r\n"])
def test_empty_body_with_a_subject_becomes_a_ticket_whose_text_is_the_subject(body):
    got = record(mail(body))
    assert got.text == "Insentif belum masuk" and got.subject == "Insentif belum masuk"
    assert got.meta["text_from_subject"] is True


def test_attachments_only_with_a_subject_keep_the_attachments_and_use_the_subject():
    raw = mail(
        b"--OA\r\nContent-Type: image/jpeg; name=\"bukti.jpg\"\r\nContent-Disposition: attachment; filename=\"bukti.jpg\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"\xff\xd8jpeg") + b"\r\n--OA--\r\n",
        "Content-Type: multipart/mixed; boundary=\"OA\"\r\n",
    )
    got = record(raw)
    assert got.text == "Insentif belum masuk" and got.meta["text_from_subject"]
    assert got.meta["attachments"][0]["name"] == "bukti.jpg"


@pytest.mark.parametrize("subject", ["", "   ", "Re:", "Fwd: RE: ", None])
def test_no_subject_and_no_text_is_quarantined_with_a_clear_reason(subject):
    head = HEAD.replace("Subject: Insentif belum masuk\r\n", "" if subject is None else f"Subject: {subject}\r\n")
    item = email_item(mail("\r\n", head=head), "test")
    assert isinstance(item, Rejected)
    assert item.reason == "unparseable email: no text body and no subject"


def test_attachment_only_without_subject_names_the_attachments_in_the_reason():
    head = HEAD.replace("Subject: Insentif belum masuk\r\n", "")
    raw = mail(
        b"--X\r\nContent-Type: application/octet-stream; name=\"a.bin\"\r\n\r\nxxxx\r\n--X--\r\n",
        "Content-Type: multipart/mixed; boundary=X\r\n",
        head=head,
    )
    item = email_item(raw, "test")
    assert isinstance(item, Rejected) and item.reason == "unparseable email: no text body and no subject (1 attachment(s))"


def test_multipart_whose_declared_boundary_never_appears_is_read_as_text():
    got = record(mail("Insentif gelombang 9 belum masuk sejak Oktober.\r\n", "Content-Type: multipart/mixed; boundary=\"AAA\"\r\n"))
    assert got.text == "Insentif gelombang 9 belum masuk sejak Oktober."
    assert "multipart boundary never found: body read as text" in got.meta["parse_notes"]
    assert "StartBoundaryNotFoundDefect" in got.meta["defects"]


def test_multipart_using_another_boundary_than_declared_is_split_by_the_one_used():
    body = (
        "--real\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSertifikat saya belum terbit.\r\n"
        "--real\r\nContent-Type: application/pdf; name=x.pdf\r\nContent-Disposition: attachment; filename=x.pdf\r\n\r\n%PDF\r\n"
        "--real--\r\n"
    )
    got = record(mail(body, "Content-Type: multipart/mixed; boundary=\"declared\"\r\n"))
    assert got.text == "Sertifikat saya belum terbit."
    assert got.meta["attachments"][0]["name"] == "x.pdf"
    assert any("boundary never found" in n for n in got.meta["parse_notes"])


@pytest.mark.parametrize(
    "part_headers",
    [
        "Content-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=\"keluhan.txt\"\r\n",
        "Content-Type: text/plain; name=\"keluhan.txt\"\r\n",
        "Content-Type: application/octet-stream; name=\"keluhan.txt\"\r\nContent-Disposition: attachment; filename=\"keluhan.txt\"\r\n",
    ],
)
def test_a_named_text_part_is_the_text_when_no_other_text_part_exists(part_headers):
    body = (
        f"--N\r\n{part_headers}Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode("Saldo pelatihan saya masih sisa Rp 250.000.".encode()).decode()
        + "\r\n--N--\r\n"
    )
    got = record(mail(body, "Content-Type: multipart/mixed; boundary=N\r\n"))
    assert got.text == "Saldo pelatihan saya masih sisa Rp 250.000."
    assert got.meta["attachments"][0]["name"] == "keluhan.txt"
    assert got.meta["text_from_attachment"] == ["keluhan.txt"]


def test_a_named_text_part_is_not_the_text_when_the_mail_has_its_own():
    body = (
        "--N\r\nContent-Type: text/plain\r\n\r\nLihat lampiran.\r\n"
        "--N\r\nContent-Type: text/plain; name=\"log.txt\"\r\nContent-Disposition: attachment\r\n\r\nERROR 500\r\n--N--\r\n"
    )
    got = record(mail(body, "Content-Type: multipart/mixed; boundary=N\r\n"))
    assert got.text == "Lihat lampiran." and "text_from_attachment" not in got.meta


def test_a_calendar_invite_sent_as_a_file_is_not_the_text():
    body = "--N\r\nContent-Type: text/calendar; name=\"invite.ics\"\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n--N--\r\n"
    got = record(mail(body, "Content-Type: multipart/mixed; boundary=N\r\n"))
    assert got.text == "Insentif belum masuk" and got.meta["text_from_subject"]


def test_nested_multipart_without_text_uses_the_subject():
    body = (
        "--O\r\nContent-Type: multipart/related; boundary=I\r\n\r\n"
        "--I\r\nContent-Type: image/png\r\n\r\npng\r\n--I--\r\n--O--\r\n"
    )
    got = record(mail(body, "Content-Type: multipart/mixed; boundary=O\r\n"))
    assert got.text == "Insentif belum masuk" and got.meta["attachments"][0]["type"] == "image/png"


# -- item 8: charsets, Dovecot's NUL stand-in, RFC 2047 names ---------------------------------


def utf8_mail(body: bytes, charset: str = "utf-8") -> bytes:
    return mail(body, f"Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n")


def test_utf8_with_a_few_invalid_bytes_stays_utf8_and_counts_them():
    text = "Saya sudah menunggu \u2013 insentif \U0001F62D belum masuk, Bu Sar\u00ed. "
    got = record(utf8_mail(text.encode() + b"\xff\xfe ok " + text.encode()))
    assert got.text == (text + "\ufffd\ufffd ok " + text).strip()
    assert got.meta["decode_errors"] == 2


def test_mostly_ascii_utf8_with_invalid_bytes_in_the_middle_is_not_read_as_latin1():
    body = b"Insentif saya belum masuk " + b"\xc3" + b" padahal sertifikat sudah terbit \xe2\x80\x94 tolong dicek.\r\n" * 3
    got = record(utf8_mail(body))
    assert "\u2014" in got.text and "\u00e2" not in got.text and got.meta["decode_errors"] == 1


def test_a_mislabeled_single_byte_mail_is_still_read_as_such():
    got = record(utf8_mail("Caf\u00e9 internet \u2013 insentif belum masuk".encode("cp1252")))
    assert got.text == "Caf\u00e9 internet \u2013 insentif belum masuk"
    assert got.meta["charset_fallback"] == "cp1252"


def test_a_declared_multibyte_charset_that_mostly_decodes_is_kept_with_replacement():
    text = "\u6211\u7684\u5956\u52b1\u91d1\u8fd8\u6ca1\u5230\u8d26\u3002" * 3
    got = record(utf8_mail(text.encode("gb2312") + b"\xff\xff" + text.encode("gb2312"), "gb2312"))
    assert got.text.startswith(text) and got.text.endswith(text) and got.meta["decode_errors"] >= 1


@pytest.mark.parametrize("charset", ["x-unknown", "utf-9", "", "\"\""])
def test_an_unknown_charset_decodes_as_utf8_when_it_is(charset):
    got = record(utf8_mail("Insentif belum masuk \U0001F62D Sar\u00ed".encode(), charset))
    assert got.text == "Insentif belum masuk \U0001F62D Sar\u00ed"


def test_a_utf7_body_is_read_as_utf7():
    # UTF-7 is all ASCII bytes: read as UTF-8 it kept "+AOk-" where the sender wrote "\u00e9".
    got = record(utf8_mail("Insentif caf\u00e9 belum masuk".encode("utf-7"), "utf-7"))
    assert got.text == "Insentif caf\u00e9 belum masuk"


def test_dovecots_nul_stand_ins_do_not_become_euro_signs():
    body = b"Insentif\x80\x80 belum\x80 masuk" + b"\x80" * 65 + b" sejak Oktober\r\n"
    got = record(utf8_mail(body))
    assert "\u20ac" not in got.text and "\ufffd" not in got.text
    assert got.text == "Insentif belum masuk sejak Oktober" and got.meta["nul_stand_ins_removed"] == 68


def test_nul_stand_ins_beside_valid_utf8_keep_the_utf8():
    got = record(utf8_mail("Sar\u00ed \u2013 ".encode() + b"\x80insentif\x80 belum masuk"))
    assert got.text == "Sar\u00ed \u2013 insentif belum masuk" and got.meta["nul_stand_ins_removed"] == 2


def test_nul_stand_ins_in_an_undeclared_body_do_not_become_euro_signs():
    got = record(mail(b"Insentif\x80 belum masuk\x80\x80\r\n"))
    assert got.text == "Insentif belum masuk" and got.meta["nul_stand_ins_removed"] == 3


def test_a_declared_single_byte_charset_keeps_its_euro_sign():
    got = record(utf8_mail("Saldo \u20ac 5 belum kembali".encode("cp1252"), "windows-1252"))
    assert got.text == "Saldo \u20ac 5 belum kembali" and "nul_stand_ins_removed" not in got.meta


NAMES = {
    b"=?UTF-8?B?U2FyaSBEZXdp?= <sari@example.com>": "Sari Dewi",
    b"=?utf-8?q?Sar=C3=AD_Dew=C3=AD?= <sari@example.com>": "Sar\u00ed Dew\u00ed",
    b"=?iso-8859-1?Q?Jos=E9?= <sari@example.com>": "Jos\u00e9",
    b"=?gb2312?B?1dTA2g==?= <sari@example.com>": "\u8d75\u78ca",
    b"=?UTF-8?B?RGV3aSwgU2FyaQ==?= <sari@example.com>": "Dewi, Sari",
    b"\"=?UTF-8?B?U2FyaQ==?= Dewi\" <sari@example.com>": "Sari Dewi",
    b"=?UTF-8?B?U2FyaSBEZXdp?=\r\n <sari@example.com>": "Sari Dewi",
    b"=?utf-8?b?U2FyaSBEZXdp?= =?utf-8?b?IFB1dHJp?= <sari@example.com>": "Sari Dewi Putri",
    b"Sar\xc3\xad =?UTF-8?B?RGV3aQ==?= <sari@example.com>": "Sar\u00ed Dewi",
    b"Ibu=?UTF-8?B?U2FyaQ==?= <sari@example.com>": "IbuSari",
    b"=?UTF-8?B?U2FyaQ?= <sari@example.com>": "Sari",
    b"=?UTF-8?B?U2FyaSBEZXdp <sari@example.com>": "Sari Dewi",
    b"=?x-unknown?Q?Sar=C3=AD?= <sari@example.com>": "Sar\u00ed",
    b"=?UTF-8*id?Q?Sari?= <sari@example.com>": "Sari",
    b"=?UTF-8?Q?=22Dewi=22_=3Cfake=40evil=2Eexample=3E?= <sari@example.com>": "\"Dewi\" <fake@evil.example>",
    b"sari@example.com (=?UTF-8?B?U2FyaQ==?=)": "Sari",
    b"\"\" <sari@example.com>": None,
    b"<sari@example.com>": None,
    b"=?UTF-8?B??= <sari@example.com>": None,
    b"=?UTF-8?B?U2FyaSA8c2FyaUBleGFtcGxlLmNvbT4=?=": "Sari",
    b"=?UTF-8?B?U2FyaQ==?= <sari@example.com>, =?UTF-8?B?QW5kaQ==?= <andi@example.com>": "Sari",
}


@pytest.mark.parametrize("from_value", list(NAMES), ids=[str(i) for i in range(len(NAMES))])
def test_from_display_names_are_decoded_and_the_address_is_plain(from_value):
    head = HEAD.replace("From: Sari <sari@example.com>\r\n", "")
    raw = b"From: " + from_value + b"\r\n" + mail(head=head)
    got = record(raw)
    assert got.author == "sari@example.com"
    assert got.author_name == NAMES[from_value]


SUBJECTS = {
    b"=?UTF-8?B?SW5zZW50aWYgYmVsdW0gbWFzdWs=?=": "Insentif belum masuk",
    b"Re: =?UTF-8?Q?Sertifikat_belum_terbit?=": "Re: Sertifikat belum terbit",
    b"=?utf-8?B?SW5zZW50aWY?= =?x-unknown?Q?caf=E9?= =?utf-8?Q?belum_masuk": "Insentifcaf\u00e9belum masuk",
    b"Caf\xc3\xa9 =?UTF-8?B?aW5zZW50aWY=?=": "Caf\u00e9 insentif",
    b"Saldo=?UTF-8?Q?_sisa?=": "Saldo sisa",
    b"=?UTF-8?B?U2FsZG8=?=\r\n =?UTF-8?B?IHNpc2E=?=": "Saldo sisa",
}


@pytest.mark.parametrize("subject", list(SUBJECTS), ids=[str(i) for i in range(len(SUBJECTS))])
def test_subjects_are_decoded(subject):
    head = HEAD.replace("Subject: Insentif belum masuk\r\n", "")
    assert record(b"Subject: " + subject + b"\r\n" + mail(head=head)).subject == SUBJECTS[subject]


def test_encoded_attachment_names_are_decoded():
    body = (
        "--N\r\nContent-Type: text/plain\r\n\r\nBukti.\r\n"
        "--N\r\nContent-Type: application/pdf; name=\"=?UTF-8?B?YnVrdGkgdHJhbnNmZXIucGRm?=\"\r\n"
        "Content-Disposition: attachment; filename=\"=?UTF-8?B?YnVrdGkgdHJhbnNmZXIucGRm?=\"\r\n\r\n%PDF\r\n--N--\r\n"
    )
    got = record(mail(body, "Content-Type: multipart/mixed; boundary=N\r\n"))
    assert got.meta["attachments"][0]["name"] == "bukti transfer.pdf"


@pytest.mark.parametrize("charset", ["base64", "zlib", "rot13", "idna", "unicode_escape", "undefined", "utf-8\x00"])
def test_a_codec_that_is_no_mail_charset_is_treated_as_unknown(charset):
    got = record(utf8_mail("C:\\new folder \u2013 saldo Sar\u00ed".encode(), charset))
    assert got.text == "C:\\new folder \u2013 saldo Sar\u00ed"


def test_a_utf8_body_labeled_latin1_is_read_as_utf8():
    got = record(utf8_mail("Sertifikat \u2013 Sar\u00ed belum terbit".encode(), "iso-8859-1"))
    assert got.text == "Sertifikat \u2013 Sar\u00ed belum terbit" and "nul_stand_ins_removed" not in got.meta


def test_plain_mail_takes_the_fast_path_unchanged():
    got = parse_email(mail(headers="Message-ID: <fast@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n"), "x")
    assert got.text == "Insentif saya belum masuk." and got.author_name == "Sari"
    assert not {"decode_errors", "nul_stand_ins_removed", "charset_fallback", "parse_notes"} & set(got.meta)


# -- which text: multipart/alternative, HTML, forwarded messages ---------------------------------


def alternative(plain: str, html: str, boundary: str = "A") -> bytes:
    return mail(
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{plain}\r\n"
        f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--{boundary}--\r\n",
        f"Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n",
    )


def test_multipart_alternative_takes_the_plain_text_and_not_the_html_as_well():
    got = record(alternative("Insentif saya belum masuk.", "<p>Insentif saya <b>belum</b> masuk.</p><p>hanya di HTML</p>"))
    assert got.text == "Insentif saya belum masuk."


def test_multipart_alternative_with_an_empty_plain_part_takes_the_html():
    got = record(alternative("  ", "<p>Saldo pelatihan <b>masih</b> sisa</p><p>tolong dibantu</p>"))
    assert got.text == "Saldo pelatihan masih sisa\n\ntolong dibantu"


def test_an_alternative_inside_mixed_keeps_its_plain_text_and_the_attachment():
    inner = alternative("Bukti transfer terlampir.", "<p>Bukti transfer terlampir.</p>", "ALT").split(b"\r\n\r\n", 1)[1]
    body = (
        b"--MIX\r\nContent-Type: multipart/alternative; boundary=\"ALT\"\r\n\r\n" + inner + b"\r\n"
        b"--MIX\r\nContent-Type: image/png; name=\"bukti.png\"\r\nContent-Disposition: attachment; filename=\"bukti.png\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"\x89PNG" + bytes(96)) + b"\r\n--MIX--\r\n"
    )
    got = record(mail(body, "Content-Type: multipart/mixed; boundary=\"MIX\"\r\n"))
    assert got.text == "Bukti transfer terlampir."
    assert got.meta["attachments"] == [{"name": "bukti.png", "type": "image/png", "size": 100}]


def test_html_to_text_keeps_the_words_and_line_breaks_and_drops_what_is_not_text():
    html = (
        "<html><head><title>Judul surat</title><style>p {color: red}</style></head><body>"
        "<h1>Keluhan</h1><p>Saldo &amp; insentif   sisa</p><ul><li>satu</li><li>dua</li></ul>"
        "<a href='javascript:alert(1)'>tautan</a><script>alert('x')</script><noscript>aktifkan JS</noscript></body></html>"
    )
    assert html_to_text(html) == "Keluhan\n\nSaldo & insentif sisa\n\nsatu\n\ndua\n\ntautan"


def test_a_forwarded_message_follows_the_senders_own_text_with_its_headers():
    inner = (
        b"From: Andi <andi@example.com>\r\nSubject: Sertifikat belum terbit\r\nDate: Thu, 19 Nov 2026 10:00:00 +0700\r\n"
        b"Content-Type: multipart/mixed; boundary=\"IN\"\r\n\r\n"
        b"--IN\r\nContent-Type: text/plain\r\n\r\nSertifikat saya belum terbit.\r\n"
        b"--IN\r\nContent-Type: application/pdf; name=\"ulasan.pdf\"\r\n\r\n%PDF\r\n--IN--\r\n"
    )
    body = b"--FW\r\nContent-Type: text/plain\r\n\r\nTolong dibantu, ini dari teman saya.\r\n--FW\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--FW--\r\n"
    got = record(mail(body, "Content-Type: multipart/mixed; boundary=\"FW\"\r\n"))
    assert got.text == (
        "Tolong dibantu, ini dari teman saya.\n\n---------- Forwarded message ----------\nFrom: Andi <andi@example.com>\n"
        "Date: Thu, 19 Nov 2026 10:00:00 +0700\nSubject: Sertifikat belum terbit\n\nSertifikat saya belum terbit."
    )
    assert got.meta["forwarded"] == [{"from": "Andi <andi@example.com>", "subject": "Sertifikat belum terbit"}]
    assert got.meta["attachments"] == [{"name": "ulasan.pdf", "type": "application/pdf", "size": 4}]  # the forwarded mail's own


def test_nesting_deeper_than_the_limit_is_ignored_and_noted():
    nested = b"Saldo pelatihan masih sisa.\r\n"
    for level in range(MAX_NESTING + 5):
        nested = f"Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n".encode() + nested + f"\r\n--b{level}--\r\n".encode()
    got = record(HEAD.encode() + nested)
    assert got.text == "Insentif belum masuk" and got.meta["text_from_subject"]  # the text below the limit is not read
    assert got.meta["parse_notes"] == ["nesting too deep: inner parts ignored"]


# -- parts decoded one by one ------------------------------------------------------------------


def part(raw: bytes):
    return BytesParser(policy=policy.compat32).parsebytes(raw)


@pytest.mark.parametrize(
    "raw, text",
    [
        (b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\nQ2Fm6Q==\r\n", "Caf\u00e9"),
        (b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nSar=C3=AD =E2=80=93 ok=\r\n", "Sar\u00ed \u2013 ok"),
        (b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nSW5zZW50aWYgYmVsdW0g!!!bWFzdWs\r\n", "Insentif belum masuk"),
        (b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: x-unknown\r\n\r\nteks apa adanya\r\n", "teks apa adanya\r\n"),
    ],
    ids=["base64-latin1", "quoted-printable", "broken-base64", "unknown-transfer-encoding"],
)
def test_decode_payload_undoes_the_transfer_encoding_and_never_raises(raw, text):
    assert decode_payload(part(raw)).text == text


def test_decode_payload_reports_what_it_had_to_guess():
    got = decode_payload(part(b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "Caf\u00e9 \u2013 insentif".encode("cp1252")))
    assert (got.text, got.fallback) == ("Caf\u00e9 \u2013 insentif", "cp1252")


# -- subjects, threading headers, dates, sizes ------------------------------------------------------


@pytest.mark.parametrize(
    "subject, says",
    [("Insentif belum masuk", True), ("Re: Fwd: Insentif", True), ("AW: WG: Sertifikat", True), ("Re: Re: x", True),
     ("Re:", False), ("Fwd: RE: ", False), ("Re[2]: ", False), ("Balas: Penerusan:", False), ("", False), (None, False)],
)
def test_a_subject_of_reply_prefixes_alone_says_nothing(subject, says):
    assert subject_says_something(subject) is says


def test_message_id_in_reply_to_and_references_are_read_as_ids():
    got = record(mail(headers=(
        "Message-ID: <m1@example.com> (Thunderbird)\r\n"
        "In-Reply-To: <q1@prakerja.example> <q0@prakerja.example>\r\n"
        "References: <q0@prakerja.example>\r\n <q1@prakerja.example> junk-without-brackets\r\n\t<q2@prakerja.example>\r\n"
    )))
    assert got.source_id == "<m1@example.com>"
    assert got.in_reply_to == "<q1@prakerja.example>"
    assert got.references == ("<q0@prakerja.example>", "<q1@prakerja.example>", "<q2@prakerja.example>")


def test_threading_headers_without_ids_are_no_threading():
    got = record(mail(headers="In-Reply-To: your mail of Friday\r\nReferences: none\r\n"))
    assert got.in_reply_to is None and got.references == ()
    assert got.source_id.startswith("sha256:")  # no Message-ID: the content key


@pytest.mark.parametrize(
    "date, sent_at",
    [
        ("Fri, 20 Nov 2026 08:00:00 +0700", datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)),
        ("Fri, 20 Nov 2026 08:00:00", datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)),  # no zone: taken as UTC
        ("20 Nov 2026 08:00 -0000", datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)),
    ],
)
def test_the_date_header_becomes_an_aware_time(date, sent_at):
    got = record(mail(head=HEAD.replace("Fri, 20 Nov 2026 08:00:00 +0700", date)))
    assert got.sent_at == sent_at and got.sent_at.tzinfo is not None and "date_missing" not in got.meta


def test_an_unreadable_date_is_kept_for_the_record_and_the_time_is_now():
    before = datetime.now(timezone.utc)
    got = record(mail(head=HEAD.replace("Fri, 20 Nov 2026 08:00:00 +0700", "kemarin sore")))
    assert got.meta["date_missing"] is True and got.meta["date_unparsed"] == "kemarin sore"
    assert before <= got.sent_at <= datetime.now(timezone.utc) + timedelta(seconds=1)


def test_a_message_cut_at_a_size_cap_says_how_big_it_was():
    raw = mail()
    assert parse_email(raw, "x", full_size=len(raw) + 5_000_000).meta["truncated_from_bytes"] == len(raw) + 5_000_000
    assert "truncated_from_bytes" not in parse_email(raw, "x", full_size=len(raw)).meta


def test_attachment_metadata_has_the_decoded_size_and_a_bounded_name():
    long_name = "bukti-" + "x" * 400 + ".pdf"
    body = (
        b"--N\r\nContent-Type: text/plain\r\n\r\nBukti terlampir.\r\n"
        b"--N\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"" + long_name.encode() + b"\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"%PDF" * 256) + b"\r\n"
        b"--N\r\nContent-Type: image/jpeg\r\nContent-Disposition: inline\r\n\r\njpeg\r\n--N--\r\n"
    )
    got = record(mail(body, "Content-Type: multipart/mixed; boundary=N\r\n"))
    assert got.text == "Bukti terlampir."
    assert got.meta["attachments"] == [
        {"name": long_name[:300], "type": "application/pdf", "size": 1024},
        {"name": "", "type": "image/jpeg", "size": 4},  # an inline image without a name is an attachment too
    ]


# -- mail that needs no agent -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, reason",
    [
        ("Auto-Submitted: auto-replied\r\n", "auto-reply"),
        ("Auto-Submitted: no\r\n", None),
        ("X-Autoreply: yes\r\n", "auto-reply"),
        ("Precedence: bulk\r\n", "bulk"),
        ("Precedence: first-class\r\n", None),
        ("List-Id: <pengumuman.prakerja.example>\r\n", "mailing-list"),
        ("List-Unsubscribe: <mailto:keluar@prakerja.example>\r\n", "mailing-list"),
        ("Content-Type: multipart/report; report-type=delivery-status; boundary=R\r\n", "bounce"),
        ("", None),
    ],
)
def test_not_complaint_reason_from_the_headers(headers, reason):
    msg = part(mail(headers=headers))
    assert not_complaint_reason(msg, "sari@example.com") == reason


@pytest.mark.parametrize("subject", ["Out of Office: cuti", "Automatic reply: Insentif", "Balasan otomatis", "Sedang cuti sampai Senin"])
def test_auto_reply_subjects_in_english_and_indonesian(subject):
    got = record(mail(head=HEAD.replace("Subject: Insentif belum masuk", f"Subject: {subject}")))
    assert got.meta["not_complaint"] == "auto-reply" and got.direction == "inbound"


def test_a_bounce_from_the_mailer_daemon_without_text_is_kept_as_such():
    got = record(mail("", head=HEAD.replace("Sari <sari@example.com>", "MAILER-DAEMON@mx.example.com").replace("Subject: Insentif belum masuk\r\n", "")))
    assert got.meta["not_complaint"] == "bounce" and got.text == "(bounce: no text)"


def test_mail_from_our_own_support_address_is_outbound():
    got = email_item(mail(head=HEAD.replace("Sari <sari@example.com>", "Bantuan <Bantuan@Prakerja.example>")), "x",
                     support_addresses=("bantuan@prakerja.example",))
    assert got.direction == "outbound" and got.meta["not_complaint"] == "own-address"


# -- mail that cannot be read: a Rejected input with a clear reason ---------------------------------


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"", "empty file"),
        (b" \r\n\t\r\n", "empty file"),
        (b"\r\n\r\njust some bytes, not an email\r\n", "no email headers found"),
        (b"To: bantuan@prakerja.example\r\nSubject: x\r\n\r\nInsentif belum masuk\r\n", "no sender address in From header"),
        (b"From: Sari\r\nSubject: x\r\n\r\nInsentif belum masuk\r\n", "no sender address in From header"),
        (b"From: <>\r\nSubject: x\r\n\r\nInsentif belum masuk\r\n", "no sender address in From header"),
    ],
    ids=["empty", "blank", "no-headers", "no-from", "from-without-address", "empty-address"],
)
def test_a_broken_message_is_rejected_with_its_reason_and_its_start(raw, reason):
    with pytest.raises(EmailParseError, match=f"^{reason}$"):
        parse_email(raw, "imap://support/INBOX;UID=7")
    item = email_item(raw, "imap://support/INBOX;UID=7")
    assert isinstance(item, Rejected)
    assert (item.source_ref, item.reason) == ("imap://support/INBOX;UID=7", f"unparseable email: {reason}")
    assert item.payload == raw.decode("utf-8")


def test_the_rejected_payload_is_the_start_of_the_raw_text():
    raw = b"To: bantuan@prakerja.example\r\n\r\n" + "Sar\u00ed ".encode() * 10_000 + b"\xff"
    item = email_item(raw, "x")
    assert isinstance(item, Rejected) and item.payload == raw[:20_000].decode("utf-8", "replace")


def test_a_surprise_inside_the_parser_rejects_that_message_only(monkeypatch):
    def broken_codec(*args, **kwargs):
        raise LookupError("unknown encoding: x-broken")

    monkeypatch.setattr(email_message, "decode_bytes", broken_codec)
    item = email_item(mail(), "x")
    assert isinstance(item, Rejected) and item.reason == "unparseable email: LookupError: unknown encoding: x-broken"
