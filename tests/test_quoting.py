"""Quoted history and signatures apart from the sender's own words, in the shapes real mail
clients (Indonesian and English) write them."""
from __future__ import annotations

import pytest

from triage.quoting import Split, folded_line_count, split_quoted

OWN = "Insentif bulan ke-3 saya belum masuk.\nMohon dicek, terima kasih."

GMAIL_ID = f"""{OWN}

Pada Sen, 7 Des 2026 pukul 09.12 Rahma Putri <rahma19@example.com> menulis:
> Selamat pagi, kami sudah menerima laporan Anda.
> Mohon ditunggu 3x24 jam.
"""

GMAIL_EN_WRAPPED = f"""{OWN}

On Mon, Dec 7, 2026 at 9:12 AM Prakerja Support <
support@prakerja.example> wrote:

> Dear participant, we received your report.
>
> Regards,
> Support
"""

APPLE_MOBILE = f"""{OWN}

Sent from my iPhone

> On 7 Dec 2026, at 09:12, Prakerja Support <support@prakerja.example> wrote:
>
> We received your report.
"""

OUTLOOK_EN = f"""{OWN}

________________________________
From: Prakerja Support <support@prakerja.example>
Sent: Monday, December 7, 2026 9:12 AM
To: Rahma Putri <rahma19@example.com>
Subject: RE: Insentif belum masuk

We received your report.
"""

OUTLOOK_ID = f"""{OWN}

Dari: Prakerja Support <support@prakerja.example>
Dikirim: Senin, 07 Desember 2026 09.12
Kepada: rahma19@example.com
Subjek: RE: Insentif belum masuk

Kami sudah menerima laporan Anda.
"""

ORIGINAL_MESSAGE = f"""{OWN}

-----Original Message-----
From: support@prakerja.example
Sent: 7 Dec 2026 09:12
We received your report.
"""

PESAN_ASLI = f"""{OWN}

----- Pesan Asli -----
Dari: support@prakerja.example
Kami sudah menerima laporan Anda.
"""

THUNDERBIRD = f"""{OWN}

On 12/7/26 9:12 AM, Prakerja Support wrote:
> We received your report.
"""


@pytest.mark.parametrize("text", [GMAIL_ID, GMAIL_EN_WRAPPED, APPLE_MOBILE, OUTLOOK_EN, OUTLOOK_ID, ORIGINAL_MESSAGE, PESAN_ASLI, THUNDERBIRD],
                         ids=["gmail-id", "gmail-en-wrapped", "apple-mobile", "outlook-en", "outlook-id", "original-message", "pesan-asli", "thunderbird"])
def test_the_quoted_thread_of_each_client_is_split_from_the_own_words(text):
    split = split_quoted(text)
    assert split.own == OWN
    assert "report" in split.quoted or "laporan" in split.quoted
    assert OWN not in split.quoted


def test_the_header_line_is_the_first_quoted_line():
    split = split_quoted(GMAIL_ID)
    assert split.quoted.splitlines()[0] == "Pada Sen, 7 Des 2026 pukul 09.12 Rahma Putri <rahma19@example.com> menulis:"
    assert split.signature == ""


def test_a_trailing_run_of_quote_marks_without_a_header_is_quoted():
    text = "Sudah saya coba, masih gagal.\n\n> Silakan coba login ulang.\n> Salam, Tim Prakerja"
    assert split_quoted(text) == Split("Sudah saya coba, masih gagal.", "> Silakan coba login ulang.\n> Salam, Tim Prakerja", "")


def test_inline_answers_between_quotes_stay_whole():
    text = "> Nomor gelombang?\nGelombang 12\n> Platform?\nTokopedia"
    assert split_quoted(text) == Split(text, "", "")


@pytest.mark.parametrize("signature", [
    "Salam,\nRahma Putri",
    "Hormat saya,\nRahma Putri\nPeserta Prakerja gelombang 12",
    "-- \nRahma Putri | 0812-3456-7890",
    "Dikirim dari Yahoo Mail di Android",
    "Sent from my iPhone",
    "Dikirim dari ponsel Samsung Galaxy saya",
    "Get Outlook for Android",
    "Best regards,\nRahma",
])
def test_signatures_are_split_from_the_own_words(signature):
    split = split_quoted(f"{OWN}\n\n{signature}\n")
    assert (split.own, split.signature, split.quoted) == (OWN, signature, "")


def test_a_signature_and_a_quote_both_fold():
    text = f"{OWN}\n\nSalam,\nRahma\n\n{GMAIL_ID.split(chr(10) * 2, 1)[1]}"
    split = split_quoted(text)
    assert (split.own, split.signature) == (OWN, "Salam,\nRahma")
    assert split.quoted.startswith("Pada Sen, 7 Des 2026")
    assert folded_line_count(split) == 2 + 3


@pytest.mark.parametrize("text", [
    "Kemarin saya tanya.\nOn Monday I wrote:\nmy incentive is missing. Please check.",  # no date: not a client's header
    "Salam,\nsaya mau tanya kenapa insentif saya belum masuk padahal sudah 3 bulan menunggu dan sertifikat sudah terbit sejak lama",
    "Halo admin\nSalam\nini lanjutan pesan saya\nyang panjang\nsekali\ndan terus\nberlanjut",  # a closing word mid-message
    "Pada 5 Desember saya sudah lapor, belum ada jawaban.",
    "Insentif belum masuk.\nDikirim dari rekening BNI saya tanggal 3, tapi belum diterima.",  # no device: the sender's words
])
def test_ordinary_text_is_not_folded(text):
    assert split_quoted(text) == Split(text, "", "")


def test_a_message_that_is_only_a_quote_is_never_folded_away():
    text = "On Mon, 7 Dec 2026 at 09:12, Support <s@example.com> wrote:\n> hello"
    assert split_quoted(text) == Split(text, "", "")


@pytest.mark.parametrize("text", [GMAIL_ID, GMAIL_EN_WRAPPED, APPLE_MOBILE, OUTLOOK_EN, OUTLOOK_ID, f"{OWN}\n\nSalam,\nRahma\n\n> x\n> y"])
def test_nothing_is_lost(text):
    """Every nonblank line is in exactly one part, in the text's order."""
    split = split_quoted(text)
    lines = [line for part in (split.own, split.signature, split.quoted) for line in part.splitlines() if line.strip()]
    assert lines == [line for line in text.splitlines() if line.strip()]


def test_windows_line_ends_are_understood():
    split = split_quoted(GMAIL_ID.replace("\n", "\r\n"))
    assert split.own == OWN and split.quoted.startswith("Pada Sen")
