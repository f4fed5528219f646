"""Is the service healthy? Database reachable, model loaded, every scheduled source recent; and,
as details, the surges now."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import stats, surges
from triage.models import utcnow
from triage.schedule import ingest_intervals
from triage.settings import Settings


@dataclass
class Health:
    ok: bool
    report: dict[str, Any]


def check(sessionmaker: Callable[[], so.Session], settings: Settings, model: dict[str, Any]) -> Health:
    """Check what the service needs; any failing part makes the whole unhealthy.

    `model` is the model's state (triage.classifier.ModelSlot.state): a web worker never
    loads the model, so "not loaded" with a sound card is healthy and "failed" is not.
    """
    now = utcnow()
    report: dict[str, Any] = {"model": model, "database": "ok", "sources": {}, "surges": []}
    ok = model.get("state") != "failed"
    try:
        scheduled = ingest_intervals(settings)
        with sessionmaker() as session:
            session.execute(sa.text("SELECT 1"))
            for h in stats.ingest_health(session, scheduled, now):
                if h.source not in scheduled:
                    continue
                report["sources"][h.source] = {
                    "last_status": h.last_status,
                    "last_success_at": h.last_success_at.isoformat() if h.last_success_at else None,
                    "last_success_age_seconds": (
                        round((now - h.last_success_at).total_seconds()) if h.last_success_at else None
                    ),
                    "stalled": h.stalled,
                }
                ok = ok and not h.stalled
            # A surge is news for the supervisors, not a fault of the service: details only.
            report["surges"] = [surges.report(group) for group in surges.active_surges(session)]
    except Exception as exc:  # a health check reports, it never raises
        report["database"] = f"unavailable: {type(exc).__name__}"
        ok = False
    report["status"] = "ok" if ok else "unhealthy"
    return Health(ok, report)
