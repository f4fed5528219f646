"""What every table module shares: the declarative base, UTC timestamps, ticket statuses.

Times are stored as naive UTC and handed back as aware UTC (UTCDateTime), so that
SQLite and PostgreSQL behave alike.
"""
from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.types import TypeDecorator

CHANNELS = ("email", "instagram")
ROLES = ("agent", "supervisor", "admin")
SUPERVISOR_ROLES = ("supervisor", "admin")  # see the dashboard and the team, may step in on any ticket
# The largest id a row can have on both databases (PostgreSQL integer); a bigger number sent
# as an id names nothing, and must never reach a driver (SQLite overflows beyond int64).
MAX_ID = 2**31 - 1


def parse_id(raw: object) -> Optional[int]:
    """The id a form or query value names (plain digits, 1..MAX_ID), else None."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


class TicketStatus(StrEnum):
    """Where a ticket stands; a member equals its text, so rows read back compare equal."""

    OPEN = "open"  # in the queue, nobody holds it
    CLAIMED = "claimed"  # an agent holds it (assignee_id, claimed_at)
    RESOLVED = "resolved"  # answered, or merged into another ticket
    NOISE = "noise"  # not a complaint: kept, out of the queue


# The active backlog: what the queue shows and agents work on.
ACTIVE_STATUSES: tuple[TicketStatus, ...] = (TicketStatus.OPEN, TicketStatus.CLAIMED)
CLOSED_STATUSES: tuple[TicketStatus, ...] = tuple(s for s in TicketStatus if s not in ACTIVE_STATUSES)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always UTC in Python and naive UTC in the database."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def active_where(table: str = "") -> str:
    """The active backlog as SQL text with literal statuses, for DDL (index predicates, triggers)
    that takes no parameters; `table` qualifies the columns ("new.", "t.")."""
    statuses = ", ".join(f"'{status}'" for status in ACTIVE_STATUSES)
    return f"{table}status IN ({statuses}) AND {table}merged_into_id IS NULL"


# The active backlog as partial indexes spell it; queries use active_clause(), which renders
# the same literals, so that SQLite and PostgreSQL can match the index predicate.
ACTIVE_WHERE = active_where()


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: sa.JSON, list[Any]: sa.JSON}
