"""Is the service healthy? Database reachable, model loaded, every scheduled source recent."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import stats
from triage.models import utcnow
from triage.schedule import ingest_intervals
from triage.settings import Settings


@dataclass
class Health:
    ok: bool
    report: dict[str, Any]


def check(sessionmaker: Callable[[], so.Session], settings: Settings, classifier: Optional[Any]) -> Health:
    """Check what the service needs; any failing part makes the whole unhealthy."""
    now = utcnow()
    report: dict[str, Any] = {"model": None, "database": "ok", "sources": {}}
    ok = True
    if classifier is None:
        ok = False
    else:
        report["model"] = {"version": classifier.version, "name": classifier.name}
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
    except Exception as exc:  # a health check reports, it never raises
        report["database"] = f"unavailable: {type(exc).__name__}"
        ok = False
    report["status"] = "ok" if ok else "unhealthy"
    return Health(ok, report)
