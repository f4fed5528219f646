"""The demo's email with a screenshot: participants send pictures of their Prakerja dashboard,
so `make run` shows one as an attachment (a thumbnail on the ticket page, a download).

The PNG is drawn here with Pillow, and the mail goes through the real parser like any other."""
from __future__ import annotations

import io
from email.message import EmailMessage

from PIL import Image, ImageDraw

from triage.ingest.email_message import email_item
from triage.records import SourceItem

SENT = "Fri, 27 Nov 2026 08:30:00 +0700"


def dashboard_png() -> bytes:
    """A made-up dashboard screenshot: a header bar, the participant's status and an unpaid incentive."""
    image = Image.new("RGB", (960, 600), "#f4f6f8")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 960, 72), fill="#0b4f8a")
    draw.text((32, 26), "Kartu Prakerja - Dashboard", fill="white", font_size=24)
    rows = [
        ("Nama", "Dewi Lestari"),
        ("Gelombang", "61"),
        ("Pelatihan", "Selesai (sertifikat terbit 02/11/2026)"),
        ("Insentif bulan ke-1", "Sudah dibayar"),
        ("Insentif bulan ke-2", "Sudah dibayar"),
        ("Insentif bulan ke-3", "Belum dibayar"),
    ]
    for number, (label, value) in enumerate(rows):
        top = 110 + number * 70
        draw.rectangle((32, top, 928, top + 56), fill="white", outline="#d5dde5")
        draw.text((52, top + 16), label, fill="#4a5560", font_size=20)
        draw.text((400, top + 16), value, fill="#b00020" if value.startswith("Belum") else "#1d2733", font_size=20)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def screenshot_mail() -> SourceItem:
    mail = EmailMessage()
    mail["From"] = "Dewi Lestari <dewi.lestari61@example.org>"
    mail["To"] = "bantuan@prakerja.example"
    mail["Subject"] = "Insentif bulan ke-3 belum masuk (screenshot terlampir)"
    mail["Date"] = SENT
    mail["Message-ID"] = "<demo-screenshot-1@example.org>"
    mail.set_content(
        "Selamat pagi Admin,\n\nInsentif bulan ke-3 saya belum masuk ke LinkAja, padahal bulan ke-1 dan ke-2 sudah. "
        "Saya lampirkan screenshot dashboard saya.\n\nTerima kasih,\nDewi Lestari\n"
    )
    mail.add_attachment(dashboard_png(), maintype="image", subtype="png", filename="dashboard-prakerja.png")
    return email_item(mail.as_bytes(), "demo:screenshot")
