"""Agents see phone, account and NIK numbers masked alike on the pages and through the API;
supervisors see them whole."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from builders import ticket, user
from triage import users
from triage.models import AuditEvent

PHONE, ACCOUNT, NIK = "081234567890", "9876543210", "3201234567890001"
TEXT = f"Rekening BNI saya {ACCOUNT}, HP {PHONE}, NIK {NIK}. Insentif belum masuk."


@pytest.fixture
def numbered(session):
    """A ticket whose first message and entities hold a phone, an account and a NIK number."""
    return ticket(session, "payment_account", author="budiman@example.com", text=TEXT)


def _token(session, username: str, role: str) -> dict:
    member = user(session, username, role)
    token = users.create_api_token(session, member, ["tickets:read", "tickets:write"])
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _whole_numbers(body: str) -> list[str]:
    return [n for n in (PHONE, ACCOUNT, NIK) if n in body]


def test_the_agents_api_ticket_view_masks_every_number(client, session, numbered):
    headers = _token(session, "agen1", "agent")
    response = client.get(f"/api/v1/tickets/{numbered.id}", headers=headers)
    assert response.status_code == 200
    assert _whole_numbers(response.get_data(as_text=True)) == []
    detail = response.get_json()
    assert "0812****7890" in detail["messages"][0]["text"] and "0812****7890" in detail["preview"]
    assert detail["contact"] == "bu***@example.com" and detail["messages"][0]["author"] == "bu***@example.com"
    assert any("****" in str(v) for v in detail["entities"].values())  # the numbers found, masked


def test_the_agents_api_masks_like_the_agents_ticket_page(client, auth, session, numbered):
    headers = _token(session, "agen1", "agent")
    api_text = client.get(f"/api/v1/tickets/{numbered.id}", headers=headers).get_json()["messages"][0]["text"]
    auth.login("agen1")
    page = client.get(f"/tickets/{numbered.id}").get_data(as_text=True)
    assert _whole_numbers(page) == []
    assert api_text in page  # the same masked text on both


def test_take_next_through_the_api_masks_for_agents(client, session, numbered):
    taken = client.post("/api/v1/take-next", headers=_token(session, "agen1", "agent"))
    assert taken.status_code == 200 and taken.get_json()["id"] == numbered.id
    assert _whole_numbers(taken.get_data(as_text=True)) == []


def test_supervisors_see_the_numbers_whole_through_the_api(client, session, numbered):
    detail = client.get(f"/api/v1/tickets/{numbered.id}", headers=_token(session, "supervisor1", "supervisor")).get_json()
    assert _whole_numbers(json.dumps(detail)) == [PHONE, ACCOUNT, NIK]
    assert detail["contact"] == "budiman@example.com"
    looks = session.scalars(sa.select(AuditEvent.detail).where(AuditEvent.action == "contact.revealed", AuditEvent.ticket_id == numbered.id)).all()
    assert looks == [{"via": "api"}]  # audited like a reveal on the page (issue 18)
    listed = client.get("/api/v1/tickets", headers=_token(session, "supervisor2", "supervisor")).get_json()["tickets"]
    assert _whole_numbers(json.dumps(listed)) == [] and listed[0]["contact"] == "bu***@example.com"  # lists masked for every role
