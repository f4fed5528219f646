"""Groups through the interfaces: `triage groups [--json] [--all]`, GET /api/v1/groups[/<id>],
the surges in /metrics and in /healthz's details."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from builders import ticket, user
from triage import groups, users
from triage.models import TicketGroup, utcnow


@pytest.fixture
def made(session):
    """A surge of 6 (min size 5 by default), a pattern of 5, a small group of 2."""
    now = utcnow()

    def group(label, shared, members, surge=False):
        g = TicketGroup(label=label, key=groups.specifics_key(shared), shared=shared, first_ticket_at=now, last_ticket_at=now,
                        surge_since=now - timedelta(minutes=30) if surge else None)
        session.add(g)
        session.flush()
        ids = []
        for i in range(members):
            t = ticket(session, label, author=f"orang{g.id}.{i}@example.com", sent_at=now - timedelta(minutes=i))
            t.group_id = g.id
            ids.append(t.id)
        session.commit()
        return g.id, ids

    return {
        "surge": group("missing_incentive", {"wave": 48, "month": 3, "payout": "LinkAja"}, 6, surge=True),
        "pattern": group("certificate_pending", {"platform": "Pijar Mahir"}, 5),
        "small": group("payment_account", {"payout": "GoPay", "otp": True}, 2),
    }


def test_cli_lists_groups_as_json_and_text(runner, made):
    listed = json.loads(runner.invoke(args=["groups", "--json"]).output)
    assert [g["id"] for g in listed] == [made["surge"][0], made["pattern"][0]]
    first = listed[0]
    assert first["surge"] is True and first["size"] == 6 and first["tickets"] == sorted(made["surge"][1])
    assert first["label"] == "missing_incentive" and first["name"] == "Insentif belum masuk · gelombang 48 · bulan ke-3 · LinkAja"
    every = json.loads(runner.invoke(args=["groups", "--json", "--all", "--lang", "en"]).output)
    assert len(every) == 3 and every[-1]["name"] == "Bank account / e-wallet · GoPay · OTP not received"
    text = runner.invoke(args=["groups"]).output
    assert "Insentif belum masuk · gelombang 48" in text and "Sertifikat belum terbit · Pijar Mahir" in text
    assert "GoPay" not in text


def _token(session, username, role, scopes):
    token = users.create_api_token(session, user(session, username, role), scopes)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_lists_groups_and_one_group_masked_for_agents(client, session, made):
    agent = _token(session, "agen1", "agent", ["tickets:read"])
    boss = _token(session, "boss", "supervisor", ["tickets:read"])
    assert client.get("/api/v1/groups").status_code == 401
    body = client.get("/api/v1/groups", headers=agent).get_json()
    assert [g["id"] for g in body["groups"]] == [made["surge"][0], made["pattern"][0]]
    assert body["groups"][0]["surge"] is True and body["groups"][0]["tickets"] == sorted(made["surge"][1])
    assert len(client.get("/api/v1/groups?all=true", headers=agent).get_json()["groups"]) == 3
    group_id = made["surge"][0]
    detail = client.get(f"/api/v1/groups/{group_id}", headers=agent).get_json()
    assert detail["size"] == 6 and detail["members_total"] == 6 and len(detail["inflow"]) == 48
    assert sum(h["count"] for h in detail["inflow"]) == 6
    assert all("***@" in m["contact"] for m in detail["members"])
    as_boss = client.get(f"/api/v1/groups/{group_id}?lang=en", headers=boss).get_json()  # masked for every role (issue 18)
    assert as_boss["members"][0]["contact"].startswith("or***@") and as_boss["name"].startswith("Incentive not received")
    assert client.get("/api/v1/groups/999999", headers=agent).status_code == 404
    paths = client.get("/api/v1/openapi.json", headers=agent).get_json()["paths"]
    assert "/groups" in paths and "/groups/{group_id}" in paths


def test_metrics_and_healthz_show_the_surges(client, session, made):
    stats = _token(session, "boss", "supervisor", ["stats:read"])
    text = client.get("/metrics", headers=stats).get_data(as_text=True)
    assert 'triage_surges_active{label="missing_incentive"} 1.0' in text
    assert f'triage_surge_group_size{{group="{made["surge"][0]}",label="missing_incentive"}} 6.0' in text
    report = client.get("/healthz").get_json()
    assert report["status"] == "ok"
    assert [s["id"] for s in report["surges"]] == [made["surge"][0]]
    assert report["surges"][0]["size"] == 6 and report["surges"][0]["name"].startswith("Insentif belum masuk")
