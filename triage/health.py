"""Is the service healthy? Database reachable, model loaded, every scheduled source recent,
outgoing mail going out; and, as details, the surges now.

Outgoing mail is judged from what the outbox records (no SMTP connection per check: health is
polled, and the sender tries the server every run anyway): see `mail_state`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import outbox, stats, surges
from triage.models import OutboxReply, utcnow
from triage.schedule import ingest_intervals
from triage.settings import Settings


MAIL_OK, MAIL_NOT_CONFIGURED, MAIL_FAILING = "ok", "not configured", "failing"
# Why outgoing mail is failing (MailState.reason): the server's own errors as the outbox stores
# them (outbox.UNREACHABLE, LOGIN, REFUSED_FOR_NOW, IN_DOUBT), replies rejected for good of late,
# or a reply waiting too long.
REJECTED_RECENTLY, WAITING_TOO_LONG = "rejected_recently", "waiting_too_long"
_SERVER_ERRORS = (outbox.UNREACHABLE, outbox.LOGIN, outbox.REFUSED_FOR_NOW, outbox.IN_DOUBT)


@dataclass(frozen=True)
class MailState:
    """Outgoing mail as the outbox shows it."""

    status: str  # MAIL_OK, MAIL_NOT_CONFIGURED or MAIL_FAILING
    configured: bool = True  # an SMTP host is set
    reason: Optional[str] = None  # a kind of _SERVER_ERRORS, REJECTED_RECENTLY or WAITING_TOO_LONG
    last_error: Optional[str] = None  # the stored error behind it ("kind: detail", never a secret)
    waiting: int = 0  # email replies not out yet (pending or being sent)
    oldest_waiting_at: Optional[datetime] = None
    rejected_recently: int = 0  # failed for good within the last mail_stuck_minutes

    def report(self, now: datetime) -> dict[str, Any]:
        return {
            "configured": self.configured,
            "reason": self.reason,
            "last_error": self.last_error,
            "waiting": self.waiting,
            "oldest_waiting_age_seconds": round((now - self.oldest_waiting_at).total_seconds()) if self.oldest_waiting_at else None,
            "rejected_recently": self.rejected_recently,
        }


_WAITING = (
    sa.select(sa.func.count(), sa.func.min(OutboxReply.created_at))
    .where(OutboxReply.status.in_((outbox.PENDING, outbox.SENDING)), OutboxReply.channel == outbox.EMAIL)
)
# The waiting replies' latest failed attempt: the sender stores its error on the row it tried.
_LAST_WAITING_ERROR = (
    sa.select(OutboxReply.last_error)
    .where(OutboxReply.status.in_((outbox.PENDING, outbox.SENDING)), OutboxReply.channel == outbox.EMAIL,
           OutboxReply.attempts > 0, OutboxReply.last_error.is_not(None))
    .order_by(OutboxReply.updated_at.desc())
    .limit(1)
)
# A rejection for a bad address (enhanced status 5.1.x: no such user, bad domain) is that
# participant's mailbox, not our mail: it is counted, never a reason to call mail failing.
_ADDRESS_REJECTION = OutboxReply.last_error.like(f"{outbox.REJECTED}: 5__ 5.1.%")
_REJECTED_SINCE = (
    sa.select(sa.func.count(), sa.func.max(OutboxReply.last_error), sa.func.max(OutboxReply.updated_at))
    .where(OutboxReply.status == outbox.FAILED, OutboxReply.channel == outbox.EMAIL,
           OutboxReply.updated_at >= sa.bindparam("since"), sa.not_(_ADDRESS_REJECTION))
)
# A reply the server took after the latest rejection shows the mail path works again.
_SENT_SINCE = (
    sa.select(sa.literal(1))
    .where(OutboxReply.status == outbox.SENT, OutboxReply.channel == outbox.EMAIL, OutboxReply.sent_at > sa.bindparam("since"),
           # its last attempt (never after its sending) within a day before: a short range of the status index
           OutboxReply.next_attempt_at >= sa.bindparam("tried_from"))
    .limit(1)
)


def mail_state(session: so.Session, settings: Settings, now: Optional[datetime] = None) -> MailState:
    """Outgoing mail: failing, not configured (no SMTP host), or ok; from the outbox's rows only.

    Failing: a reply has waited mail_stuck_minutes (configured or not); with a host, also: the waiting replies' last attempt met a server error (unreachable, login refused,
    busy, cut off), or one was rejected for good within that time (not for a bad address) and
    nothing was sent since. The queries use the outbox's (status, next_attempt_at) index: only unsent and
    failed rows are read, never the sent ones.
    """
    now = now or utcnow()
    waiting, oldest = session.execute(_WAITING).one()
    last_error = session.scalar(_LAST_WAITING_ERROR)
    rejected, rejected_error, rejected_at = session.execute(_REJECTED_SINCE, {"since": now - timedelta(minutes=settings.mail_stuck_minutes)}).one()
    configured = bool(settings.smtp_host.strip())
    figures = dict(configured=configured, waiting=waiting, oldest_waiting_at=oldest, rejected_recently=rejected)
    kind = (last_error or "").partition(":")[0]
    if configured and kind in _SERVER_ERRORS:
        return MailState(MAIL_FAILING, reason=kind, last_error=last_error, **figures)
    if oldest is not None and now - oldest >= timedelta(minutes=settings.mail_stuck_minutes):
        return MailState(MAIL_FAILING, reason=WAITING_TOO_LONG, last_error=last_error, **figures)
    if configured and rejected and session.scalar(_SENT_SINCE, {"since": rejected_at, "tried_from": rejected_at - timedelta(days=1)}) is None:
        return MailState(MAIL_FAILING, reason=REJECTED_RECENTLY, last_error=rejected_error, **figures)
    return MailState(MAIL_OK if configured else MAIL_NOT_CONFIGURED, **figures)


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
    report: dict[str, Any] = {"model": model, "database": "ok", "sources": {}, "mail": None, "surges": []}
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
            # Mail not configured (a development machine, a read-only replica) is said, and
            # healthy: nothing is lost, replies wait in the outbox; once one has waited
            # mail_stuck_minutes, mail is failing and the service unhealthy.
            mail = mail_state(session, settings, now)
            report["mail"], report["mail_detail"] = mail.status, mail.report(now)
            ok = ok and mail.status != MAIL_FAILING
            # A surge is news for the supervisors, not a fault of the service: details only.
            report["surges"] = [surges.report(group) for group in surges.active_surges(session)]
    except Exception as exc:  # a health check reports, it never raises
        report["database"] = f"unavailable: {type(exc).__name__}"
        ok = False
    report["status"] = "ok" if ok else "unhealthy"
    return Health(ok, report)
