"""The supervisors' dashboard figures, computed in the database on indexed columns.

Every aggregate groups or counts in SQL over a bounded slice: the live backlog figures in
one pass over the partial covering index ix_tickets_active_stats; the 30-day history per
day (triage.history: past days kept until a ticket dated on them changes, today live).
Days are counted in Western Indonesian Time (WIB, UTC+7), the call center's clock.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Mapping, MutableMapping, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.history import CLOSED_GRACE, WIB, DayFigures, _seconds_between, history, wib_midnight
from triage.models import AuditEvent, ClosedDayChange, IngestRun, QuarantinedInput, Ticket, TicketStatus, User, active_clause, utcnow

AGE_BUCKETS = (("lt4h", 4), ("4to24h", 24), ("1to3d", 72), ("gt3d", None))
CONFIDENCE_BINS = 10
STALLED_INTERVALS = 3
QUARANTINE_SHOWN = 20  # the dashboard lists the most recently seen quarantined inputs
REPORT_DAYS = 7  # the supervisor report's default range, today included
REPORT_MAX_DAYS = 92  # a quarter: the longest range one report reads (its past days are kept, see agent_report)
CLAIM_ACTIONS = ("ticket.claimed", "ticket.assigned")  # the audit events that hand a ticket to someone


@dataclass(frozen=True)
class SlaFigures:
    open_total: int
    breached: int
    due_within_hour: int
    needs_review: int


@dataclass(frozen=True)
class Backlog:
    """Every live figure of the active backlog, from one pass over ix_tickets_active_stats."""

    by_category_age: dict[str, dict[str, int]]
    by_channel: dict[str, int]
    sla: SlaFigures
    confidence: list[int]


def backlog(session: so.Session, now: Optional[datetime] = None) -> Backlog:
    """Group the active backlog once by label, channel, age, due and confidence bucket."""
    now = now or utcnow()
    age = sa.case(
        *[(Ticket.created_at > now - timedelta(hours=hours), key) for key, hours in AGE_BUCKETS if hours],
        else_=AGE_BUCKETS[-1][0],
    )
    due = sa.case((Ticket.due_at < now, "breached"), (Ticket.due_at < now + timedelta(hours=1), "hour"), else_="later")
    # floor(): CAST rounds on PostgreSQL but truncates on SQLite.
    bin_ = sa.case(
        (Ticket.confidence >= 1.0, CONFIDENCE_BINS - 1),
        else_=sa.cast(sa.func.floor(Ticket.confidence * CONFIDENCE_BINS), sa.Integer),
    )
    columns = (Ticket.label, Ticket.channel, age, due, bin_, Ticket.needs_review)
    rows = session.execute(sa.select(*columns, sa.func.count()).where(active_clause()).group_by(*columns)).all()
    by_category_age: dict[str, dict[str, int]] = {}
    by_channel: dict[str, int] = {}
    confidence = [0] * CONFIDENCE_BINS
    total = breached = within_hour = review = 0
    for label, channel, age_key, due_key, b, needs_review, count in rows:
        by_category_age.setdefault(label, {k: 0 for k, _ in AGE_BUCKETS})[age_key] += count
        by_channel[channel] = by_channel.get(channel, 0) + count
        confidence[max(0, min(CONFIDENCE_BINS - 1, int(b or 0)))] += count
        total += count
        breached += count if due_key == "breached" else 0
        within_hour += count if due_key == "hour" else 0
        review += count if needs_review else 0
    return Backlog(by_category_age, by_channel, SlaFigures(total, breached, within_hour, review), confidence)


def backlog_by_category_age(session: so.Session, now: Optional[datetime] = None) -> dict[str, dict[str, int]]:
    """Open tickets per category and age bucket: {label: {bucket: count}}."""
    return backlog(session, now).by_category_age


def backlog_by_channel(session: so.Session) -> dict[str, int]:
    return backlog(session).by_channel


def sla_figures(session: so.Session, now: Optional[datetime] = None) -> SlaFigures:
    return backlog(session, now).sla


@dataclass(frozen=True)
class AgentLoad:
    user_id: int
    username: str
    display_name: str
    role: str
    on_shift: bool
    capacity: int
    held: int
    resolved_today: int


def agent_load(session: so.Session, now: Optional[datetime] = None) -> list[AgentLoad]:
    """Per active team member: tickets held now and resolved since WIB midnight."""
    now = now or utcnow()
    held = dict(
        session.execute(
            sa.select(Ticket.assignee_id, sa.func.count()).where(Ticket.status == TicketStatus.CLAIMED).group_by(Ticket.assignee_id)
        ).all()
    )
    # Grouped on coalesce(assignee_id, 0), which no index is ordered by: a plain GROUP BY
    # assignee_id tempts SQLite's planner into walking ix_tickets_assignee_status over every
    # resolved ticket instead of today's resolved_at range.
    assignee = sa.func.coalesce(Ticket.assignee_id, 0)
    resolved: dict[int, int] = {}
    for assignee_id, status, count in session.execute(
        sa.select(assignee, Ticket.status, sa.func.count())
        .where(Ticket.resolved_at >= wib_midnight(now), Ticket.merged_into_id.is_(None))
        .group_by(assignee, Ticket.status)
    ):
        if status == TicketStatus.RESOLVED:
            resolved[assignee_id] = resolved.get(assignee_id, 0) + count
    users = session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.username)).all()
    return [
        AgentLoad(u.id, u.username, u.display_name, u.role, u.on_shift, u.capacity, held.get(u.id, 0), resolved.get(u.id, 0))
        for u in users
    ]


class ReportRangeError(ValueError):
    """A report range that cannot be read; `code` names the reason for the page's catalog."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ReportRange:
    """WIB days from `first` to `last`, both included."""

    first: date
    last: date


def report_range(first: Optional[str], last: Optional[str], now: Optional[datetime] = None) -> ReportRange:
    """The range a report form asked for (ISO dates; empty: the last REPORT_DAYS days).

    Raises ReportRangeError with code "bad_date", "reversed" or "too_long".
    """
    today = (now or utcnow()).astimezone(WIB).date()
    try:
        end = date.fromisoformat(last) if last else today
        begin = date.fromisoformat(first) if first else end - timedelta(days=REPORT_DAYS - 1)
    except ValueError:
        raise ReportRangeError("bad_date") from None
    if end < begin:
        raise ReportRangeError("reversed")
    if (end - begin).days + 1 > REPORT_MAX_DAYS:
        raise ReportRangeError("too_long")
    return ReportRange(begin, end)


@dataclass(frozen=True)
class AgentReport:
    user_id: int
    username: str
    display_name: str
    handled: int  # tickets resolved in the range while assigned to them
    first_response_seconds: Optional[float]  # median created -> first response, over those tickets
    handle_seconds: Optional[float]  # median last claim or assignment -> resolved, over those tickets


@dataclass(frozen=True)
class AgentDay:
    """One WIB day of resolved tickets per assignee: counts and the sorted durations (seconds)."""

    day: date
    changes: int  # closed_day_changes.changes when computed (see triage.history)
    handled: dict[int, int]
    first_response: dict[int, list[float]]
    handle: dict[int, list[float]]


def agent_day(session: so.Session, day: date, changes: int = 0) -> AgentDay:
    """Resolved tickets of one WIB day per assignee, one row each with its two durations.

    The rows come from the resolved_at range of ix_tickets_resolved_unmerged; the claim moment
    is the latest claim or assignment in the ticket's audit trail before resolving
    (claimed_at is cleared on resolving).
    """
    dialect = session.get_bind().dialect.name
    start = datetime(day.year, day.month, day.day, tzinfo=WIB).astimezone(timezone.utc)
    claimed_at = (
        sa.select(sa.func.max(AuditEvent.at))
        .where(AuditEvent.ticket_id == Ticket.id, AuditEvent.action.in_(CLAIM_ACTIONS), AuditEvent.at <= Ticket.resolved_at)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            Ticket.assignee_id,
            Ticket.status,
            _seconds_between(dialect, Ticket.first_response_at, Ticket.created_at),
            _seconds_between(dialect, Ticket.resolved_at, claimed_at),
        ).where(
            Ticket.resolved_at >= start,
            Ticket.resolved_at < start + timedelta(days=1),
            Ticket.merged_into_id.is_(None),
            Ticket.assignee_id.is_not(None),
        )
    ).all()
    handled: dict[int, int] = {}
    first: dict[int, list[float]] = {}
    handle: dict[int, list[float]] = {}
    for assignee_id, status, first_response, handling in rows:
        if status != TicketStatus.RESOLVED:
            continue  # checked here: a status condition in SQL draws SQLite to ix_tickets_queue
        handled[assignee_id] = handled.get(assignee_id, 0) + 1
        if first_response is not None:
            first.setdefault(assignee_id, []).append(max(0, round(first_response)))  # julianday: whole seconds
        if handling is not None:
            handle.setdefault(assignee_id, []).append(max(0, round(handling)))
    return AgentDay(day, changes, handled, first, handle)


def agent_report(
    session: so.Session, span: ReportRange, now: Optional[datetime] = None, kept: Optional[MutableMapping[date, AgentDay]] = None
) -> list[AgentReport]:
    """Per team member who resolved tickets in `span`: how many, and the two median times.

    Day by day (agent_day); a past day comes from `kept` while its count of changes in
    closed_day_changes is unchanged, as the dashboard history's days do (triage.history).
    The medians are taken here over the days' durations, the same on SQLite and PostgreSQL.
    """
    now = now or utcnow()
    kept = {} if kept is None else kept
    settled = (min(now, utcnow()) - CLOSED_GRACE).astimezone(WIB).date()
    changes = dict(
        session.execute(
            sa.select(ClosedDayChange.day, ClosedDayChange.changes).where(ClosedDayChange.day >= span.first, ClosedDayChange.day <= span.last)
        ).all()
    )
    handled: dict[int, int] = {}
    first: dict[int, list[float]] = {}
    handle: dict[int, list[float]] = {}
    for offset in range((span.last - span.first).days + 1):
        day = span.first + timedelta(days=offset)
        count = changes.get(day, 0)
        figures = kept.get(day)
        if figures is None or figures.changes != count or day >= settled:
            figures = agent_day(session, day, count)
            if day < settled:
                kept[day] = figures
        for user_id, n in figures.handled.items():
            handled[user_id] = handled.get(user_id, 0) + n
        for into, source in ((first, figures.first_response), (handle, figures.handle)):
            for user_id, values in source.items():
                into.setdefault(user_id, []).extend(values)
    if not handled:
        return []
    people = session.execute(
        sa.select(User.id, User.username, User.display_name).where(User.id.in_(handled)).order_by(User.username)
    ).all()
    return [
        AgentReport(user_id, username, display_name, handled[user_id], _median(first.get(user_id)), _median(handle.get(user_id)))
        for user_id, username, display_name in people
    ]


def _median(values: Optional[list[float]]) -> Optional[float]:
    return statistics.median(values) if values else None


def confidence_distribution(session: so.Session) -> list[int]:
    """Open tickets per tenth of classifier confidence (index 0 = 0-10%, 9 = 90-100%)."""
    return backlog(session).confidence


@dataclass(frozen=True)
class SourceHealth:
    source: str
    last_started_at: Optional[datetime]
    last_status: str
    last_error: Optional[str]
    fetched: int
    failures_24h: int
    quarantined_24h: int
    last_success_at: Optional[datetime]
    stalled: bool


def ingest_health(
    session: so.Session, intervals: Mapping[str, timedelta], now: Optional[datetime] = None
) -> list[SourceHealth]:
    """The last run per source, failures and quarantined inputs of the last day, stalled flags.

    `intervals` holds the scheduled sources and their intervals: such a source with no
    successful run for STALLED_INTERVALS intervals (or none ever) is stalled. Sources that
    only ran by hand (imports) are listed but never stalled.
    """
    now = now or utcnow()
    latest = (
        sa.select(IngestRun.source, sa.func.max(IngestRun.started_at).label("started_at"))
        .group_by(IngestRun.source)
        .subquery()
    )
    runs: dict[str, IngestRun] = {}
    for run in session.scalars(
        sa.select(IngestRun)
        .join(latest, sa.and_(IngestRun.source == latest.c.source, IngestRun.started_at == latest.c.started_at))
        .order_by(IngestRun.id)
    ):
        runs[run.source] = run  # two runs started in the same instant: the later row wins
    successes = dict(
        session.execute(
            sa.select(IngestRun.source, sa.func.max(IngestRun.started_at))
            .where(IngestRun.status == "ok")
            .group_by(IngestRun.source)
        ).all()
    )
    day_ago = now - timedelta(days=1)
    failures = dict(
        session.execute(
            sa.select(IngestRun.source, sa.func.count())
            .where(IngestRun.started_at >= day_ago, IngestRun.status == "failed")
            .group_by(IngestRun.source)
        ).all()
    )
    quarantined = dict(  # inputs seen in the last day, each once however often seen
        session.execute(
            sa.select(QuarantinedInput.source, sa.func.count())
            .where(QuarantinedInput.last_seen_at >= day_ago)
            .group_by(QuarantinedInput.source)
        ).all()
    )
    health = []
    for source in sorted(set(runs) | set(intervals)):
        run = runs.get(source)
        success = successes.get(source)
        interval = intervals.get(source)
        stalled = interval is not None and (success is None or success < now - STALLED_INTERVALS * interval)
        health.append(
            SourceHealth(
                source,
                run.started_at if run else None,
                run.status if run else "never run",
                run.error if run else None,
                run.fetched if run else 0,
                failures.get(source, 0),
                quarantined.get(source, 0),
                success,
                stalled,
            )
        )
    return health


def quarantined_total(session: so.Session) -> int:
    """How many distinct inputs are in quarantine."""
    return session.scalar(sa.select(sa.func.count()).select_from(QuarantinedInput)) or 0


@dataclass(frozen=True)
class QuarantineEntry:
    source: str
    source_ref: str
    reason: str
    seen_count: int
    first_seen_at: datetime
    last_seen_at: datetime


def quarantine_entries(session: so.Session, limit: Optional[int] = QUARANTINE_SHOWN) -> list[QuarantineEntry]:
    """Quarantined inputs, the most recently seen first (the payload stays in the database)."""
    q = QuarantinedInput
    query = sa.select(q.source, q.source_ref, q.reason, q.seen_count, q.created_at, q.last_seen_at).order_by(
        q.last_seen_at.desc(), q.id.desc()
    )
    return [QuarantineEntry(*row) for row in session.execute(query.limit(limit))]


def api_stats(
    session: so.Session,
    intervals: Mapping[str, timedelta],
    now: Optional[datetime] = None,
    kept: Optional[MutableMapping[date, DayFigures]] = None,
) -> dict:
    """The dashboard's figures as plain JSON-ready data (`kept`: past days, see triage.history)."""
    now = now or utcnow()
    live = backlog(session, now)
    sla = live.sla
    past = history(session, now=now, kept=kept)
    times = past.times
    return {
        "generated_at": now.isoformat(),
        "open_total": sla.open_total,
        "sla_breached": sla.breached,
        "due_within_hour": sla.due_within_hour,
        "needs_review": sla.needs_review,
        "backlog_by_category_age": live.by_category_age,
        "backlog_by_channel": live.by_channel,
        "daily_flow": [{"day": d.day.isoformat(), "inflow": d.inflow, "resolved": d.resolved} for d in past.flow],
        "median_first_response_seconds": times.first_response_seconds,
        "median_resolution_seconds": times.resolution_seconds,
        "agents": [
            {"username": a.username, "held": a.held, "capacity": a.capacity, "resolved_today": a.resolved_today, "on_shift": a.on_shift}
            for a in agent_load(session, now)
        ],
        "confidence_distribution": live.confidence,
        "ingest": [
            {
                "source": h.source,
                "last_started_at": h.last_started_at.isoformat() if h.last_started_at else None,
                "last_success_at": h.last_success_at.isoformat() if h.last_success_at else None,
                "last_status": h.last_status,
                "failures_24h": h.failures_24h,
                "quarantined_24h": h.quarantined_24h,
                "stalled": h.stalled,
            }
            for h in ingest_health(session, intervals, now)
        ],
        "quarantined_total": quarantined_total(session),
        "quarantine": [
            {
                "source": e.source,
                "source_ref": e.source_ref,
                "reason": e.reason,
                "seen_count": e.seen_count,
                "first_seen_at": e.first_seen_at.isoformat(),
                "last_seen_at": e.last_seen_at.isoformat(),
            }
            for e in quarantine_entries(session)
        ],
    }
