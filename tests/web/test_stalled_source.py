"""A scheduled source that keeps failing shows as stalled on the dashboard and in /healthz."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import user
from triage.models import IngestRun, utcnow
from triage.schedule import build_schedule
from triage.scheduler import Scheduler


def test_three_failed_runs_make_the_source_stalled(app, client, auth, sessionmaker, tmp_path):
    settings = app.config["SETTINGS"].with_overrides(
        instagram_profiles=("prakerja.go.id",),
        instagram_own_account="prakerja.ops",
        instagram_session_file=tmp_path / "no-such-session",
        ingest_interval_minutes=5,
    )
    app.config["SETTINGS"] = settings
    with sessionmaker() as s:  # the last success, 4 intervals ago
        s.add(IngestRun(source="instagram", status="ok", started_at=utcnow() - timedelta(minutes=20)))
        s.commit()
    job = next(j for j in build_schedule(settings) if j.name == "instagram")
    scheduler = Scheduler(sessionmaker, app.extensions["triage.model"].load(), settings, [job])
    for _ in range(3):
        assert scheduler.run_job(job)
    with sessionmaker() as s:
        runs = s.scalars(sa.select(IngestRun).where(IngestRun.source == "instagram").order_by(IngestRun.id)).all()
        assert [r.status for r in runs[1:]] == ["stopped"] * 3
        assert "instaloader --login" in runs[-1].error

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["sources"]["instagram"]["stalled"] is True

    with sessionmaker() as s:
        user(s, "supervisor1", "supervisor")
    auth.login("supervisor1")
    page = client.get("/supervisor/").get_data(as_text=True)
    table = page[page.index('id="ingest-health"'):]
    row = table[table.rindex("<tr", 0, table.index('class="ref">instagram</td>')) :]
    row = row[: row.index("</tr>")]
    assert 'class="stalled"' in row and "macet" in row
