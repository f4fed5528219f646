"""The supervisor report on the dashboard: the date range form, the rows, refusals, CSV."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from builders import ticket, user
from triage.history import WIB
from triage.models import AuditEvent, utcnow


def _handled(session, agent, n: int, hours: float) -> None:
    now = utcnow()
    for i in range(n):
        t = ticket(session, author=f"h{agent.id}-{i}@example.com", source_id=f"<h{agent.id}-{i}@mail.example.com>", sent_at=now - timedelta(days=1))
        t.status, t.assignee_id = "resolved", agent.id
        t.first_response_at = t.created_at + timedelta(hours=hours)
        t.resolved_at = t.created_at + timedelta(hours=2 * hours)
        session.add(AuditEvent(actor_id=agent.id, action="ticket.claimed", ticket_id=t.id, at=t.created_at))
    session.commit()


def test_the_dashboard_offers_the_last_seven_days_and_fetches_the_rows(client, auth, supervisor, agent, session):
    _handled(session, agent, 3, 2)
    auth.login("supervisor1")
    html = client.get("/supervisor/").get_data(as_text=True)
    today = utcnow().astimezone(WIB).date()
    first = (today - timedelta(days=6)).isoformat()
    assert f'name="from" value="{first}"' in html and f'name="to" value="{today.isoformat()}"' in html
    assert f'hx-get="/supervisor/report?from={first}&amp;to={today.isoformat()}"' in html
    assert 'id="report-table"' not in html  # the dashboard does not wait for the report
    part = client.get(f"/supervisor/report?from={first}&to={today.isoformat()}").get_data(as_text=True)
    assert '<tr data-user="agen1">' in part and '<td data-label="Diselesaikan" class="handled">3</td>' in part
    assert "2 jam 0 menit" in part and "4 jam 0 menit" in part  # first response, handle time
    # Without script, the form asks the dashboard itself, which then shows the rows.
    assert '<tr data-user="agen1">' in client.get(f"/supervisor/?from={first}&to={today.isoformat()}").get_data(as_text=True)


def test_bad_ranges_say_why_and_never_fail(client, auth, supervisor):
    auth.login("supervisor1")
    cases = {
        "from=2026-02-30&to=2026-03-01": "Tanggal tidak valid",
        "from=kemarin": "Tanggal tidak valid",
        "from=2026-11-05&to=2026-11-01": "Tanggal akhir harus sama dengan atau sesudah tanggal awal.",
        "from=2026-01-01&to=2026-12-01": "Rentang paling panjang 92 hari.",
    }
    for query, message in cases.items():
        for path in ("/supervisor/", "/supervisor/report"):
            response = client.get(f"{path}?{query}")
            assert response.status_code == 200 and message in response.get_data(as_text=True), (path, query)
        assert client.get(f"/supervisor/export/report.csv?{query}").status_code == 400
    with client.session_transaction() as s:
        s["lang"] = "en"
    assert "The range can be at most 92 days." in client.get("/supervisor/report?from=2026-01-01&to=2026-12-01").get_data(as_text=True)


def test_report_csv(client, auth, supervisor, agent, session):
    _handled(session, agent, 2, 1)
    auth.login("supervisor1")
    today = utcnow().astimezone(WIB).date()
    response = client.get(f"/supervisor/export/report.csv?from={(today - timedelta(days=3)).isoformat()}&to={today.isoformat()}")
    assert response.mimetype == "text/csv" and f"agents-{(today - timedelta(days=3)).isoformat()}-{today.isoformat()}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [["username", "resolved", "median_first_response_seconds", "median_handle_seconds"], ["agen1", "2", "3600", "7200"]]


def test_agents_cannot_read_the_report(client, auth, agent):
    auth.login("agen1")
    assert client.get("/supervisor/report").status_code == 403
    assert client.get("/supervisor/export/report.csv").status_code == 403
