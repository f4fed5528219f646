"""Every page at a desktop (1366×768) and a phone (390×844) size, as agent and supervisor.

Checks, in Debian's Chromium: the document never scrolls sideways; no table, panel, form,
pre, image or chart is wider than its parent nor holds content wider than itself; chart text
is at least 11 CSS px as rendered. Screenshots of every page at both sizes go to
test-artifacts/layout-*.png (not committed).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import surge, ticket, user
from triage.models import AuditEvent, IngestRun, Ticket, TicketGroup, utcnow
from triage.quarantine import quarantine
from web.test_browser import ARTIFACTS, _login, browser_type_launch_args, live_server, watched_page  # noqa: F401

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
LONG_WORD = "Sertifikatsayabelummunculpadahalsudahmengisiulasan" * 6
LONG_URL = "https://dashboard.prakerja.go.id/pelatihan/riwayat?transaksi=" + "a1b2c3d4e5" * 14
LONG_EMAIL = "\n".join(
    [f"Selamat siang admin, {LONG_WORD} lihat {LONG_URL} ."]
    + [f"Baris {i}: insentif bulan ke-{i % 3 + 1} belum masuk ke rekening BNI saya, mohon dicek lagi ya admin." for i in range(40)]
    + ["", "Pada Sen, 30 Nov 2026 pukul 09.10, Prakerja <informasi@prakerja.go.id> menulis:"]
    + [f"> kutipan lama baris {i} {LONG_WORD[:60]}" for i in range(30)]
)

# What each role opens: (name, path); {ticket} and {group} are filled in from the seed. The
# queue (helper "queue" redoes it for issue 16) is checked in a test of its own.
PAGES = {
    "agent": [("ticket", "/tickets/{ticket}"), ("groups", "/groups"), ("group", "/groups/{group}"), ("not-found", "/nowhere")],
    "supervisor": [
        ("ticket", "/tickets/{ticket}"), ("dashboard", "/supervisor/"), ("team", "/supervisor/team"),
        ("review", "/supervisor/review"), ("groups", "/groups"), ("group", "/groups/{group}"), ("replies", "/supervisor/replies"),
    ],
}
USERNAMES = {"agent": "agen1", "supervisor": "supervisor1"}
CHARTED = ("dashboard", "group")

# Every box an agent reads in; hidden ones (display: none) are skipped.
BOXES = (
    "header.top, header.top nav, header.top .me, main, main section, main .panel, main .panels, main table, main thead, "
    "main tbody, main tr, main td, main th, main form, main pre, main img, main figure, main svg, main article, main .entry, "
    "main textarea, main select, main .tile, main .tiles, main .flash, main h1, main h2, main p, main dl, main fieldset, main ul"
)
MEASURE = """(selector) => {
  const problems = [];
  const doc = document.scrollingElement;
  if (doc.scrollWidth > doc.clientWidth) problems.push(`document scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.classList.length ? '.' + [...el.classList].join('.') : '');
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (!el.checkVisibility()) continue;  // e.g. inside a closed <details>: not drawn
    if (el.closest('.chart-wide, .chart-narrow') && getComputedStyle(el.closest('figure')).display === 'none') continue;
    const parent = el.parentElement.getBoundingClientRect();
    if (box.right > parent.right + 1 || box.left < parent.left - 1)
      problems.push(`${name(el)} sticks out of its parent ${name(el.parentElement)}: ${Math.round(box.left)}..${Math.round(box.right)} in ${Math.round(parent.left)}..${Math.round(parent.right)}`);
    // A cell cut on purpose shows an ellipsis and carries its whole text in a title (the queue's one-line rows).
    const style = getComputedStyle(el);
    const cutOnPurpose = style.overflowX === 'hidden' && style.textOverflow === 'ellipsis' && (el.title || el.querySelector('[title]'));
    if (!['INPUT', 'SELECT', 'TEXTAREA', 'svg'].includes(el.tagName) && !cutOnPurpose && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
      problems.push(`${name(el)} holds content wider than itself: ${el.scrollWidth} > ${el.clientWidth}`);
  }
  return problems;
}"""
CHART_TEXT = """() => [...document.querySelectorAll('svg.svg-chart text')].filter((t) => t.getBoundingClientRect().width > 0).map((t) => {
  const svg = t.ownerSVGElement;
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * scale, height: t.getBoundingClientRect().height};
})"""


@pytest.fixture
def seeded(session):
    """A working day's data with the long things people send: a long email, a long unbroken
    word and URL, long names; a surge group; resolved tickets for the report; ingest runs."""
    now = utcnow()
    agent = user(session, "agen1", display_name="Agen Satu Dengan Nama Yang Cukup Panjang Sekali", on_shift=True)
    user(session, "supervisor1", role="supervisor", display_name="Supervisor Satu")
    long = ticket(session, "missing_incentive", author="Bartholomeus Setiawan Wirayudha Pranoto <bartholomeus.setiawan.wirayudha.pranoto@perusahaan-sangat-panjang.example.com>",
                  subject="Insentif bulan ke-2 belum masuk padahal sertifikat sudah terbit " + LONG_WORD[:80], text=LONG_EMAIL,
                  source_id="<long-1@mail.example.com>", sent_at=now - timedelta(hours=20))
    for i, label in enumerate(["unspent_voucher", "certificate_pending", "payment_account", "registration", "other"] * 4):
        t = ticket(session, label, 0.3 + 0.03 * i, author=f"Peserta {i} <peserta{i}@example.com>", subject=f"Keluhan {i} {LONG_WORD[:40]}",
                   text=f"Pesan {i}: {LONG_WORD} {LONG_URL}", source_id=f"<layout-{i}@mail.example.com>", sent_at=now - timedelta(hours=i * 7))
        if i % 3 == 0:
            t.status, t.assignee_id = "resolved", agent.id
            t.first_response_at = t.created_at + timedelta(hours=1)
            t.resolved_at = now - timedelta(hours=i)
            session.add(AuditEvent(actor_id=agent.id, action="ticket.claimed", ticket_id=t.id, at=t.created_at + timedelta(minutes=30)))
    ticket(session, "other", channel="instagram", author="peserta_dengan_nama_pengguna_yang_panjang_sekali_2026", subject=None,
           source_id="ig-layout", text=f"min {LONG_WORD}", raw_ref=LONG_URL)
    ids = surge(session, 20, now=now)
    group_id = session.get(Ticket, ids[0]).group_id
    session.get(TicketGroup, group_id).assignee_id = agent.id
    session.add(IngestRun(source="imap:pengaduan-peserta-prakerja-wilayah-barat@mail.example.com", started_at=now - timedelta(minutes=3), status="ok", fetched=12))
    session.add(IngestRun(source="instagram", started_at=now - timedelta(hours=2), status="failed", error="429"))
    quarantine(session, "imap:inbox", LONG_URL, "unreadable body: " + LONG_WORD, None, None, now=now)
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.status == "resolved")) >= 5
    return {"ticket": long.id, "group": group_id}


def _problems(page, base: str, role: str, size: str, name: str, path: str) -> list[str]:
    """Open one page, screenshot it, and say what does not fit (an empty list when all does)."""
    response = page.goto(base + path)
    assert response.status == (404 if name == "not-found" else 200), path
    page.wait_for_load_state("networkidle")  # what htmx fetches after loading (the dashboard's report)
    page.screenshot(path=str(ARTIFACTS / f"layout-{role}-{size}-{name}.png"), full_page=True)
    problems = [f"{name}: {p}" for p in page.evaluate(MEASURE, BOXES)]
    texts = page.evaluate(CHART_TEXT)
    if name in CHARTED and not texts:
        problems.append(f"{name}: no chart text drawn")
    problems += [f"{name}: chart text {t['text']!r} drawn at {t['px']:.1f} px (box {t['height']:.1f} px)"
                 for t in texts if t["px"] < 11 or t["height"] < 11]
    return problems


def _open_as(page, base: str, role: str, size: str) -> list[str]:
    """Log in at this size; what does not fit on the login page."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size])))
    problems = _problems(page, base, role, size, "login", "/login")
    _login(page, base, USERNAMES[role])
    return problems


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("role", list(PAGES))
def test_pages_fit_the_screen(live_server, watched_page, seeded, role, size):
    page = watched_page
    problems = _open_as(page, live_server, role, size)
    for name, path in PAGES[role]:
        problems += _problems(page, live_server, role, size, name, path.format(**seeded))
    assert problems == [], "\n".join(problems)
    assert page.csp_errors == [] and page.dialogs == []


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("role", list(PAGES))
def test_queue_fits_the_screen(live_server, watched_page, seeded, role, size):
    page = watched_page
    _open_as(page, live_server, role, size)
    problems = _problems(page, live_server, role, size, "queue", "/")
    assert problems == [], "\n".join(problems)
    assert page.csp_errors == [] and page.dialogs == []
