"""Two people on one ticket: the page says who holds it and offers only what the viewer may
do; a note is fine on a colleague's ticket; an action from a stale page comes back with who
holds it; the open page learns of a new holder by polling. Also the ticket page's folded
quotes, masking, timeline and due reason in the viewer's language."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from builders import ticket, user
from triage import claims, tickets
from triage.models import AuditEvent, Note, Ticket, utcnow
from triage.tickets import mask_handle


@pytest.fixture
def colleague(session):
    return user(session, "agen2", "agent", display_name="Agen Dua")


@pytest.fixture
def held(session, colleague):
    """A ticket Agen Dua claimed half an hour ago."""
    t = ticket(session)
    claims.claim(session, t, colleague, utcnow() - timedelta(minutes=30))
    session.commit()
    return t


def _page(client, ticket_id: int) -> str:
    response = client.get(f"/tickets/{ticket_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _forms(html: str) -> set[str]:
    """The actions the page offers, as the last part of each form's URL."""
    return set(re.findall(r'<form method="post" action="/tickets/\d+/([a-z-]+)"', html))


def test_an_agent_sees_who_holds_a_colleagues_ticket_and_may_only_add_a_note(client, auth, agent, held):
    auth.login("agen1")
    html = _page(client, held.id)
    assert re.search(r'id="holder-banner"[^>]*>Sedang ditangani oleh Agen Dua sejak \d', html)
    assert _forms(html) == {"note", "reveal"}  # reveal only looks, and is audited
    assert 'id="read-only-hint"' in html and 'id="reply-text"' not in html
    auth.post("/language", {"lang": "en", "next": "/"})
    assert "Being handled by Agen Dua since" in _page(client, held.id)


def test_the_holder_sees_no_banner_and_every_action(client, auth, colleague, held):
    auth.login("agen2")
    html = _page(client, held.id)
    assert 'id="holder-banner"' not in html and 'id="read-only-hint"' not in html
    assert {"note", "reply", "resolve", "noise", "release", "relabel", "merge"} <= _forms(html)
    assert "assign" not in _forms(html)


def test_a_supervisor_sees_who_holds_it_and_may_still_step_in(client, auth, supervisor, held):
    auth.login("supervisor1")
    html = _page(client, held.id)
    assert "Sedang ditangani oleh Agen Dua sejak" in html
    assert {"note", "reply", "resolve", "release", "relabel", "assign"} <= _forms(html)


def test_an_open_ticket_offers_the_claim_and_no_banner(client, auth, agent, session):
    t = ticket(session)
    auth.login("agen1")
    html = _page(client, t.id)
    assert 'id="holder-banner"' not in html and {"claim", "resolve", "note"} <= _forms(html)


def test_a_note_on_a_colleagues_ticket_is_saved_and_leaves_their_claim_alone(client, auth, agent, colleague, held, session):
    claimed_at = held.claimed_at
    auth.login("agen1")
    _page(client, held.id)  # looking does not refresh it either
    response = auth.post(f"/tickets/{held.id}/note", {"text": "Peserta ini juga menelepon tadi."}, follow_redirects=True)
    assert "Catatan internal disimpan." in response.get_data(as_text=True)
    session.expire_all()
    t = session.get(Ticket, held.id)
    assert (t.status, t.assignee_id, t.claimed_at) == ("claimed", colleague.id, claimed_at)
    assert [(n.author_id, n.text) for n in session.query(Note).filter_by(ticket_id=t.id)] == [(agent.id, "Peserta ini juga menelepon tadi.")]


def test_the_holders_own_note_keeps_their_claim_fresh(client, auth, colleague, held, session):
    before = held.claimed_at
    auth.login("agen2")
    auth.post(f"/tickets/{held.id}/note", {"text": "sudah saya cek"})
    session.expire_all()
    assert session.get(Ticket, held.id).claimed_at > before


@pytest.mark.parametrize("action, data", [
    ("resolve", {}), ("noise", {}), ("release", {}), ("relabel", {"label": "certificate_pending"}),
    ("reply", {"text": "Halo, sudah kami cek."}), ("merge", {"target": "1"}), ("reopen", {}),
])
def test_an_action_from_a_stale_page_comes_back_saying_who_holds_the_ticket(client, auth, agent, colleague, held, session, action, data):
    auth.login("agen1")
    response = auth.post(f"/tickets/{held.id}/{action}", data)
    assert (response.status_code, response.headers["Location"]) == (302, f"/tickets/{held.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'class="flash flash-warning"[^>]*>Tidak diubah: tiket ini sedang ditangani oleh Agen Dua sejak \d', html)
    session.expire_all()
    t = session.get(Ticket, held.id)
    assert (t.status, t.assignee_id, t.label) == ("claimed", colleague.id, "missing_incentive")


def test_a_claim_lost_to_a_colleague_says_who_took_it(client, auth, agent, supervisor, colleague, session):
    t = ticket(session)
    auth.login("agen1")
    assert "claim" in _forms(_page(client, t.id))
    claims.claim(session, t, colleague)  # meanwhile
    session.commit()
    html = auth.post(f"/tickets/{t.id}/claim", follow_redirects=True).get_data(as_text=True)
    assert "Tidak diubah: tiket ini sedang ditangani oleh Agen Dua" in html
    session.expire_all()
    assert session.get(Ticket, t.id).assignee_id == colleague.id


def _poll(client, ticket_id: int, seen: int | None) -> str:
    response = client.get(f"/tickets/{ticket_id}/holder?seen={seen or 0}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_open_page_polls_and_learns_who_took_or_was_given_the_ticket(client, auth, agent, supervisor, colleague, session):
    t = ticket(session)
    claims.claim(session, t, agent)
    session.commit()
    auth.login("agen1")
    html = _page(client, t.id)
    assert f'hx-get="/tickets/{t.id}/holder?seen={agent.id}"' in html and 'hx-trigger="every 10s"' in html
    quiet = _poll(client, t.id, agent.id)
    assert 'hx-trigger="every 10s"' in quiet and "baru saja" not in quiet  # nothing changed: keeps polling

    claims.assign(session, t, colleague, supervisor)  # a supervisor reassigns it
    session.commit()
    notice = _poll(client, t.id, agent.id)
    assert "Tiket ini baru saja diberikan ke Agen Dua." in notice and "hx-trigger" not in notice  # said once, polling stops

    claims.release(session, t, colleague)
    session.commit()
    assert "Tiket ini baru saja dikembalikan ke antrean." in _poll(client, t.id, colleague.id)
    claims.claim(session, t, colleague)
    session.commit()
    assert "Tiket ini baru saja diambil oleh Agen Dua." in _poll(client, t.id, None)
    auth.post("/language", {"lang": "en", "next": "/"})
    assert "This ticket was just taken by Agen Dua." in _poll(client, t.id, agent.id)


def test_polling_reads_only(client, auth, colleague, held, session):
    before = held.claimed_at
    auth.login("agen2")
    _poll(client, held.id, colleague.id)
    session.expire_all()
    assert session.get(Ticket, held.id).claimed_at == before
    assert client.get(f"/tickets/{held.id}/holder?seen=x").status_code == 400
    assert client.get("/tickets/999999/holder?seen=0").status_code == 404
    auth.client.post("/logout", data={"csrf_token": auth.token})
    signed_out = client.get(f"/tickets/{held.id}/holder?seen={colleague.id}")
    assert (signed_out.status_code, signed_out.get_data()) == (286, b"")  # htmx stops polling; no login page in the ticket


QUOTED_MAIL = """Sudah 3 bulan insentif saya belum masuk, HP saya 081234567890.

Salam,
Rahma Putri

Pada Sen, 7 Des 2026 pukul 09.12 Rahma Putri <rahma19@example.com> menulis:
> Insentif saya belum masuk. Rekening 1234567890123.
> Mohon dibantu.
"""


def test_quoted_history_and_signature_fold_and_mask_like_the_contact_panel(client, auth, agent, supervisor, session):
    t = ticket(session, author="Rahma Putri <rahma19@example.com>", text=QUOTED_MAIL)
    auth.login("agen1")
    html = _page(client, t.id)
    masked = mask_handle("rahma19@example.com")
    panel = re.search(r'<span class="handle">([^<]*)</span>', html).group(1)
    quoted_line = re.search(r"Pada Sen, 7 Des 2026 pukul 09.12 Rahma Putri &lt;([^&]*)&gt; menulis:", html).group(1)
    assert panel == quoted_line == masked == "ra***@example.com"
    assert "rahma19@example.com" not in html and "081234567890" not in html and "1234567890123" not in html
    own, folded = re.search(r'<pre class="text">(.*?)</pre>\s*<details class="quoted">(.*?)</details>', html, re.S).groups()
    assert own == "Sudah 3 bulan insentif saya belum masuk, HP saya 0812****7890."
    assert "<summary>Tampilkan kutipan (5 baris)</summary>" in folded and "Salam," in folded and "menulis:" in folded
    auth.post("/language", {"lang": "en", "next": "/"})
    assert "<summary>Show quoted text (5 lines)</summary>" in _page(client, t.id)

    auth.client.post("/logout", data={"csrf_token": auth.token})
    auth.login("supervisor1")  # supervisors too see them masked, until a reveal (audited, issue 18)
    html = _page(client, t.id)
    assert f"&lt;{masked}&gt; menulis:" in html and "rahma19@example.com" not in html
    auth.post(f"/tickets/{t.id}/reveal")
    html = _page(client, t.id)
    assert "&lt;rahma19@example.com&gt; menulis:" in html and '<span class="handle">rahma19@example.com</span>' in html


def test_a_mail_with_nothing_to_fold_shows_no_fold(client, auth, agent, session):
    t = ticket(session, text="Insentif saya belum masuk.")
    auth.login("agen1")
    assert '<details class="quoted">' not in _page(client, t.id)


def test_the_timeline_tells_the_tickets_events_in_the_viewers_language(client, auth, agent, supervisor, colleague, session):
    t = ticket(session)
    claims.claim(session, t, agent)
    tickets.relabel(session, t, "certificate_pending", agent)
    claims.assign(session, t, colleague, supervisor)
    tickets.resolve(session, t, colleague)
    session.add(AuditEvent(action="ticket.reopened", ticket_id=t.id, detail={"message": "<x@example.com>"}))
    session.commit()
    auth.login("agen1")
    html = _page(client, t.id)
    timeline = re.search(r'<details class="timeline" id="timeline" open>(.*?)</details>', html, re.S).group(1)
    said = [" ".join(s.split()) for s in re.findall(r"<span>(.*?)</span></li>", timeline, re.S)]
    assert said == [
        "Agen Satu mengambil tiket ini",
        "Agen Satu mengubah kategori dari Insentif belum masuk ke Sertifikat belum terbit",
        "Supervisor Satu memberikan tiket ke Agen Dua",
        "Agen Dua menyelesaikan tiket",
        "Tiket dibuka kembali oleh pesan baru dari peserta",
    ]
    assert "<summary>Riwayat (5 kejadian)</summary>" in timeline
    auth.post("/language", {"lang": "en", "next": "/"})
    html = _page(client, t.id)
    assert "Supervisor Satu gave the ticket to Agen Dua" in html and "History (5 events)" in html
    assert "Agen Satu changed the category from Incentive not received to Certificate pending" in html


def test_the_due_reason_is_said_in_the_viewers_language(client, auth, agent, session):
    t = ticket(session, text="TOLONG SEGERA, insentif saya belum masuk sudah 3 bulan!!!")
    assert t.due_explanation.startswith("Insentif belum masuk: SLA 24 jam; kata marah/mendesak −6 jam")  # stored for the API
    auth.login("agen1")
    assert "(Insentif belum masuk: SLA 24 jam; kata marah/mendesak −6 jam; uang sudah terlambat −12 jam)" in _page(client, t.id)
    auth.post("/language", {"lang": "en", "next": "/"})
    html = _page(client, t.id)
    assert "(Incentive not received: SLA 24 h; angry/urgent words −6 h; money already late −12 h)" in html
    assert "jam" not in re.search(r'<span class="why">(.*?)</span>', html).group(1)
    queue = client.get("/").get_data(as_text=True)
    assert "Incentive not received: SLA 24 h; angry/urgent words −6 h; money already late −12 h" in queue
