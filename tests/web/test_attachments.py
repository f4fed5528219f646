"""Attachments on the web (issue 16): served only as sandboxed downloads with the sniffed type,
thumbnails as images, every download audited, absurd ids a 404, and the ticket page listing
them from one query that never loads the bytes."""
from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from PIL import Image

from attachment_mail import CAP, HTML, PDF, attachment_mail
from builders import FixedClassifier
from triage.ingest.email_message import parse_email
from triage.models import Attachment, AuditEvent
from triage.pipeline import PipelineConfig, process_batch
from triage.records import AttachedFile
from triage.settings import Settings
from triage.web.attachments import SANDBOX, download_names

CONFIG = PipelineConfig(attachment_max_bytes=CAP)


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret", instance_path=tmp_path / "instance",
                    session_cookie_secure=False, attachment_max_bytes=CAP)


@pytest.fixture
def stored(session):
    """The mail with every kind of attachment, plus a scan named with a NIK, on one ticket."""
    record = parse_email(attachment_mail(), "test")
    record.files += (AttachedFile("KTP 3201234567890123.pdf", "application/pdf", PDF),)
    outcome = process_batch(session, [record], FixedClassifier(), CONFIG)[0]
    session.commit()
    ids = dict(session.execute(sa.select(Attachment.filename, Attachment.id)).all())
    return outcome.ticket_id, ids


def test_a_download_is_an_attachment_with_the_sniffed_type_in_a_sandbox_and_audited(client, auth, agent, session, stored):
    ticket_id, ids = stored
    auth.login("agen1")
    html = client.get(f"/attachments/{ids['halaman.html']}")
    assert html.status_code == 200 and html.data == HTML
    assert html.headers["Content-Type"] == "application/octet-stream"  # the sender said text/html
    assert html.headers["Content-Disposition"] == "attachment; filename=\"halaman.html\"; filename*=UTF-8''halaman.html"
    assert html.headers["X-Content-Type-Options"] == "nosniff"
    assert html.headers["Content-Security-Policy"] == SANDBOX == "sandbox; default-src 'none'"
    lying = client.get(f"/attachments/{ids['bukan-gambar.png']}")
    assert lying.headers["Content-Type"] == "application/octet-stream" and lying.headers["Content-Security-Policy"] == SANDBOX
    pdf = client.get(f"/attachments/{ids['bukti transfer.pdf']}")
    assert pdf.data == PDF and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].endswith("filename*=UTF-8''bukti%20transfer.pdf")
    events = session.execute(
        sa.select(AuditEvent.actor_id, AuditEvent.ticket_id, AuditEvent.detail).where(AuditEvent.action == "attachment.downloaded")
        .order_by(AuditEvent.id)
    ).all()
    assert [(actor, ticket, detail["attachment"]) for actor, ticket, detail in events] == [
        (agent.id, ticket_id, ids["halaman.html"]), (agent.id, ticket_id, ids["bukan-gambar.png"]),
        (agent.id, ticket_id, ids["bukti transfer.pdf"]),
    ]


def test_a_thumbnail_is_an_image_and_files_without_one_or_without_bytes_are_404(client, auth, agent, stored):
    ticket_id, ids = stored
    auth.login("agen1")
    assert client.get(f"/attachments/{ids['dashboard.png']}/thumbnail").status_code == 403  # a photo may show a NIK
    auth.post(f"/tickets/{ticket_id}/reveal")
    thumb = client.get(f"/attachments/{ids['dashboard.png']}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] in ("image/png", "image/jpeg")
    assert thumb.headers["Content-Security-Policy"] == SANDBOX and thumb.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(thumb.data)) as image:
        assert max(image.size) == 320
    for name in ("bukti transfer.pdf", "bom.png", "bukan-gambar.png"):
        assert client.get(f"/attachments/{ids[name]}/thumbnail").status_code == 404
    assert client.get(f"/attachments/{ids['rekaman.bin']}").status_code == 404  # over the cap: never kept


@pytest.mark.parametrize("path", [
    "/attachments/999999", "/attachments/99999999999999999999", "/attachments/2147483648", "/attachments/-1",
    "/attachments/abc", "/attachments/99999999999999999999/thumbnail", "/attachments/1e9", "/attachments/0",
])
def test_unknown_and_absurd_ids_are_404_never_500(client, auth, agent, path):
    auth.login("agen1")
    assert client.get(path).status_code == 404


def test_attachments_need_a_login(client, stored):
    _, ids = stored
    for path in (f"/attachments/{ids['dashboard.png']}", f"/attachments/{ids['dashboard.png']}/thumbnail"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_ticket_page_lists_them_from_one_query_without_their_bytes(client, auth, agent, stored):
    ticket_id, ids = stored
    auth.login("agen1")
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", seen)
    try:
        page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", seen)
    touching = [s for s in statements if "attachments" in s]
    assert len(touching) == 1 and "attachments.data IS NOT NULL" in touching[0]
    assert not re.search(r"attachments\.(data|thumbnail)\s*(,|\s+FROM)", touching[0])  # tested, never loaded
    assert "/thumbnail" not in page  # thumbnails only after the (audited) reveal: a photo may show a NIK
    auth.post(f"/tickets/{ticket_id}/reveal")
    revealed = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    thumb = f'src="/attachments/{ids["dashboard.png"]}/thumbnail" alt="dashboard.png"'
    assert thumb in revealed and revealed.count("/thumbnail") == 1  # only the image that has one
    assert f'href="/attachments/{ids["halaman.html"]}" download' in page
    assert "terlalu besar, tidak disimpan" in page  # rekaman.bin, over the cap
    assert f'href="/attachments/{ids["rekaman.bin"]}"' not in page
    assert "KTP 3201234567890123.pdf" not in page and "KTP 3201********0123.pdf" in page  # masked like the message
    auth.post("/language", {"lang": "en", "next": "/"})
    assert "too big, not stored" in client.get(f"/tickets/{ticket_id}").get_data(as_text=True)


@pytest.mark.parametrize("name, expected", [
    ("dashboard.png", ("dashboard.png", "dashboard.png")),
    ("../../etc/passwd", ("passwd", "passwd")),
    ("C:\\Users\\sari\\bukti.pdf", ("bukti.pdf", "bukti.pdf")),
    ('a"b\r\nSet-Cookie: x.txt', ("a_bSet-Cookie_ x.txt", "a_bSet-Cookie_ x.txt")),
    ("bukti ✓ saldo.png", ("bukti _ saldo.png", "bukti ✓ saldo.png")),
    ("kafé.png", ("kafe.png", "kafé.png")),
    ("", ("lampiran", "lampiran")),
    ("...", ("lampiran", "lampiran")),
])
def test_download_names_keep_no_path_quote_or_line_break(name, expected):
    assert download_names(name) == expected


def test_a_non_ascii_name_is_sent_as_utf8(client, auth, agent, session):
    record = parse_email(attachment_mail("<utf8@example.com>"), "test")
    record.files = (AttachedFile("bukti ✓ saldo.pdf", "application/pdf", PDF),)
    process_batch(session, [record], FixedClassifier(), CONFIG)
    session.commit()
    auth.login("agen1")
    attachment_id = session.scalar(sa.select(Attachment.id))
    header = client.get(f"/attachments/{attachment_id}").headers["Content-Disposition"]
    assert header == f"attachment; filename=\"bukti _ saldo.pdf\"; filename*=UTF-8''{quote('bukti ✓ saldo.pdf', safe='')}"
