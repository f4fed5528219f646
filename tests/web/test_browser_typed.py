"""Nothing typed is lost, in a real browser (issue 16): a reply the mail server refuses comes
back in its box with the reason; the draft survives a reload and shows in another browser of
the same agent, never in a colleague's; resolving a ticket that never got a reply asks first,
in the page (no dialog)."""
from __future__ import annotations

import pytest

from builders import ticket, user
from smtp import Inbox, smtp_server
from tests.web.test_browser import _login, _shot, browser_type_launch_args, serving, watched_page  # noqa: F401 - fixtures
from triage import create_app
from triage.models import Ticket

REFUSED = "554 5.7.1 Message rejected"


@pytest.fixture
def mail_live_server(settings, engine):
    """The app on 127.0.0.1 replying through a real SMTP server whose answers the test sets."""
    with smtp_server(Inbox()) as (host, port, inbox):
        with serving(create_app(settings.with_overrides(smtp_host=host, smtp_port=port))) as base:
            yield base, inbox


def test_a_reply_the_mail_server_refuses_is_back_in_its_box_and_the_draft_follows_the_agent(mail_live_server, watched_page, browser, session):
    base, inbox = mail_live_server
    page = watched_page
    user(session, "agen1", display_name="Agen Satu")
    user(session, "agen2", display_name="Agen Dua")
    t = ticket(session, author="Budi Santoso <budi@example.com>", subject="Insentif belum masuk", source_id="<typed-browser@example.com>")
    text = "Halo Pak Budi, insentif Anda sedang kami periksa bersama bank. Mohon tunggu 2 hari kerja."

    _login(page, base, "agen1")
    page.goto(f"{base}/tickets/{t.id}")
    ready = page.input_value("#reply-text")
    page.fill("#reply-text", text)
    page.wait_for_selector("#reply-status .draft-state:has-text('Draf tersimpan')")  # kept on the server while typed

    inbox.refuse_data = REFUSED
    page.click("#send-reply")
    page.wait_for_selector("text=Teksnya dikembalikan ke kotak balasan.")
    assert "Server email menolak balasan ini. (554 5.7.1 Message rejected)" in page.inner_text(".flash-error")
    assert page.input_value("#reply-text") == text and not inbox.messages
    assert page.get_attribute("#mail-banner", "data-reason") == "rejected_recently"  # said at the top of the page
    _shot(page, "ticket-reply-refused.png")
    page.reload()
    assert page.input_value("#reply-text") == text

    same_agent = browser.new_context()  # another browser of the same agent
    other = same_agent.new_page()
    _login(other, base, "agen1")
    other.goto(f"{base}/tickets/{t.id}")
    assert other.input_value("#reply-text") == text
    other.fill("#note-text", "Bank BNI dihubungi lewat telepon.")
    other.locator("#note-text").blur()  # saved when the box is left
    other.wait_for_selector("#note-status .draft-state:has-text('Draf tersimpan')")
    same_agent.close()
    page.reload()
    assert page.input_value("#note-text") == "Bank BNI dihubungi lewat telepon."

    colleague_context = browser.new_context()
    colleague = colleague_context.new_page()
    _login(colleague, base, "agen2")
    colleague.goto(f"{base}/tickets/{t.id}")
    assert colleague.input_value("#reply-text") == ready and colleague.input_value("#note-text") == ""
    colleague_context.close()

    page.fill("#note-text", "y" * 10_050)  # a paste over the limit stays whole, the counter turns red
    assert page.input_value("#note-text") == "y" * 10_050
    assert page.inner_text("#note-status .char-count") == "10.050 dari 10.000 karakter"
    assert "over" in page.get_attribute("#note-status .char-count", "class")
    page.fill("#note-text", "x" * 8_001)  # near the limit: the counter says how much is used
    assert page.inner_text("#note-status .char-count") == "8.001 dari 10.000 karakter"
    assert "over" not in page.get_attribute("#note-status .char-count", "class")

    page.click("#resolve")  # the reply never went out: asked first, in the page
    page.wait_for_selector(".actions #resolve-confirm")
    _shot(page, "resolve-unanswered.png")
    assert "Tiket ini belum pernah dibalas. Selesaikan tanpa balasan?" in page.inner_text("#resolve-confirm")
    assert page.url == f"{base}/tickets/{t.id}" and page.input_value("#note-text") == "x" * 8_001  # still the same page
    page.click("#cancel-resolve")
    assert page.locator("#resolve-confirm").count() == 0 and page.is_enabled("#resolve")
    session.expire_all()
    assert session.get(Ticket, t.id).status == "open"
    page.click("#resolve")
    page.click("#confirm-resolve")
    page.wait_for_selector("text=Tiket diselesaikan.")
    session.expire_all()
    assert session.get(Ticket, t.id).status == "resolved"
    page.click("#reopen")
    page.wait_for_selector("text=Tiket dibuka kembali.")

    inbox.refuse_data = None
    page.click("#send-reply")
    page.wait_for_selector("text=Balasan email terkirim.")
    assert len(inbox.messages) == 1 and page.input_value("#reply-text") == ready  # sent: the draft is gone
    assert page.locator("#mail-banner").count() == 0  # the server took a reply after the rejection: mail works again
    page.click("#resolve")  # answered now: resolved at once
    page.wait_for_selector("text=Tiket diselesaikan.")
    assert page.dialogs == [] and page.csp_errors == []
