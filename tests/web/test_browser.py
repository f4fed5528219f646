"""The app in a real browser (Debian's Chromium through Playwright), served on 127.0.0.1.

Screenshots of the queue, a ticket and the dashboard go to test-artifacts/ (not committed).
Without /usr/bin/chromium these tests skip, except under CI=true where they fail.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from builders import PASSWORD, ticket, user
from triage import create_app
from triage.models import IngestRun, Ticket, utcnow
from triage.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: CI must install chromium (.ci/run does)", pytrace=False)
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@contextmanager
def serving(app):
    """`app` on a free port of 127.0.0.1 in a server thread, stopped on leaving (also on failure); its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture
def live_server(settings, engine, smtp_server):
    """The app served on 127.0.0.1, replying through the loopback SMTP server."""
    host, port, _inbox = smtp_server
    with serving(create_app(settings.with_overrides(smtp_host=host, smtp_port=port, instagram_profiles=("prakerja.go.id",)))) as base:
        yield base


@pytest.fixture
def watched_page(page):
    """A page that records any dialog (alert/confirm) and any Content-Security-Policy violation."""
    page.dialogs = []
    page.csp_errors = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda msg: page.csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.set_default_timeout(10_000)
    return page


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base}/")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_agent_takes_next_relabels_replies_and_resolves(live_server, watched_page, session, smtp_server):
    _, _, inbox = smtp_server
    page = watched_page
    user(session, "agen1", display_name="Agen Satu")
    now = utcnow()
    urgent = ticket(
        session,
        "missing_incentive",
        author="Budi Santoso <budi@example.com>",
        subject="Insentif bulan ke-2 belum masuk",
        text="Selamat siang admin, insentif bulan kedua saya belum masuk padahal sertifikat sudah terbit. "
        "Rekening BNI saya 1234567890, HP 081234567890. Mohon dibantu.",
        source_id="<budi-1@mail.example.com>",
        sent_at=now - timedelta(hours=20),
    )
    ticket(session, "certificate_pending", author="sinta_99", channel="instagram", subject=None, source_id="ig-77",
           text="min sertifikat saya belum muncul padahal sudah kasih ulasan di tokopedia", sent_at=now - timedelta(hours=3))
    ticket(session, "unspent_voucher", 0.35, author="Rina <rina@example.com>", text="saldo pelatihan sisa 150rb bisa dicairkan?",
           sent_at=now - timedelta(hours=30))

    _login(page, live_server, "agen1")
    assert page.locator("tr.ticket").count() == 3
    assert "bu***@example.com" not in page.inner_text("table.queue")  # display name shown, handle masked
    _shot(page, "queue.png")

    page.click("#take-next")
    page.wait_for_url(f"{live_server}/tickets/{urgent.id}")
    assert "Insentif bulan ke-2 belum masuk" in page.inner_text("h1")
    assert "081234567890" not in page.content() and "0812****7890" in page.inner_text(".conversation")
    _shot(page, "ticket.png")

    page.select_option("#relabel-select", "payment_account")
    page.click("#relabel")
    page.wait_for_selector("text=Kategori diperbarui.")
    assert page.inner_text("#ticket-label") == "Rekening / e-wallet"

    draft = page.input_value("#reply-text")
    assert draft.startswith("Halo Budi Santoso, mohon pastikan rekening BNI Anda")  # the new category's ready reply
    page.click("#send-reply")
    page.wait_for_selector("text=Balasan email terkirim.")
    assert len(inbox.messages) == 1
    _, rcpts, mail = inbox.messages[0]
    assert rcpts == ["budi@example.com"] and mail["Subject"] == "Re: Insentif bulan ke-2 belum masuk"
    assert mail["In-Reply-To"] == "<budi-1@mail.example.com>"

    page.click("#resolve")
    page.wait_for_selector("text=Tiket diselesaikan.")
    assert page.get_attribute("#ticket-status", "data-status") == "resolved"
    assert page.inner_text("#ticket-status") == "selesai"
    session.expire_all()
    done = session.get(Ticket, urgent.id)
    assert done.status == "resolved" and done.label == "payment_account" and done.label_source == "agent"
    assert page.dialogs == [] and page.csp_errors == []


def test_supervisor_dashboard_charts_render_with_data(live_server, watched_page, session):
    page = watched_page
    user(session, "supervisor1", role="supervisor", display_name="Supervisor Satu")
    agent = user(session, "agen1", display_name="Agen Satu", on_shift=True)
    now = utcnow()
    labels = ["missing_incentive", "missing_incentive", "unspent_voucher", "certificate_pending", "payment_account", "registration", "other"]
    for i, label in enumerate(labels * 2):
        t = ticket(session, label, 0.3 + 0.05 * i, author=f"p{i}@example.com", sent_at=now - timedelta(days=i % 9, hours=i),
                   channel="instagram" if i % 3 == 0 else "email", subject=None if i % 3 == 0 else "Keluhan", source_id=f"dash-{i}")
        if i % 4 == 0:
            t.status, t.assignee_id = "resolved", agent.id
            t.first_response_at = t.created_at + timedelta(hours=2)
            t.resolved_at = t.created_at + timedelta(hours=5)
    session.add(IngestRun(source="imap:inbox", started_at=now - timedelta(minutes=3), status="ok", fetched=12))
    session.add(IngestRun(source="instagram", started_at=now - timedelta(hours=2), status="failed", error="429"))
    session.commit()

    _login(page, live_server, "supervisor1")
    page.goto(f"{live_server}/supervisor/")
    bars = page.locator("#chart-backlog rect")
    assert bars.count() >= 6
    box = bars.first.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0  # drawn, not just present
    assert page.locator("#chart-flow polyline").count() == 2
    assert page.locator("#chart-flow polyline").first.bounding_box()["width"] > 200
    assert page.locator("#chart-confidence rect").count() == 10
    assert page.locator("#chart-agents rect").count() >= 1
    assert "macet" in page.inner_text("#ingest-health")  # the instagram source is stalled
    assert int(page.inner_text("#tile-open")) == sum(1 for i in range(len(labels) * 2) if i % 4)
    _shot(page, "dashboard.png")
    assert page.dialogs == [] and page.csp_errors == []


XSS_TEXT = (
    '<script>alert("script")</script> <img src=x onerror=alert("img")> '
    '<svg onload=alert("svg")></svg> <a href="javascript:alert(\'link\')">klik</a> '
    '"><script>alert("break")</script> \' onmouseover=alert("attr") x=\''
)
XSS_NAME = '"><img src=x onerror=alert("name")> <svg/onload=alert("n2")>'


def test_xss_payloads_show_as_text_and_never_run(live_server, watched_page, session):
    page = watched_page
    user(session, "supervisor1", role="supervisor")
    user(session, "agen1")
    t = ticket(session, "other", author=f'"{XSS_NAME}" <evil@example.com>', subject='<b onmouseover=alert("subj")>Halo</b>', text=XSS_TEXT)
    ig = ticket(session, "other", channel="instagram", author="<svg onload=alert(9)>", subject=None, source_id="ig-xss",
                text=XSS_TEXT, raw_ref="javascript:alert('ref')")

    for username in ("supervisor1", "agen1"):
        page.context.clear_cookies()
        _login(page, live_server, username)
        page.hover("table.queue")
        queue_text = page.inner_text("table.queue")
        assert '<script>alert("script")</script>' in queue_text
        for ticket_id in (t.id, ig.id):
            page.goto(f"{live_server}/tickets/{ticket_id}")
            page.hover(".conversation")
            text = page.inner_text(".conversation")
            assert '<script>alert("script")</script>' in text and '<img src=x onerror=alert("img")>' in text
            assert page.locator(".conversation img, .conversation svg, .conversation script").count() == 0
            assert page.locator('a[href^="javascript:"]').count() == 0
        # The sender's name is text on the agent's masked view as on the supervisor's.
        page.goto(f"{live_server}/tickets/{t.id}")
        assert XSS_NAME in page.inner_text(".conversation .author"), username
        page.goto(f"{live_server}/tickets/{ig.id}")
        assert page.inner_text(".conversation .author") == "<svg onload=alert(9)>", username
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.csp_errors == []


def test_agent_opening_a_supervisor_page_gets_403(live_server, watched_page, session):
    page = watched_page
    user(session, "agen1")
    _login(page, live_server, "agen1")
    for path in ("/supervisor/", "/supervisor/team"):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 403
        assert "Akses ditolak" in page.inner_text("h1")
    assert page.locator("a[href='/supervisor/']").count() == 0  # no supervisor links in the agent's menu


def test_interface_switches_to_english(live_server, watched_page, session):
    page = watched_page
    user(session, "agen1")
    ticket(session)
    _login(page, live_server, "agen1")
    assert page.inner_text("#take-next") == "Ambil berikutnya"
    page.click("button[name=lang][value=en]")
    page.wait_for_selector("#take-next")
    assert page.inner_text("#take-next") == "Take next"
    assert page.get_attribute("html", "lang") == "en"


def test_a_correction_is_marked_in_the_conversation(live_server, watched_page, session):
    from builders import FixedClassifier, record
    from triage.pipeline import PipelineConfig, process_batch

    page = watched_page
    user(session, "agen1", display_name="Agen Satu")
    sent = utcnow() - timedelta(hours=2)
    first, fix = (
        process_batch(session, [record(source_id="<koreksi@mail.example.com>", author="Budi <budi@example.com>", text=text,
                                       subject="Insentif belum masuk", sent_at=sent)], FixedClassifier(), PipelineConfig())[0]
        for text in ("Insentif bulan kedua saya belum masuk.", "Ralat: yang belum masuk insentif bulan KETIGA, maaf.")
    )
    session.commit()
    assert fix.ticket_id == first.ticket_id and fix.revision == "correction"
    _login(page, live_server, "agen1")
    page.goto(f"{live_server}/tickets/{first.ticket_id}")
    entries = page.locator("article.entry-inbound")
    assert entries.count() == 2
    assert entries.nth(0).locator(".mark").count() == 0
    mark = entries.nth(1).locator(".mark")
    assert mark.is_visible() and mark.inner_text() == "koreksi"
    assert "bulan KETIGA" in entries.nth(1).inner_text()
    _shot(page, "ticket-correction.png")
    assert not page.csp_errors and not page.dialogs


def test_supervisor_answers_a_50_member_surge_and_every_member_gets_one_threaded_reply(live_server, watched_page, session, sessionmaker, settings, smtp_server):
    """Dashboard → surge → group page → preview → send to all, resolving; the outbox sender runs
    while the progress view polls; the SMTP server gets 50 replies, each once, each in its thread."""
    from collections import Counter

    import sqlalchemy as sa

    from builders import surge
    from triage import outbox_sender
    from triage.models import AuditEvent, Message

    host, port, inbox = smtp_server
    page = watched_page
    user(session, "supervisor1", role="supervisor", display_name="Supervisor Satu")
    ids = surge(session, 50, now=utcnow())
    originals = dict(session.execute(sa.select(Message.ticket_id, Message.source_id).where(Message.ticket_id.in_(ids))).all())
    addresses = {t: session.get(Ticket, t).contact.handle for t in ids}

    _login(page, live_server, "supervisor1")
    page.goto(f"{live_server}/supervisor/")
    card = page.locator("#surges .surge-card")
    assert card.count() == 1 and "50 orang sejak" in card.inner_text()
    assert page.locator("#surges svg.sparkline polyline").bounding_box()["width"] > 50
    _shot(page, "dashboard-surge.png")
    card.locator(".surge-name").click()
    page.wait_for_selector("#group-name")
    assert page.locator("tr.member").count() == 50
    assert page.locator("#send-all").count() == 0  # preview first

    page.fill("#answer-body", "Halo {name}, insentif {month} untuk {wave} ke {payout} sedang kami proses. Nomor tiket: {ticket}.")
    page.click("#preview")
    page.wait_for_selector("#previews")
    previews = page.locator("#previews .preview-item pre")
    assert previews.count() == 3
    assert previews.first.inner_text() == f"Halo Peserta 0, insentif bulan ke-3 untuk gelombang 48 ke LinkAja sedang kami proses. Nomor tiket: {min(ids)}."
    page.check("#resolve-members")
    _shot(page, "group-preview.png")
    page.click("#send-all")
    page.wait_for_url(f"{live_server}/groups/*/answers/*")
    assert page.inner_text("#progress-pending") == "50" and page.inner_text("#progress-sent") == "0"

    sender_settings = settings.with_overrides(smtp_host=host, smtp_port=port, outbox_rate=100.0)
    done: list = []

    def send() -> None:
        with sessionmaker() as s:
            done.append(outbox_sender.send_due(s, sender_settings, "browser-test"))

    sender = threading.Thread(target=send)
    sender.start()
    try:
        page.wait_for_selector("#progress-done", timeout=30_000)  # the progress view polls until all are out
    finally:
        sender.join(30)
    assert done and done[0].sent == 50
    assert page.inner_text("#progress-sent") == "50" and page.inner_text("#progress-pending") == "0"
    _shot(page, "group-answered.png")

    assert len(inbox.messages) == 50
    assert set(Counter(m["Message-ID"] for _, _, m in inbox.messages).values()) == {1}
    by_thread = Counter(m["In-Reply-To"] for _, _, m in inbox.messages)
    assert set(by_thread) == set(originals.values()) and set(by_thread.values()) == {1}  # each member's thread, once
    for _, rcpts, mail in inbox.messages:
        ticket_id = next(t for t, sid in originals.items() if sid == mail["In-Reply-To"])
        assert rcpts == [addresses[ticket_id]] and originals[ticket_id] in mail["References"].split()
        assert f"Nomor tiket: {ticket_id}." in mail.get_content()
    session.expire_all()
    assert {session.get(Ticket, t).status for t in ids} == {"resolved"}
    audit = Counter((e.ticket_id, e.action) for e in session.scalars(sa.select(AuditEvent).where(AuditEvent.ticket_id.in_(ids))))
    for t in ids:
        assert audit[t, "outbox.queued"] == audit[t, "ticket.replied"] == audit[t, "ticket.resolved"] == 1, t
    assert page.dialogs == [] and page.csp_errors == []
