"""A participant's email with every kind of attachment the attachment tests need (issue 16):
a screenshot (a PNG with EXIF, bigger than a thumbnail), a PDF, an HTML file, a file over the size
cap, an HTML file that says it is a PNG, a part whose base64 is broken, and two decompression
bombs (one Pillow refuses to open, one it opens but the thumbnail refuses)."""
from __future__ import annotations

import base64
import io
import random

from PIL import Image

SENDER = "Sari Dewi <sari@example.com>"
HTML = b"<html><body><script>document.title='pwned';alert(1)</script><img src=x onerror=\"alert(2)\">halo</body></html>"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# The test caps: 1 MiB a file. The screenshot stays under it, the recording is over it.
CAP = 1024 * 1024
EXIF_MAKE = "KameraRahasia"


def screenshot_png(width: int = 640, height: int = 420, seed: int = 7) -> bytes:
    """A noisy RGB PNG (so it compresses badly: bigger than any thumbnail) carrying EXIF."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    exif = Image.Exif()
    exif[0x010F] = EXIF_MAKE  # Make
    exif[0x0110] = "NIK 3201234567890123"  # Model: personal data a thumbnail must not carry on
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif.tobytes())
    return out.getvalue()


def bomb_png(side: int) -> bytes:
    """A tiny file that decodes to side x side pixels (1 bit each, all zero)."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


def _part(content_type: str, filename: str, data: bytes, *, encode: bool = True) -> bytes:
    """A base64 attachment part; encode=False puts the bytes in as they are (broken base64)."""
    body = base64.encodebytes(data) if encode else data
    return (
        f'Content-Type: {content_type}; name="{filename}"\r\nContent-Disposition: attachment; filename="{filename}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def attachment_mail(message_id: str = "<lampiran@example.com>", *, screenshot: bytes | None = None) -> bytes:
    parts = [
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nInsentif bulan ke-3 belum masuk, screenshot dashboard terlampir.",
        _part("image/png", "dashboard.png", screenshot or screenshot_png()),
        _part("application/pdf", "bukti transfer.pdf", PDF),
        _part("text/html", "halaman.html", HTML),
        _part("application/octet-stream", "rekaman.bin", random.Random(1).randbytes(CAP + 1000)),
        _part("image/png", "bukan-gambar.png", HTML),  # lies: HTML declared as a PNG
        _part("image/jpeg", "rusak.jpg", b"QUJD!!!!not base64 at all@@@@", encode=False),
        _part("image/png", "bom.png", bomb_png(10_000)),  # 100 M pixels: Pillow refuses to open it
        _part("image/png", "bom-sedang.png", bomb_png(7_000)),  # 49 M pixels: opens, over the thumbnail's limit
    ]
    body = b"".join(b"--LMP\r\n" + p + b"\r\n" for p in parts) + b"--LMP--\r\n"
    head = (
        f"From: {SENDER}\r\nTo: bantuan@prakerja.example\r\nSubject: Insentif belum masuk\r\n"
        f"Date: Fri, 20 Nov 2026 08:00:00 +0700\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="LMP"\r\n\r\n'
    )
    return head.encode() + body


NAMES = ["dashboard.png", "bukti transfer.pdf", "halaman.html", "rekaman.bin", "bukan-gambar.png", "rusak.jpg", "bom.png", "bom-sedang.png"]
