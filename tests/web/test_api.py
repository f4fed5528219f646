"""The JSON API: bearer tokens with scopes, tickets, take-next, resolve, stats, OpenAPI."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from builders import ticket, user
from triage import users
from triage.models import CHANNELS, ApiToken, Ticket, TicketGroup, TicketStatus
from triage.queue import STATUS_FILTERS
from triage.taxonomy import LABELS
from triage.web.openapi import MAX_LIMIT


@pytest.fixture
def tokens(session):
    agent = user(session, "agen1")
    boss = user(session, "supervisor1", role="supervisor")
    made = {
        "agent": users.create_api_token(session, agent, ["tickets:read", "tickets:write"]),
        "agent_read": users.create_api_token(session, agent, ["tickets:read"]),
        "boss": users.create_api_token(session, boss, ["tickets:read", "tickets:write", "stats:read"]),
    }
    session.commit()
    return made


def _h(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_are_stored_hashed_and_bounded_by_role(session, tokens):
    stored = session.scalars(sa.select(ApiToken.token_hash)).all()
    assert all(tok not in stored for tok in tokens.values())
    agent = session.scalar(sa.select(users.User).where(users.User.username == "agen1"))
    with pytest.raises(users.UserError):
        users.create_api_token(session, agent, ["stats:read"])


def test_requests_without_a_valid_token_get_401(client, tokens):
    assert client.get("/api/v1/tickets").status_code == 401
    assert client.get("/api/v1/tickets", headers=_h("pt_nope")).status_code == 401


def test_agents_get_403_on_stats_and_missing_scopes(client, session, tokens):
    t = ticket(session)
    assert client.get("/api/v1/stats", headers=_h(tokens["agent"])).status_code == 403
    assert client.post("/api/v1/take-next", headers=_h(tokens["agent_read"])).status_code == 403
    assert client.post(f"/api/v1/tickets/{t.id}/resolve", headers=_h(tokens["agent_read"])).status_code == 403


def test_list_detail_take_next_resolve(client, session, tokens):
    t = ticket(session, "payment_account", author="budiman@example.com", text="ovo saya 081234567890 diganti")
    listed = client.get("/api/v1/tickets?label=payment_account", headers=_h(tokens["agent"])).get_json()
    assert [x["id"] for x in listed["tickets"]] == [t.id] and listed["next_cursor"] is None
    row = listed["tickets"][0]
    assert row["contact"] == "bu***@example.com" and "081234567890" not in row["preview"]
    detail = client.get(f"/api/v1/tickets/{t.id}", headers=_h(tokens["boss"])).get_json()
    assert "081234567890" in detail["messages"][0]["text"]  # supervisors see numbers
    taken = client.post("/api/v1/take-next", headers=_h(tokens["agent"]))
    assert taken.status_code == 200 and taken.get_json()["id"] == t.id and taken.get_json()["status"] == "claimed"
    assert client.post("/api/v1/take-next", headers=_h(tokens["agent"])).status_code == 204
    resolved = client.post(f"/api/v1/tickets/{t.id}/resolve", headers=_h(tokens["agent"]))
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    assert client.post(f"/api/v1/tickets/{t.id}/resolve", headers=_h(tokens["agent"])).status_code == 409
    assert session.scalar(sa.select(Ticket.status).where(Ticket.id == t.id)) == "resolved"


def test_list_pages_with_a_cursor_and_validates_input(client, session, tokens):
    ids = [ticket(session, "other", author=f"p{i}@example.com").id for i in range(5)]
    first = client.get("/api/v1/tickets?limit=2", headers=_h(tokens["agent"])).get_json()
    second = client.get(f"/api/v1/tickets?limit=2&after={first['next_cursor']}", headers=_h(tokens["agent"])).get_json()
    third = client.get(f"/api/v1/tickets?limit=2&after={second['next_cursor']}", headers=_h(tokens["agent"])).get_json()
    got = [x["id"] for page in (first, second, third) for x in page["tickets"]]
    assert sorted(got) == sorted(ids) and third["next_cursor"] is None
    assert client.get("/api/v1/tickets?label=nope", headers=_h(tokens["agent"])).status_code == 400
    assert client.get("/api/v1/tickets?after=garbage", headers=_h(tokens["agent"])).status_code == 400


def test_stats_and_openapi(client, session, tokens):
    ticket(session)
    stats = client.get("/api/v1/stats", headers=_h(tokens["boss"])).get_json()
    assert stats["open_total"] == 1 and len(stats["daily_flow"]) == 30
    doc = client.get("/api/v1/openapi.json", headers=_h(tokens["agent"])).get_json()
    assert doc["openapi"].startswith("3.") and {"/tickets", "/tickets/{ticket_id}", "/take-next", "/tickets/{ticket_id}/resolve", "/stats"} <= set(doc["paths"])
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_openapi_lists_the_values_the_api_checks(client, tokens):
    doc = client.get("/api/v1/openapi.json", headers=_h(tokens["agent"])).get_json()
    fields = doc["components"]["schemas"]["Ticket"]["properties"]
    assert fields["status"]["enum"] == list(TicketStatus)
    assert (fields["label"]["enum"], fields["channel"]["enum"]) == (list(LABELS), list(CHANNELS))
    listing = {p["name"]: p["schema"] for p in doc["paths"]["/tickets"]["get"]["parameters"]}
    assert listing["status"]["enum"] == list(STATUS_FILTERS)
    assert (listing["label"]["enum"], listing["channel"]["enum"]) == (list(LABELS), list(CHANNELS))
    assert listing["limit"]["maximum"] == MAX_LIMIT


def test_openapi_names_the_scope_each_operation_needs(client, session, tokens):
    doc = client.get("/api/v1/openapi.json", headers=_h(tokens["agent"])).get_json()
    t = ticket(session)
    group = TicketGroup(label=t.label, key="wave=48", shared={"wave": 48})
    session.add(group)
    admin = user(session, "root", "admin")
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            [scope] = operation["security"][0]["bearer"]
            without = users.create_api_token(session, admin, [s for s in users.API_SCOPES if s != scope])
            only = users.create_api_token(session, admin, [scope])
            session.commit()
            url = "/api/v1" + path.replace("{ticket_id}", str(t.id)).replace("{group_id}", str(group.id))
            assert client.open(url, method=method.upper(), headers=_h(without)).status_code == 403, (method, path)
            assert client.open(url, method=method.upper(), headers=_h(only)).status_code in (200, 204), (method, path)


def test_api_ignores_the_session_cookie(client, auth, tokens):
    auth.login("agen1", )
    assert client.post("/api/v1/take-next").status_code == 401  # a cookie alone never authorizes the API
