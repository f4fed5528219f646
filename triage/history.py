"""The dashboard's 30-day history: tickets in and resolved per WIB day, median times.

A past day's figures change only when a ticket dated on it changes (a reopen or merge of an
old ticket, an import of old mail), so each is computed once, stored in history_days for
every process, and kept in memory (`kept`, a mapping the caller holds). Triggers on tickets
count such changes per day in closed_day_changes, on every write path (ORM, plain inserts,
COPY); a stored or kept day is reused while its count is unchanged. Today, and a day that
ended less than CLOSED_GRACE ago (writes still in flight at midnight), are read live: a range
count and the day's durations over covering indexes. Medians are exact: the k-th smallest
value is found across the days' sorted durations.
"""
from __future__ import annotations

import sys
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import MutableMapping, Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from triage.models import Base, ClosedDayChange, HistoryDay, Ticket, utcnow

WIB = timezone(timedelta(hours=7))
CLOSED_GRACE = timedelta(minutes=10)


def wib_midnight(now: datetime) -> datetime:
    local = now.astimezone(WIB)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


@dataclass(frozen=True)
class DayFlow:
    day: date
    inflow: int
    resolved: int


@dataclass(frozen=True)
class ResponseTimes:
    first_response_seconds: Optional[float]
    resolution_seconds: Optional[float]


@dataclass(frozen=True)
class History:
    flow: list[DayFlow]
    times: ResponseTimes  # medians over the same days as the flow


@dataclass(frozen=True)
class DayFigures:
    """One WIB day: counts and the sorted durations (seconds) of its answers and resolutions."""

    day: date
    changes: int  # closed_day_changes.changes when computed (0: none counted)
    inflow: int
    resolved: int
    first_response: array
    resolution: array


def _seconds_between(dialect: str, later: sa.ColumnElement, earlier: sa.ColumnElement) -> sa.ColumnElement:
    if dialect == "postgresql":
        return sa.cast(sa.func.extract("epoch", later - earlier), sa.Float)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def day_figures(session: so.Session, day: date, changes: int = 0) -> DayFigures:
    """Compute one WIB day from the tickets: range counts and durations over indexes."""
    start = datetime(day.year, day.month, day.day, tzinfo=WIB).astimezone(timezone.utc)
    end = start + timedelta(days=1)
    dialect = session.get_bind().dialect.name

    def count(column: sa.ColumnElement, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect:
        return sa.select(sa.func.count()).select_from(Ticket).where(column >= start, column < end, *where).scalar_subquery()

    inflow = session.scalar(
        sa.select(sa.func.count()).select_from(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    )

    def durations(later: sa.ColumnElement) -> array:
        # One number per ticket, from the covering ix_tickets_*_unmerged; sorted here, cheaply.
        seconds = session.execute(
            sa.select(_seconds_between(dialect, later, Ticket.created_at))
            .where(later >= start, later < end, Ticket.merged_into_id.is_(None))
        ).scalars()
        return array("d", sorted(seconds))

    resolution = durations(Ticket.resolved_at)
    return DayFigures(day, changes, inflow, len(resolution), durations(Ticket.first_response_at), resolution)


def history(
    session: so.Session,
    days: int = 30,
    now: Optional[datetime] = None,
    kept: Optional[MutableMapping[date, DayFigures]] = None,
) -> History:
    """The last `days` WIB days (today included): per-day flow and the medians over them all.

    A past day comes from `kept`, else from history_days, when its change count still
    matches; else it is computed and written to history_days (the caller commits) and
    `kept`. Days before the window leave both.
    """
    now = now or utcnow()
    kept = {} if kept is None else kept
    today = now.astimezone(WIB).date()
    first = today - timedelta(days=days - 1)
    # A day is kept only once it ended CLOSED_GRACE ago on the real clock too: the triggers
    # count changes to days before the database's today, and a test may pass a future `now`.
    settled = (min(now, utcnow()) - CLOSED_GRACE).astimezone(WIB).date()
    # Read the counts before the tickets: a change committed in between shows up as a
    # newer count next time, never as a kept stale day.
    changes = dict(session.execute(sa.select(ClosedDayChange.day, ClosedDayChange.changes).where(ClosedDayChange.day >= first)).all())
    stored: Optional[dict[date, DayFigures]] = None
    figures = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        count = changes.get(day, 0)
        if day >= settled:
            figures.append(day_figures(session, day, count))
            continue
        hit = kept.get(day)
        if hit is None or hit.changes != count:
            if stored is None:
                stored = _stored_days(session, first, settled)
            hit = stored.get(day)
        if hit is None or hit.changes != count:
            hit = day_figures(session, day, count)
            _store(session, hit, first)
        kept[day] = hit
        figures.append(hit)
    for day in [d for d in kept if d < first]:
        kept.pop(day, None)
    return History(
        [DayFlow(f.day, f.inflow, f.resolved) for f in figures],
        ResponseTimes(median([f.first_response for f in figures]), median([f.resolution for f in figures])),
    )


def _pack(values: array) -> bytes:
    if sys.byteorder == "big":
        values = array("d", values)
        values.byteswap()
    return values.tobytes()


def _unpack(raw: bytes) -> array:
    values = array("d")
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _stored_days(session: so.Session, first: date, settled: date) -> dict[date, DayFigures]:
    rows = session.scalars(sa.select(HistoryDay).where(HistoryDay.day >= first, HistoryDay.day < settled))
    return {
        r.day: DayFigures(r.day, r.changes, r.inflow, r.resolved, _unpack(r.first_response_seconds), _unpack(r.resolution_seconds))
        for r in rows
    }


def _store(session: so.Session, figures: DayFigures, first: date) -> None:
    """Upsert one computed day (two processes may compute the same day) and drop days before `first`."""
    values = {
        "day": figures.day, "changes": figures.changes, "inflow": figures.inflow, "resolved": figures.resolved,
        "first_response_seconds": _pack(figures.first_response), "resolution_seconds": _pack(figures.resolution),
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(HistoryDay).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=[HistoryDay.day], set_=values))
    session.execute(sa.delete(HistoryDay).where(HistoryDay.day < first))


def kth_smallest(runs: Sequence[Sequence[float]], k: int) -> float:
    """The k-th smallest value (0-based) across sorted runs, without merging them.

    It is the smallest value whose rank (how many values are <= it) exceeds k: each run's
    first such value is found by binary search, and the least of those is the answer.
    """
    runs = [r for r in runs if len(r)]

    def rank(x: float) -> int:
        return sum(bisect_right(r, x) for r in runs)

    best: Optional[float] = None
    for run in runs:
        lo, hi = 0, len(run)
        while lo < hi:
            mid = (lo + hi) // 2
            if rank(run[mid]) > k:
                hi = mid
            else:
                lo = mid + 1
        if lo < len(run) and (best is None or run[lo] < best):
            best = run[lo]
    if best is None:
        raise IndexError(f"no {k}-th value in {sum(len(r) for r in runs)} values")
    return best


def median(runs: Sequence[Sequence[float]]) -> Optional[float]:
    """The median of all values in the sorted runs (mean of the middle two when even), or None."""
    n = sum(len(r) for r in runs)
    if n == 0:
        return None
    if n % 2:
        return kth_smallest(runs, n // 2)
    return (kth_smallest(runs, n // 2 - 1) + kth_smallest(runs, n // 2)) / 2


# --- the triggers that count changes to past days -------------------------------------------

# (timestamp column, condition under which a change moves it) per operation; a row's day
# counts when the column is set, the condition holds and the day is before today (WIB).
_MOVED = {
    "created_at": ("created_at",),
    "resolved_at": ("resolved_at", "merged_into_id"),
    "first_response_at": ("first_response_at", "merged_into_id"),
}


def _day(dialect: str, value: str) -> str:
    if dialect == "postgresql":
        return f"(({value}) + interval '7 hours')::date"
    return f"date({value}, '+7 hours')"


def _today(dialect: str) -> str:
    if dialect == "postgresql":
        return "((now() AT TIME ZONE 'UTC') + interval '7 hours')::date"
    return "date('now', '+7 hours')"


def _terms(dialect: str, operation: str) -> list[tuple[str, str]]:
    """(day expression, test) for each timestamp this operation may move off or onto a past day."""
    distinct = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    terms = []
    for column, movers in _MOVED.items():
        rows = {"INSERT": ("NEW",), "DELETE": ("OLD",), "UPDATE": ("OLD", "NEW")}[operation]
        changed = " OR ".join(f"OLD.{m} {distinct} NEW.{m}" for m in movers) if operation == "UPDATE" else None
        for row in rows:
            day = _day(dialect, f"{row}.{column}")
            test = f"{day} < {_today(dialect)}"
            terms.append((day, f"({changed}) AND {test}" if changed else test))
    return terms


def closed_day_trigger_ddl(dialect: str) -> list[str]:
    """CREATE statements of the triggers that count changes to tickets dated on past days.

    The common writes (a new ticket today, a resolution today) fail the WHEN test and run
    nothing; PostgreSQL evaluates it without entering PL/pgSQL. Also frozen in migration 0005.
    """
    statements = []
    for operation in ("INSERT", "UPDATE", "DELETE"):
        terms = _terms(dialect, operation)
        when = " OR ".join(f"({test})" for _day_expr, test in terms)
        days = " UNION ".join(f"SELECT {day} AS day WHERE {test}" for day, test in terms)
        name = f"closed_day_{operation.lower()}"
        of = " OF created_at, resolved_at, first_response_at, merged_into_id" if operation == "UPDATE" else ""
        if dialect == "postgresql":
            statements.append(
                f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  INSERT INTO closed_day_changes AS c (day, changes)
                  SELECT d.day, 1 FROM ({days}) AS d
                  ON CONFLICT (day) DO UPDATE SET changes = c.changes + 1;
                  RETURN NULL;
                END $$"""
            )
            statements.append(
                f"CREATE TRIGGER {name} AFTER {operation}{of} ON tickets FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION {name}()"
            )
        else:
            statements.append(
                f"""CREATE TRIGGER {name} AFTER {operation}{of} ON tickets FOR EACH ROW WHEN {when}
                BEGIN
                  INSERT OR IGNORE INTO closed_day_changes (day, changes) SELECT day, 0 FROM ({days});
                  UPDATE closed_day_changes SET changes = changes + 1 WHERE day IN ({days});
                END"""
            )
    return statements


@sa.event.listens_for(Base.metadata, "after_create")
def _closed_day_triggers(target, connection, **kw) -> None:
    """create_all (tests, benches) builds the counting triggers too."""
    for statement in closed_day_trigger_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)
