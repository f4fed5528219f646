"""Attachments in a real browser (issue 16): the screenshot's thumbnail shows on the ticket page once revealed,
and an HTML attachment opened from it is only downloaded, never run."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError

from attachment_mail import CAP, HTML, attachment_mail
from builders import FixedClassifier, user
from tests.web.test_browser import _login, _shot, browser_type_launch_args, live_server, watched_page  # noqa: F401
from triage.ingest.email_message import parse_email
from triage.models import Attachment
from triage.pipeline import PipelineConfig, process_batch
from triage.settings import Settings


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    """The live server's caps are the ones the mail is stored with."""
    return Settings(database_url=database_url, secret_key="test-secret", instance_path=tmp_path / "instance",
                    session_cookie_secure=False, attachment_max_bytes=CAP)


def test_the_thumbnail_shows_and_an_html_attachment_is_downloaded_not_run(live_server, watched_page, session, tmp_path):  # noqa: F811
    page = watched_page
    user(session, "agen1", display_name="Agen Satu")
    outcome = process_batch(session, [parse_email(attachment_mail(), "test")], FixedClassifier(), PipelineConfig(attachment_max_bytes=CAP))[0]
    session.commit()
    ids = dict(session.execute(sa.select(Attachment.filename, Attachment.id)).all())
    _login(page, live_server, "agen1")
    page.goto(f"{live_server}/tickets/{outcome.ticket_id}")
    assert page.locator(".attachment-thumb img").count() == 0  # a photo may show a NIK: only after the reveal (issue 18)
    with page.expect_navigation():
        page.click("#reveal")

    image = page.locator(".attachment-thumb img")
    assert image.count() == 1 and image.get_attribute("alt") == "dashboard.png"
    image.scroll_into_view_if_needed()
    page.wait_for_function("() => { const i = document.querySelector('.attachment-thumb img'); return i.complete && i.naturalWidth > 0; }")
    assert image.evaluate("i => [i.naturalWidth, i.naturalHeight]")[0] == 320
    assert "terlalu besar, tidak disimpan" in page.inner_text(f'[data-attachment="{ids["rekaman.bin"]}"]')
    _shot(page, "ticket-attachments.png")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: every file inside its message
    outside = page.evaluate("""() => { const entry = document.querySelector('.attachments').closest('.entry').getBoundingClientRect();
        return [...document.querySelectorAll('.attachment')].filter(a => a.getBoundingClientRect().right > entry.right + 0.5).length; }""")
    assert outside == 0
    _shot(page, "ticket-attachments-phone.png")
    page.set_viewport_size({"width": 1366, "height": 768})

    for name in ("halaman.html", "bukan-gambar.png"):
        with page.expect_download() as info:
            page.click(f'a.attachment-download[href="/attachments/{ids[name]}"]')
        download = info.value
        assert download.suggested_filename == name
        saved = tmp_path / name
        download.save_as(saved)
        assert saved.read_bytes() == HTML  # the file itself, untouched
    # Nothing of it ran: no alert, the page is still the ticket, its title unchanged.
    assert page.dialogs == [] and page.csp_errors == []
    assert page.url == f"{live_server}/tickets/{outcome.ticket_id}" and page.title() != "pwned"

    # Opened by its address (no `download` attribute to help): the browser still only downloads it.
    for name in ("halaman.html", "bukan-gambar.png"):
        with page.expect_download() as info:
            try:
                page.goto(f"{live_server}/attachments/{ids[name]}")
            except PlaywrightError as exc:  # Chromium ends a navigation that turned into a download
                assert "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc)
        assert info.value.suggested_filename == name
    assert page.dialogs == [] and page.title() != "pwned"
