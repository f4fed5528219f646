"""A refused action in the reader's language.

The services refuse with short English reasons (for logs, the CLI and the API); a page shows
the translation of the reason it knows, else a general sentence (the reason goes to the log,
never English into an Indonesian page). A refusal with figures (TicketError, ReplyError,
DraftError with `params`) has them put into the translation.
"""
from __future__ import annotations

import logging
import re

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# The start of a service's reason -> what the page says; %(detail)s is the rest of the reason.
# Longer starts first where one starts another ("no group answer" before "no group").
REASONS = (
    ("this ticket is in no group", _l("Tiket ini tidak ada di kelompok mana pun.")),
    ("a group cannot be merged into itself", _l("Kelompok tidak bisa digabung ke dirinya sendiri.")),
    ("a merged group cannot be merged again", _l("Kelompok yang sudah digabung tidak bisa digabung lagi; pakai kelompok tujuannya.")),
    ("only groups of one category can be merged", _l("Hanya kelompok dengan kategori yang sama yang bisa digabung.")),
    ("assign the group to an active team member", _l("Pilih anggota tim yang aktif.")),
    ("no active team member", _l("Pilih anggota tim yang aktif.")),
    ("no group answer", _l("Jawaban kelompok ini tidak ditemukan.")),
    ("no group", _l("Kelompok tidak ditemukan.")),
    ("the answer is empty", _l("Jawaban masih kosong.")),
    ("the group has no open tickets", _l("Kelompok ini tidak punya tiket terbuka lagi.")),
    ("unknown category", _l("Kategori tidak dikenal.")),
    ("unknown placeholders: ", _l("Placeholder tidak dikenal: %(detail)s. Pakai hanya yang ada di daftar.")),
    ("broken placeholder: ", _l("Ada placeholder yang rusak; periksa tanda kurung kurawal { }.")),
    ("no such answer to post by hand", _l("Jawaban ini tidak ada di daftar untuk diposting.")),
    ("this answer was already marked as posted", _l("Jawaban ini sudah ditandai diposting.")),
    ("only open tickets can be assigned", _l("Hanya tiket terbuka yang bisa diberikan.")),
    ("the reply is empty", _l("Balasan masih kosong.")),
    ("the ready reply is too long", _l("Jawaban siap pakai terlalu panjang: %(length)s karakter, paling banyak %(limit)s. Belum disimpan; teksnya tetap di kotak.")),
    ("the reply is too long", _l("Balasan terlalu panjang: %(length)s karakter, paling banyak %(limit)s. Belum dikirim; teksnya tetap di kotak.")),
    ("the note is too long", _l("Catatan terlalu panjang: %(length)s karakter, paling banyak %(limit)s. Belum disimpan; teksnya tetap di kotak.")),
    ("the draft is too long", _l("Draf terlalu panjang: %(length)s karakter, paling banyak %(limit)s.")),
    ("a note needs text", _l("Catatan masih kosong.")),
    ("a ready reply needs text", _l("Jawaban siap pakai masih kosong.")),
    ("only an open ticket can be resolved", _l("Hanya tiket yang masih terbuka yang bisa diselesaikan.")),
    ("only a resolved ticket or noise can be reopened", _l("Hanya tiket selesai atau bukan keluhan yang bisa dibuka kembali.")),
    ("a merged ticket cannot be reopened", _l("Tiket yang sudah digabung tidak bisa dibuka kembali; buka tiket tujuannya.")),
    ("give the ticket a category before reopening it", _l("Beri kategori dulu sebelum membuka kembali tiket ini.")),
    ("only an open ticket can be marked as noise", _l("Hanya tiket yang masih terbuka yang bisa ditandai bukan keluhan.")),
    ("this ticket has no email to reply to", _l("Tiket ini tidak punya email untuk dibalas.")),
    ("only email tickets are answered by email", _l("Hanya tiket email yang dibalas lewat email.")),
    ("only Instagram tickets are answered by hand", _l("Hanya tiket Instagram yang dijawab manual di Instagram.")),
    ("a ticket cannot be merged into itself", _l("Tiket tidak bisa digabung ke dirinya sendiri.")),
    ("this ticket is already merged", _l("Tiket ini sudah digabung.")),
)


# Reasons with a value inside (team changes, triage.users.UserError; a number that is none).
PATTERNS = (
    (re.compile(r"password must have at least (?P<n>\d+) characters"), _l("Kata sandi minimal %(n)s karakter.")),
    (re.compile(r"the display name has (?P<length>\d+) characters, at most (?P<limit>\d+)"),
     _l("Nama tampilan terlalu panjang: %(length)s karakter, paling banyak %(limit)s.")),
    (re.compile(r"the group name has (?P<length>\d+) characters, at most (?P<limit>\d+)"),
     _l("Nama kelompok terlalu panjang: %(length)s karakter, paling banyak %(limit)s. Belum disimpan; teksnya tetap di kotak.")),
    (re.compile(r"password must not contain the username or name"), _l("Kata sandi tidak boleh memuat nama pengguna atau nama.")),
    (re.compile(r"password is too easy to guess \(strength (?P<score>\d) of 4, needs (?P<need>\d)\)"),
     _l("Kata sandi terlalu mudah ditebak (kekuatan %(score)s dari 4, perlu %(need)s). Pakai beberapa kata yang tidak umum atau lebih banyak karakter acak.")),
    (re.compile(r"you cannot change your own role"), _l("Anda tidak bisa mengubah peran Anda sendiri.")),
    (re.compile(r"username must be 1-64 letters"), _l("Nama pengguna harus 1–64 huruf, angka, titik, garis bawah atau tanda hubung.")),
    (re.compile(r"username '(?P<name>.*)' is taken"), _l("Nama pengguna %(name)s sudah dipakai.")),
    (re.compile(r"role must be one of"), _l("Peran tidak dikenal.")),
    (re.compile(r"capacity must be between (?P<low>\d+) and (?P<high>\d+)"), _l("Kapasitas harus antara %(low)s dan %(high)s.")),
    (re.compile(r"unknown categories: (?P<detail>.*)"), _l("Kategori tidak dikenal: %(detail)s.")),
    (re.compile(r"you cannot deactivate your own account"), _l("Anda tidak bisa menonaktifkan akun Anda sendiri.")),
    (re.compile(r"only an admin can change"), _l("Hanya admin yang bisa mengubah akun supervisor atau admin.")),
    (re.compile(r"invalid literal for int\(\)"), _l("Isi angka yang valid.")),
    (re.compile(r"ticket (?P<target>\d+) was itself merged into (?P<into>\d+)"), _l("Tiket #%(target)s sudah digabung ke #%(into)s; gabungkan ke tiket itu.")),
)
log = logging.getLogger(__name__)


def refusal_text(exc: BaseException) -> str:
    """Why an action was refused, for a flash message."""
    reason = str(exc)
    params = {key: format_decimal(value) if isinstance(value, int) else value for key, value in getattr(exc, "params", {}).items()}
    for start, text in REASONS:
        if reason.startswith(start):
            return str(text) % {"detail": reason[len(start):], **params}
    for pattern, text in PATTERNS:
        if match := pattern.match(reason):
            found = match.groupdict()
            figures = {key: format_decimal(int(found[key])) for key in ("length", "limit") if key in found}
            return str(text) % {**found, **figures}
    log.warning("refusal without a translation: %s", reason)
    return _("Tindakan ini tidak bisa dilakukan.")


# Why an input was quarantined (triage.pipeline.screen.validate) -> what the dashboard says.
# Other reasons are the sources' and drivers' technical detail, shown as such (code).
QUARANTINE_REASONS = (
    ("unknown channel ", _l("kanal tidak dikenal")),
    ("missing source id", _l("ID sumber tidak ada")),
    ("missing author", _l("pengirim tidak ada")),
    ("empty text", _l("teks kosong")),
    ("missing or invalid time", _l("waktu tidak ada atau tidak valid")),
    ("time without a timezone", _l("waktu tanpa zona waktu")),
)


def quarantine_reason(reason: str) -> str | None:
    """A quarantine reason in the reader's language, or None for technical detail."""
    for start, text in QUARANTINE_REASONS:
        if reason.startswith(start):
            return str(text)
    return None
