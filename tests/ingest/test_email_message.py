"""Email bytes to records: content keys, bodies that hide their text, charsets and encoded names."""
from __future__ import annotations

import base64

import pytest

from triage.ingest.email_message import email_item, parse_email
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
