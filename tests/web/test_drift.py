"""Drift: the agents' corrections of the classifier per category and week, on the dashboard
and in /metrics, from relabels planted through the real relabel service."""
from __future__ import annotations

import re
from datetime import timedelta

from builders import ticket, user
from triage import drift, tickets, users
from triage.models import utcnow


def _plant(session, supervisor) -> tuple[str, str]:
    """This week: 4 incentive tickets (1 relabeled twice), 2 registration; 10 days ago: 2 noise,
    both relabeled. Returns (this week, the week 10 days ago) as ISO week names."""
    now = utcnow()
    made = [ticket(session, "missing_incentive", author=f"m{i}@example.com") for i in range(4)]
    made += [ticket(session, "registration", author=f"r{i}@example.com") for i in range(2)]
    old = [ticket(session, "noise", author=f"n{i}@example.com") for i in range(2)]
    for t in made:
        t.created_at = now - timedelta(minutes=5)  # the records' own dates are in November
    for t in old:
        t.created_at = now - timedelta(days=10)
    tickets.relabel(session, made[0], "payment_account", supervisor)
    tickets.relabel(session, made[0], "other", supervisor)  # one ticket, corrected twice: counted once
    tickets.relabel(session, made[4], "registration", supervisor)  # confirmed, not a correction
    for t in old:
        tickets.relabel(session, t, "other", supervisor)
    session.commit()

    def week(moment) -> str:
        year, number, _ = moment.astimezone(drift.WIB).isocalendar()
        return f"{year}-W{number:02d}"

    return week(now - timedelta(minutes=5)), week(now - timedelta(days=10))


def test_drift_counts_tickets_by_the_models_label_and_week(session, supervisor):
    this_week, earlier = _plant(session, supervisor)
    table = drift.by_week(session)
    assert len(table.weeks) == drift.DRIFT_WEEKS and this_week in table.weeks[-2:]
    now, before = table.weeks.index(this_week), table.weeks.index(earlier)
    assert table.cells["missing_incentive"][now] == drift.Cell(labeled=4, corrected=1)
    assert table.cells["registration"][now] == drift.Cell(labeled=2, corrected=0)
    assert table.cells["noise"][before] == drift.Cell(labeled=2, corrected=2)
    assert table.cells["other"][now] == table.cells["payment_account"][now] == drift.Cell()  # where it went is not what the model said
    assert drift.recent(session)["missing_incentive"].rate == 0.25
    assert drift.recent(session)["noise"] == drift.Cell()  # ten days ago: outside the last 7


def test_dashboard_shows_the_correction_rate_per_category_and_week(client, auth, supervisor, session):
    this_week, earlier = _plant(session, supervisor)
    auth.login("supervisor1")
    html = client.get("/supervisor/").get_data(as_text=True)
    panel = html[html.index('id="drift"') :]
    panel = panel[: panel.index("</table>")]
    row = re.search(r'<tr data-label-id="missing_incentive">(.*?)</tr>', panel, re.S).group(1)
    assert "Insentif belum masuk" in row
    cell = re.search(rf'data-week="{this_week}"[^>]*>(.*?)</td>', row, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", cell).split() == ["25%", "(1/4)"]
    noise = re.search(r'<tr data-label-id="noise">(.*?)</tr>', panel, re.S).group(1)
    cell = re.search(rf'data-week="{earlier}"[^>]*>(.*?)</td>', noise, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", cell).split() == ["100%", "(2/2)"]
    assert "Koreksi agen atas klasifikasi per minggu" in html


def test_metrics_expose_corrections_by_label_and_the_last_weeks_rate(client, session, supervisor):
    _plant(session, supervisor)
    token = users.create_api_token(session, user(session, "boss", "supervisor"), ["stats:read"])
    session.commit()
    text = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
    assert 'triage_classifier_corrections_total{from_label="missing_incentive",to_label="payment_account"} 1.0' in text
    assert 'triage_classifier_corrections_total{from_label="payment_account",to_label="other"} 1.0' in text
    assert 'triage_classifier_corrections_total{from_label="noise",to_label="other"} 2.0' in text
    assert 'triage_classifier_labeled_7d{label="missing_incentive"} 4.0' in text
    assert 'triage_classifier_corrected_7d{label="missing_incentive"} 1.0' in text
    assert 'triage_classifier_correction_rate_7d{label="missing_incentive"} 0.25' in text
    assert 'triage_classifier_correction_rate_7d{label="noise"} 0.0' in text
