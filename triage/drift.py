"""Drift: how often agents corrected the classifier, per category (the model's label) and ISO
week of the ticket's arrival (WIB), so a supervisor sees a category the model is losing.

A ticket counts once under the label the model gave it (the first relabel's "from", else
its label now); it is corrected when an agent relabeled it at least once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import LabelChange, Ticket, utcnow
from triage.taxonomy import LABELS

WIB = timezone(timedelta(hours=7))
DRIFT_WEEKS = 8
RECENT_DAYS = 7


@dataclass(frozen=True)
class Cell:
    labeled: int = 0  # tickets the model labeled with this category
    corrected: int = 0  # of them, relabeled by an agent

    @property
    def rate(self) -> Optional[float]:
        return self.corrected / self.labeled if self.labeled else None


@dataclass(frozen=True)
class Drift:
    weeks: list[str]  # ISO weeks, oldest first ("2026-W49")
    cells: dict[str, list[Cell]]  # label -> one cell per week


def _original_label_counts(session: so.Session, bounds: list[datetime]) -> dict[tuple[int, str], Cell]:
    """(bucket, model label) -> Cell for tickets created in [bounds[i], bounds[i+1])."""
    first = (
        sa.select(LabelChange.ticket_id, sa.func.min(LabelChange.id).label("first_id"))
        .group_by(LabelChange.ticket_id)
        .subquery()
    )
    change = so.aliased(LabelChange)
    original = sa.func.coalesce(change.from_label, Ticket.label)
    bucket = sa.case(*((Ticket.created_at < end, i) for i, end in enumerate(bounds[1:])), else_=-1)
    rows = session.execute(
        sa.select(bucket, original, sa.func.count(Ticket.id), sa.func.count(change.id))
        .select_from(Ticket)
        .outerjoin(first, first.c.ticket_id == Ticket.id)
        .outerjoin(change, change.id == first.c.first_id)
        .where(Ticket.created_at >= bounds[0], Ticket.created_at < bounds[-1])
        .group_by(bucket, original)
    ).all()
    return {(int(b), label): Cell(int(n), int(c)) for b, label, n, c in rows}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def by_week(session: so.Session, weeks: int = DRIFT_WEEKS, now: Optional[datetime] = None) -> Drift:
    """The last `weeks` ISO weeks (this one included), per label."""
    this_week = _monday((now or utcnow()).astimezone(WIB).date())
    mondays = [this_week - timedelta(weeks=weeks - 1 - i) for i in range(weeks + 1)]
    bounds = [datetime(d.year, d.month, d.day, tzinfo=WIB).astimezone(timezone.utc) for d in mondays]
    counts = _original_label_counts(session, bounds)
    names = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in mondays[:-1]]
    return Drift(names, {label: [counts.get((i, label), Cell()) for i in range(weeks)] for label in LABELS})


def recent(session: so.Session, days: int = RECENT_DAYS, now: Optional[datetime] = None) -> dict[str, Cell]:
    """Per label, the tickets of the last `days` days (for /metrics)."""
    end = now or utcnow()
    counts = _original_label_counts(session, [end - timedelta(days=days), end + timedelta(microseconds=1)])
    return {label: counts.get((0, label), Cell()) for label in LABELS}


def corrections(session: so.Session) -> list[tuple[str, str, int]]:
    """Every relabel ever made, by (from, to): the classifier's confusions as agents saw them."""
    rows = session.execute(
        sa.select(LabelChange.from_label, LabelChange.to_label, sa.func.count())
        .group_by(LabelChange.from_label, LabelChange.to_label)
        .order_by(LabelChange.from_label, LabelChange.to_label)
    ).all()
    return [(f, t, int(n)) for f, t, n in rows]
