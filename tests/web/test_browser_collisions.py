"""Collisions in a real browser: a colleague's ticket shows who holds it and only the note form;
the holder's open page learns by polling that a supervisor gave the ticket away; a long mail's
quoted history is folded so the reply box is on the first screen. Screenshots to test-artifacts/."""
from __future__ import annotations

from web.test_browser import _login, _shot, browser_type_launch_args, live_server, watched_page  # noqa: F401 (fixtures)

from builders import ticket, user
from triage import claims
from triage.web import collisions

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
QUOTE = "\n".join(f"> Baris kutipan ke-{n} dari percakapan sebelumnya, dengan nomor 0812345678{n % 10}0." for n in range(60))
LONG_MAIL = (
    "Insentif bulan ke-3 saya belum masuk. Mohon dicek.\n\nSalam,\nRahma Putri\n\n"
    f"Pada Sen, 7 Des 2026 pukul 09.12 Rahma Putri <rahma19@example.com> menulis:\n{QUOTE}\n"
)


def test_a_colleague_sees_the_holder_and_the_holder_hears_of_a_reassignment(live_server, watched_page, browser, session, monkeypatch):
    monkeypatch.setattr(collisions, "POLL_SECONDS", 1)  # the page polls every 10 s; the test need not wait that long
    holder = user(session, "agen1", display_name="Agen Satu")
    colleague = user(session, "agen2", display_name="Agen Dua")
    boss = user(session, "supervisor1", "supervisor", display_name="Supervisor Satu")
    t = ticket(session, author="Rahma Putri <rahma19@example.com>", subject="Insentif belum masuk", text=LONG_MAIL)
    claims.claim(session, t, holder)
    session.commit()

    page = watched_page  # the holder, with the ticket open
    page.set_viewport_size(DESKTOP)
    _login(page, live_server, "agen1")
    page.goto(f"{live_server}/tickets/{t.id}")
    assert page.locator("#holder-banner").count() == 0
    folded = page.locator("details.quoted pre.quoted-text")
    assert not folded.is_visible()
    assert page.locator("#reply-text").bounding_box()["y"] + 40 < DESKTOP["height"]  # the reply box on the first screen
    folded_height = page.evaluate("document.documentElement.scrollHeight")
    page.click("details.quoted > summary")
    assert folded.is_visible() and "ra***@example.com" in page.inner_text("details.quoted")
    assert page.evaluate("document.documentElement.scrollHeight") > folded_height + 600  # 60 quoted lines were folded
    page.click("details.quoted > summary")
    _shot(page, "ticket-folded-1366.png")

    context = browser.new_context(viewport=DESKTOP)  # the colleague, on the same ticket
    other = context.new_page()
    other.set_default_timeout(10_000)
    csp = []
    other.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
    _login(other, live_server, "agen2")
    other.goto(f"{live_server}/tickets/{t.id}")
    assert other.inner_text("#holder-banner").startswith("Sedang ditangani oleh Agen Satu sejak")
    assert other.locator("#resolve").count() == 0 and other.locator("#reply-text").count() == 0
    other.fill("textarea[name=text]", "Peserta ini juga menelepon ke call center.")
    other.click("form[action$='/note'] button[type=submit]")
    other.wait_for_selector("text=Catatan internal disimpan.")
    assert "Peserta ini juga menelepon ke call center." in other.inner_text(".conversation")
    _shot(other, "ticket-held-by-colleague-1366.png")
    other.set_viewport_size(PHONE)
    assert other.locator("#holder-banner").bounding_box()["width"] <= PHONE["width"]
    _shot(other, "ticket-held-by-colleague-390.png")
    other.set_viewport_size(DESKTOP)

    claims.assign(session, t, colleague, boss)  # a supervisor gives the ticket away meanwhile
    session.commit()
    page.wait_for_selector("#holder-notice[data-how=assigned]")
    assert page.inner_text("#holder-notice").startswith("Tiket ini baru saja diberikan ke Agen Dua.")
    _shot(page, "ticket-holder-notice-1366.png")
    other.wait_for_selector("#holder-notice[data-how=assigned]")  # the colleague's page hears it too: now theirs
    context.close()
    assert page.dialogs == [] and page.csp_errors == [] and csp == []
