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
