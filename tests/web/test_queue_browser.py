"""The queue workbench in Debian's Chromium: density at 1366×768, cards at 390×844, the keys,
the tab title's count of new tickets and the optional sound. Screenshots to test-artifacts/."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from builders import ticket, user
from triage import create_app
from triage.models import Ticket, utcnow
from tests.web.test_browser import ARTIFACTS, _login, browser_type_launch_args, serving, watched_page  # noqa: F401 - fixtures

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
LONG = ("Selamat siang admin, insentif bulan kedua saya belum masuk padahal sertifikat sudah terbit sejak lama "
        "dan saya sudah menunggu berminggu-minggu tanpa kabar apa pun dari pihak Prakerja, mohon dibantu dicek ya")


@pytest.fixture
def served(settings, engine):
    """The app served on 127.0.0.1, and the app itself (a test clears its memo)."""
    app = create_app(settings)
    with serving(app) as base:
        yield base, app


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)


def _fill(session, n: int) -> list[Ticket]:
    """`n` active tickets like the demo's: both channels, long first lines, a few overdue, some claimed."""
    now = utcnow()
    labels = ("missing_incentive", "certificate_pending", "unspent_voucher", "registration", "payment_account")
    made = []
    for i in range(n):
        if i % 3 == 0:
            made.append(ticket(session, labels[i % 5], channel="instagram", author=f"peserta_{i}", subject=None, source_id=f"ig-{i}",
                               text=f"{LONG} #{i}", sent_at=now - timedelta(hours=i)))
        else:
            made.append(ticket(session, labels[i % 5], author=f"Peserta Nomor {i} <peserta{i}@example.com>", text=f"{LONG} #{i}",
                               subject=f"Keluhan nomor {i}: insentif dan sertifikat belum juga diproses sampai sekarang", sent_at=now - timedelta(hours=i)))
    return made


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_desktop_queue_shows_at_least_15_one_line_rows(served, watched_page, session, browser):
    base, _app = served
    page = watched_page
    page.set_viewport_size(DESKTOP)
    user(session, "agen1", display_name="Agen Satu")
    soon = _fill(session, 35)[20]
    soon.due_at = utcnow() + timedelta(minutes=30)
    session.commit()
    _login(page, base, "agen1")
    colours = page.evaluate("""() => Object.fromEntries(['fine', 'soon', 'overdue'].map(state =>
        [state, getComputedStyle(document.querySelector(`tr[data-due-state=${state}] td.due time`)).color]))""")
    assert len(set(colours.values())) == 3, colours  # three states, three colours
    assert page.get_attribute(f'tr[data-ticket-id="{soon.id}"]', "data-due-state") == "soon"
    visible = page.evaluate("""() => [...document.querySelectorAll('#queue-rows tr.ticket')].filter(r => {
        const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= window.innerHeight; }).length""")
    assert visible >= 15, visible
    heights = page.evaluate("[...document.querySelectorAll('#queue-rows tr.ticket')].map(r => r.getBoundingClientRect().height)")
    assert max(heights) < 2 * min(heights)  # one line each: no row wraps
    cell = page.locator("#queue-rows tr.ticket td.preview").first
    assert cell.evaluate("c => getComputedStyle(c).textOverflow") == "ellipsis"
    assert cell.evaluate("c => c.scrollWidth > c.clientWidth")  # cut, with the whole text in its title
    assert cell.get_attribute("title") == cell.inner_text() and len(cell.inner_text()) > 150
    header = page.inner_text("table.queue thead")
    assert "#" in header and "Petugas" in header
    assert _no_horizontal_scroll(page)
    assert page.csp_errors == []
    _shot(page, "queue-1366.png")


def test_phone_queue_is_one_card_per_ticket(served, watched_page, session):
    base, _app = served
    page = watched_page
    page.set_viewport_size(PHONE)
    user(session, "agen1", display_name="Agen Satu")
    _fill(session, 12)
    _login(page, base, "agen1")
    row = page.locator("#queue-rows tr.ticket").first
    assert row.evaluate("r => getComputedStyle(r).display") == "grid"
    assert page.locator("table.queue thead").evaluate("t => getComputedStyle(t).display") == "none"
    assert _no_horizontal_scroll(page)
    widest = page.evaluate("Math.max(...[...document.querySelectorAll('main *')].map(e => e.getBoundingClientRect().right))")
    assert widest <= PHONE["width"]
    _shot(page, "queue-390.png")


def test_keys_move_open_take_reply_resolve_search_and_help(served, watched_page, session):
    base, _app = served
    page = watched_page
    page.set_viewport_size(DESKTOP)
    user(session, "agen1", display_name="Agen Satu")
    tickets = _fill(session, 4)
    _login(page, base, "agen1")
    ids = page.eval_on_selector_all("#queue-rows tr.ticket", "rows => rows.map(r => r.dataset.ticketId)")
    page.keyboard.press("j")
    assert page.get_attribute("#queue-rows tr.is-current", "data-ticket-id") == ids[0]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.get_attribute("#queue-rows tr.is-current", "data-ticket-id") == ids[1]

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "queue-search"
    page.keyboard.type("jk")  # typing into a box: letters, not moves
    assert page.input_value("#queue-search") == "jk"
    assert page.get_attribute("#queue-rows tr.is-current", "data-ticket-id") == ids[1]
    page.locator("#queue-search").blur()

    assert page.locator("#keys-help").is_hidden()
    page.keyboard.press("?")
    assert page.locator("#keys-help").is_visible() and "Tombol pintas" in page.inner_text("#keys-help")
    page.keyboard.press("Escape")
    assert page.locator("#keys-help").is_hidden()
    assert page.evaluate("document.activeElement.id") != "keys-help-close"  # the focus left the closed list

    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/tickets/{ids[1]}")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-text"
    page.keyboard.type("e")  # typed into the reply box, not a resolve
    assert page.input_value("#reply-text").endswith("e")
    page.locator("#reply-text").blur()

    page.goto(base)
    page.keyboard.press("n")
    page.wait_for_url(f"{base}/tickets/{ids[0]}")  # the most urgent ticket, taken
    assert page.get_attribute("#ticket-status", "data-status") == "claimed"
    page.keyboard.press("e")  # clicks #resolve: never answered, so the page asks first
    expect(page.locator("#confirm-resolve")).to_be_focused()
    page.keyboard.press("Enter")  # on the focused button: its own click, not the queue's Enter
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "resolved")
    session.expire_all()
    assert session.get(Ticket, int(ids[0])).status == "resolved"
    assert {t.id for t in tickets} >= {int(ids[0]), int(ids[1])}
    assert page.csp_errors == []


def test_tab_title_counts_new_tickets_and_counts_refresh(served, watched_page, session):
    base, app = served
    page = watched_page
    page.set_viewport_size(DESKTOP)
    user(session, "agen1", display_name="Agen Satu")
    _fill(session, 2)
    _login(page, base, "agen1")
    page.click(".view-save summary")  # save the current (unfiltered) queue as a view
    page.fill(".view-save input[name=name]", "Semua aktif")
    page.click(".view-save button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.inner_text("#view-tabs .view-tab") .startswith("Semua aktif") and page.inner_text("#view-tabs .view-count") == "2"
    page.click(".view-save summary")
    page.fill(".view-save input[name=name]", "setengah diketik")  # typed while the rows refresh: kept
    assert page.title().startswith("Antrean tiket")
    assert page.inner_text("#count-open") == "2"
    assert page.locator("#sound-toggle").is_visible() and not page.is_checked("#sound-toggle")  # off unless switched on
    page.check("#sound-toggle")
    # The agent looks elsewhere: this tab no longer has the focus.
    page.evaluate("document.hasFocus = () => false")
    for i in range(3):
        ticket(session, author=f"baru{i}@example.com", text=f"tiket baru {i}")
    app.extensions["triage.memo"].clear()  # the header counts are kept 5 s; do not wait for them
    page.evaluate("htmx.trigger('#queue-live', 'refresh')")
    expect(page).to_have_title(re.compile(r"^\(3\) Antrean tiket"))
    assert page.inner_text("#count-open") == "5"  # the counts came with the rows
    assert page.inner_text("#view-tabs .view-count") == "5"  # and the saved views' counts
    assert page.input_value(".view-save input[name=name]") == "setengah diketik"
    assert page.locator("#queue-rows tr.ticket").count() == 5
    assert page.get_attribute("#sound-toggle", "data-beeps") == "1"
    # Looking again clears the count.
    page.evaluate("delete document.hasFocus")
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(page).to_have_title(re.compile(r"^Antrean tiket"))
    assert page.csp_errors == []
