"""The queue page: open tickets in due-time order, filters, search, keyset pages, sender text as text."""
from __future__ import annotations

import re
from datetime import timedelta

from builders import T0, FixedClassifier, record, ticket
from triage.pipeline import PipelineConfig, process_batch


def _fill(sessionmaker, items):
    with sessionmaker() as session:
        for label, rec in items:
            process_batch(session, [rec], FixedClassifier(label), PipelineConfig())
        session.commit()


def _contacts(html: str) -> list[str]:
    return re.findall(r'<td class="contact" title="[^"]*">([^<]+)</td>', html)


def test_queue_lists_open_tickets_by_due_time(client, auth, supervisor, sessionmaker):
    _fill(
        sessionmaker,
        [
            ("registration", record(author="a@example.com", text="cara daftar?", sent_at=T0)),  # due T0+72h
            ("missing_incentive", record(author="b@example.com", text="insentif belum", sent_at=T0 + timedelta(hours=10))),  # +34h
            ("unspent_voucher", record(author="c@example.com", text="saldo sisa", sent_at=T0 + timedelta(hours=1))),  # +49h
            ("noise", record(author="d@example.com", text="mantap", sent_at=T0)),
        ],
    )
    auth.login("supervisor1")
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _contacts(html) == ["b***@example.com", "c***@example.com", "a***@example.com"]  # masked for supervisors too
    assert "Insentif belum masuk: SLA 24 jam" in html
    assert "mantap" not in html  # noise stays out of the queue


def test_queue_needs_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_queue_filters_by_category_channel_review_and_text(client, auth, agent, sessionmaker):
    _fill(
        sessionmaker,
        [
            ("registration", record(author="a@example.com", text="cara daftar?")),
            ("missing_incentive", record(author="b@example.com", text="insentif belum")),
            ("certificate_pending", record(channel="instagram", author="sinta_99", text="sertifikat kok belum ada", subject=None, source_id="ig-1")),
        ],
    )
    auth.login("agen1")
    html = client.get("/?label=registration").get_data(as_text=True)
    assert "cara daftar?" in html and "insentif belum" not in html
    html = client.get("/?channel=instagram").get_data(as_text=True)
    assert "sertifikat kok" in html and "cara daftar?" not in html
    html = client.get("/?q=CARA+DAFTAR").get_data(as_text=True)
    assert "cara daftar?" in html and "insentif belum" not in html
    html = client.get("/?q=sinta").get_data(as_text=True)  # the contact's handle
    assert "sertifikat kok" in html and "cara daftar?" not in html
    html = client.get("/?q=100%25").get_data(as_text=True)  # a literal % matches nothing here
    assert "Tidak ada tiket yang cocok" in html


def test_queue_filters_by_needs_review_and_assignee(client, auth, agent, session):
    sure = ticket(session, "other", 0.9, author="sure@example.com", text="pesan yakin")
    unsure = ticket(session, "other", 0.2, author="unsure@example.com", text="pesan ragu")
    auth.login("agen1")
    html = client.get("/?review=1").get_data(as_text=True)
    assert "pesan ragu" in html and "pesan yakin" not in html
    auth.post(f"/tickets/{sure.id}/claim")
    mine = client.get("/?assignee=me").get_data(as_text=True)
    assert "pesan yakin" in mine and "pesan ragu" not in mine
    nobody = client.get("/?assignee=none").get_data(as_text=True)
    assert "pesan ragu" in nobody and "pesan yakin" not in nobody
    by_id = client.get(f"/?assignee={agent.id}").get_data(as_text=True)  # the supervisor's pick of an agent
    assert "pesan yakin" in by_id and "pesan ragu" not in by_id
    sure_only = client.get("/?review=0").get_data(as_text=True)
    assert "pesan yakin" in sure_only and "pesan ragu" not in sure_only
    both = client.get("/").get_data(as_text=True)
    assert re.findall(r'data-ticket-id="(\d+)"', both) == [str(sure.id), str(unsure.id)]  # active: open and claimed alike, by due time


def test_keyset_pages_cover_every_ticket_once(client, auth, agent, session, monkeypatch):
    from triage.web import agent as agent_views

    monkeypatch.setattr(agent_views, "PAGE_SIZE", 3)
    for i in range(8):
        ticket(session, "other", author=f"p{i}@example.com", text=f"pesan nomor {i}", sent_at=T0 + timedelta(minutes=i))
    auth.login("agen1")
    seen, url = [], "/"
    for _ in range(5):
        html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'data-ticket-id="(\d+)"', html)
        nxt = re.search(r'href="([^"]+)" id="next-page"', html)
        if not nxt:
            break
        url = nxt.group(1).replace("&amp;", "&")
    assert len(seen) == 8 and len(set(seen)) == 8


def test_rows_fragment_polls_for_new_tickets(client, auth, agent, session):
    auth.login("agen1")
    fragment = client.get("/queue/rows?label=other").get_data(as_text=True)
    assert fragment.startswith('<div id="queue-live"') and 'hx-trigger="every 15s, refresh"' in fragment and "label=other" in fragment
    ticket(session, "other", author="new@example.com", text="tiket yang baru masuk")
    assert "tiket yang baru masuk" in client.get("/queue/rows").get_data(as_text=True)


def test_sender_text_is_escaped(client, auth, supervisor, sessionmaker):
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    _fill(sessionmaker, [("other", record(author=f'"{payload}" <x@example.com>', text=payload, subject=payload))])
    auth.login("supervisor1")
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_agents_see_masked_contacts_and_numbers(client, auth, agent, session):
    ticket(session, "payment_account", author="budiman@example.com", text="nomor ovo saya 081234567890 diganti")
    auth.login("agen1")
    html = client.get("/").get_data(as_text=True)
    assert "budiman@example.com" not in html and "bu***@example.com" in html
    assert "081234567890" not in html and "0812****7890" in html
