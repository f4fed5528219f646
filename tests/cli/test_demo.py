"""Commands an operator runs: migrations and the demo load."""
from __future__ import annotations

import json

import sqlalchemy as sa

from triage.migrate import head_revision
from triage.models import Ticket, utcnow


def test_db_upgrade_then_demo_loads_once(database_url, tmp_path):
    from triage import create_app
    from triage.settings import Settings

    app = create_app(Settings(database_url=database_url, secret_key="k", instance_path=tmp_path / "inst"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and f"database at revision {head_revision()}" in result.output

    demo = tmp_path / "demo.jsonl"
    rows = [
        {"channel": "email", "author": "a@example.com", "text": "insentif belum masuk", "created_at": "2026-01-01T00:00:00+00:00", "source_id": "<d1@x>"},
        {"channel": "instagram", "author": "bb", "text": "saldo sisa gimana min", "created_at": "2026-01-02T00:00:00+00:00", "source_id": "d2"},
    ]
    demo.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    first = runner.invoke(args=["demo", "--path", str(demo)])
    assert first.exit_code == 0 and "new tickets: 2" in first.output
    with app.app_context():
        from triage.db import get_session

        newest = get_session().scalar(sa.select(sa.func.max(Ticket.created_at)))
        # Times are shifted so the demo looks live: the newest message is minutes old.
        assert abs((utcnow() - newest).total_seconds() - 300) < 120
    second = runner.invoke(args=["demo", "--path", str(demo)])
    assert "already has tickets" in second.output


def test_the_demo_data_holds_a_surge_a_new_supervisor_sees_and_can_answer(database_url, tmp_path):
    """`make run`'s demo: the real demo file through the real classifier gives one surge of
    people writing by email and on Instagram, at the top of the dashboard, answerable at once."""
    from builders import PASSWORD, user
    from triage import create_app, surges
    from triage.models import TicketGroup
    from triage.settings import Settings

    app = create_app(Settings(database_url=database_url, secret_key="k", instance_path=tmp_path / "inst", session_cookie_secure=False))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from triage.db import get_session

        s = get_session()
        found = surges.board(s)
        assert len(found) == 1
        card = found[0]
        assert card.name == "Insentif belum masuk · gelombang 61 · bulan ke-3 · LinkAja" and card.size >= 40
        channels = dict(s.execute(sa.select(Ticket.channel, sa.func.count()).where(Ticket.group_id == card.id).group_by(Ticket.channel)).all())
        assert channels["email"] >= 15 and channels["instagram"] >= 25
        assert s.scalar(sa.select(sa.func.count()).select_from(TicketGroup).where(TicketGroup.surge_since.is_not(None))) == 1
        user(s, "boss", role="supervisor")
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = login.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    dashboard = client.get("/supervisor/").get_data(as_text=True)
    assert 'id="surges"' in dashboard and f'href="/groups/{card.id}"' in dashboard
    page = client.get(f"/groups/{card.id}").get_data(as_text=True)
    assert 'id="answer-body"' in page and page.count('class="member') == card.size
    # An email with a screenshot of the dashboard: its thumbnail on the ticket page (issue 16).
    with app.app_context():
        from triage.models import Attachment, Message

        screenshot = get_session().execute(
            sa.select(Attachment.id, Attachment.content_type, Attachment.thumbnail.is_not(None), Message.ticket_id).join(Message)
        ).one()
    assert screenshot[1:3] == ("image/png", True)
    thumb = f'src="/attachments/{screenshot.id}/thumbnail" alt="dashboard-prakerja.png"'
    masked = client.get(f"/tickets/{screenshot.ticket_id}").get_data(as_text=True)
    assert thumb not in masked  # only after the (audited) reveal: a screenshot may show a NIK (issue 18)
    fresh = masked.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(f"/tickets/{screenshot.ticket_id}/reveal", data={"csrf_token": fresh}).status_code == 302
    ticket_page = client.get(f"/tickets/{screenshot.ticket_id}").get_data(as_text=True)
    assert thumb in ticket_page
    assert client.get(f"/attachments/{screenshot.id}/thumbnail").headers["Content-Type"] == "image/jpeg"
