"""Supervisors: dashboard charts with data, CSV export, team management, ready replies, review."""
from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa

from builders import ticket, user
from triage.models import ReadyReply, User


def test_dashboard_draws_charts_from_data(client, auth, supervisor, session):
    ticket(session, "missing_incentive", author="a@example.com")
    ticket(session, "registration", 0.2, author="b@example.com")
    auth.login("supervisor1")
    html = client.get("/supervisor/").get_data(as_text=True)
    for chart in ("chart-backlog", "chart-channels", "chart-flow", "chart-confidence", "chart-agents"):
        assert f'id="{chart}"' in html
    backlog = html.split('id="chart-backlog"')[1].split("</figure>")[0]
    assert len(re.findall(r"<rect ", backlog)) == 2  # one bar per category with tickets
    assert "<polyline" in html
    assert re.search(r'id="tile-open">2<', html) and re.search(r'id="tile-review"><a [^>]+>1<', html)


def test_csv_export(client, auth, supervisor, session):
    ticket(session, "missing_incentive", author="a@example.com")
    auth.login("supervisor1")
    response = client.get("/supervisor/export/backlog.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "category" and ["missing_incentive", "0", "0", "0", "1", "1"] in rows  # builders' T0 is days ago
    for table in ("channels", "flow", "agents", "confidence", "ingest", "quarantine"):
        assert client.get(f"/supervisor/export/{table}.csv").status_code == 200
    assert client.get("/supervisor/export/secrets.csv").status_code == 404


def test_team_add_update_deactivate(client, auth, supervisor, session):
    auth.login("supervisor1")
    response = auth.post("/supervisor/team", {"username": "agen7", "display_name": "Agen Tujuh", "password": "panjang sekali", "role": "agent", "capacity": "3", "skills": ["missing_incentive"], "on_shift": "1"})
    assert response.status_code == 302
    new = session.scalar(sa.select(User).where(User.username == "agen7"))
    assert new.skills == ["missing_incentive"] and new.capacity == 3 and new.on_shift and new.password_hash != "panjang sekali"
    # A supervisor cannot create another supervisor (admins can).
    assert auth.post("/supervisor/team", {"username": "boss2", "password": "panjang sekali", "role": "supervisor"}).status_code == 403
    auth.post(f"/supervisor/team/{new.id}", {"skills": ["registration", "other"], "capacity": "8"})
    session.refresh(new)
    assert new.skills == ["registration", "other"] and new.capacity == 8 and not new.on_shift
    auth.post(f"/supervisor/team/{new.id}", {"active": "0"})
    session.refresh(new)
    assert not new.active
    auth.post("/logout")
    assert auth.login("agen7", "panjang sekali").status_code == 401  # a deactivated account cannot log in


def test_ready_replies_are_editable(client, auth, supervisor, agent, session):
    auth.login("supervisor1")
    auth.post("/supervisor/replies/unspent_voucher", {"body": "Halo {name}, saldo harus dihabiskan untuk pelatihan."})
    assert session.get(ReadyReply, "unspent_voucher").body.startswith("Halo {name}")
    auth.post("/supervisor/replies/unspent_voucher", {"body": "Halo {nama}"})
    session.expire_all()
    assert session.get(ReadyReply, "unspent_voucher").body.startswith("Halo {name}")  # rejected edit kept nothing
    t = ticket(session, "unspent_voucher", author="Rina <rina@example.com>")
    html = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "Halo Rina, saldo harus dihabiskan untuk pelatihan." in html


def test_review_queue_lists_unsure_tickets(client, auth, supervisor, session):
    ticket(session, "other", 0.2, author="x@example.com", text="ini apa ya")
    ticket(session, "other", 0.9, author="y@example.com", text="jelas sekali")
    auth.login("supervisor1")
    html = client.get("/supervisor/review").get_data(as_text=True)
    assert "ini apa ya" in html and "jelas sekali" not in html


def test_auto_assign_round_robin_from_the_team_page(client, auth, supervisor, session, runner, engine):
    """Switched on from the team page, done by the scheduler's claim upkeep; a page view writes nothing."""
    from alembic import command

    from triage.migrate import alembic_config
    from triage.models import Ticket

    with engine.begin() as connection:  # the scheduler starts only on a migrated database
        command.stamp(alembic_config(connection), "head")

    agent = user(session, "agen9", on_shift=True, capacity=2)
    for i in range(3):
        ticket(session, author=f"p{i}@example.com")
    auth.login("supervisor1")
    auth.post("/supervisor/team/auto-assign", {"mode": "round_robin"})

    def held() -> int:
        session.expire_all()
        return session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.assignee_id == agent.id, Ticket.status == "claimed"))

    assert client.get("/").status_code == 200 and held() == 0
    ran = runner.invoke(args=["scheduler", "--run", "upkeep:claims"])
    assert ran.exit_code == 0, ran.output
    assert held() == 2


def test_dashboard_lists_quarantined_inputs_with_count_and_last_sighting(client, auth, supervisor, session):
    from datetime import timedelta

    from triage.models import utcnow
    from triage.quarantine import quarantine

    now = utcnow()
    for hours in (50, 26, 2):
        quarantine(session, "import", "/data/komentar.jsonl:7", "invalid JSON", "{", None, now=now - timedelta(hours=hours))
    quarantine(session, "imap:support", "INBOX/42", "empty text", None, None, now=now - timedelta(hours=5))
    session.commit()
    auth.login("supervisor1")
    html = client.get("/supervisor/").get_data(as_text=True)
    table = html.split('id="quarantine"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    assert cells[0][:4] == ["import", "/data/komentar.jsonl:7", "invalid JSON", "3 kali"]
    assert cells[0][4] != cells[0][5]  # first and last sighting
    assert cells[1][:4] == ["imap:support", "INBOX/42", "teks kosong", "1 kali"]  # seen before the other's last; the reason translated
    assert re.search(r'id="quarantined-total">2<', html)
    rows_csv = list(csv.reader(io.StringIO(client.get("/supervisor/export/quarantine.csv").get_data(as_text=True))))
    assert rows_csv[0] == ["source", "source_ref", "reason", "seen_count", "first_seen_at", "last_seen_at"]
    assert rows_csv[1][:4] == ["import", "/data/komentar.jsonl:7", "invalid JSON", "3"]
    auth.post("/language", {"lang": "en", "next": "/"})
    english = client.get("/supervisor/").get_data(as_text=True).split('id="quarantine"')[1].split("</table>")[0]
    assert "3 times" in english and "Last seen" in english
