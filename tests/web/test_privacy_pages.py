"""Personal data on the pages (issue 18): one masking for every role and page — the quoted
"… <address> menulis:" line, our replies quoting it, the review queue, the CSV export, the
queue and group pages — revealed only per ticket and audited for supervisors as for agents;
the audit log for admins only, its details plain masked text."""
from __future__ import annotations

import sqlalchemy as sa

from builders import FixedClassifier, record, user
from triage import tickets
from triage.models import AuditEvent, QuarantinedInput, Ticket
from triage.pipeline import PipelineConfig, process_batch

EMAIL, PHONE = "rahma19@example.com", "081234567890"
MASKED_EMAIL, MASKED_PHONE = "ra***@example.com", "0812****7890"
QUOTED = f"Pada Sen, 7 Des 2026 pukul 09.12 Rahma <{EMAIL}> menulis:\n> HP saya {PHONE}"


def _ticket(session, confidence: float = 0.9, **overrides) -> Ticket:
    values = dict(author=f"Rahma <{EMAIL}>", subject=f"HP {PHONE}", text=f"Insentif belum masuk, HP {PHONE}.\n\n{QUOTED}")
    values.update(overrides)
    outcome = process_batch(session, [record(**values)], FixedClassifier(confidence=confidence), PipelineConfig())[0]
    session.commit()
    return session.get(Ticket, outcome.ticket_id)


def _reveals(session, ticket_id: int) -> list[int]:
    return list(session.scalars(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "contact.revealed", AuditEvent.ticket_id == ticket_id)))


def test_a_supervisor_sees_the_ticket_masked_until_an_audited_reveal(client, auth, session, supervisor):
    t = _ticket(session)
    outbound = record(direction="outbound", author="cs@prakerja.example", text=f"Baik.\n\n{QUOTED}", in_reply_to=t.messages[0].source_id,
                      source_id="<ours-1@prakerja.example>", subject="Re: insentif")
    process_batch(session, [outbound], FixedClassifier(), PipelineConfig())
    session.commit()
    auth.login("supervisor1")
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    for secret in (EMAIL, PHONE):
        assert secret not in page
    assert f"&lt;{MASKED_EMAIL}&gt; menulis:" in page and MASKED_PHONE in page  # the quoted line, ours and theirs
    assert _reveals(session, t.id) == []
    auth.post(f"/tickets/{t.id}/reveal")
    page = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert EMAIL in page and PHONE in page
    assert _reveals(session, t.id) == [supervisor.id]


def test_the_queue_and_the_review_queue_mask_for_every_role(client, auth, session, supervisor):
    t = _ticket(session, confidence=0.2)
    assert t.needs_review
    auth.login("supervisor1")
    for url in ("/", "/supervisor/review"):
        page = client.get(url).get_data(as_text=True)
        assert f'data-ticket-id="{t.id}"' in page or f"/tickets/{t.id}" in page
        assert PHONE not in page and EMAIL not in page and MASKED_PHONE in page, url


def test_the_quarantine_csv_masks_like_the_pages(client, auth, session, supervisor):
    session.add(QuarantinedInput(input_key="k", source="import", source_ref=f"from {EMAIL}", reason=f"no text, HP {PHONE}", payload="{}"))
    session.commit()
    auth.login("supervisor1")
    body = client.get("/supervisor/export/quarantine.csv").get_data(as_text=True)
    assert EMAIL not in body and PHONE not in body and MASKED_EMAIL in body and MASKED_PHONE in body


def _log(response) -> str:
    """The audit log table of a page (the filter's list names every action)."""
    return response.get_data(as_text=True).split('id="audit-log"')[1]


def test_the_audit_log_is_for_admins_and_shows_details_as_masked_text(client, auth, session, supervisor, agent):
    admin = user(session, "admin1", "admin", display_name="Admin")
    t = _ticket(session)
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    session.add(AuditEvent(actor_id=agent.id, action="ticket.note_added", ticket_id=t.id, detail={"text": hostile, "nik": "3174012345678901"}))
    tickets.record_reveal(session, t, supervisor)
    session.commit()
    auth.login("agen1")
    assert client.get("/audit").status_code == 403
    assert "/audit" not in client.get("/").get_data(as_text=True)
    auth.post("/logout")
    auth.login("supervisor1")
    assert client.get("/audit").status_code == 403
    assert 'href="/audit"' not in client.get("/").get_data(as_text=True)
    auth.post("/logout")
    auth.login("admin1")
    assert 'href="/audit"' in client.get("/").get_data(as_text=True)
    page = client.get("/audit").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "3174012345678901" not in page and "3174********8901" in page
    assert "contact.revealed" in page and "supervisor1" in page
    only = _log(client.get("/audit?actor=supervisor1"))
    assert "contact.revealed" in only and "ticket.note_added" not in only
    assert "supervisor1" not in _log(client.get("/audit?action=ticket.note_added"))
    assert 'data-event' not in client.get("/audit?from=2000-01-01&to=2000-01-02").get_data(as_text=True)
    assert client.get("/audit?from=nonsense&before=99999999999999999999").status_code == 200
    auth.post("/language", {"lang": "en", "next": "/"})
    assert "Audit log" in client.get("/audit").get_data(as_text=True)
    assert admin.id


def test_an_erased_ticket_still_opens_as_an_anonymous_row(client, auth, session, agent):
    from triage import privacy

    t = _ticket(session)
    privacy.erase_contact(session, privacy.find_contact(session, EMAIL), by="test")
    session.commit()
    auth.login("agen1")
    response = client.get(f"/tickets/{t.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Rahma" not in page and "rahma19" not in page and "0812" not in page
    assert "[dihapus]" in page
    assert "Rahma" not in client.get("/").get_data(as_text=True)
