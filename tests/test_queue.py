"""Queue statements: built once per shape of filters, the filters' values passed as parameters."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import T0, ticket
from triage.queue import Cursor, QueueFilters, QueueItem, queue_listing, queue_page


def _ids(session, filters: QueueFilters, after: Cursor | None = None, limit: int | None = None) -> list[int]:
    dialect = session.get_bind().dialect.name
    return [QueueItem._make(r).id for r in session.execute(*queue_listing(filters, after, dialect, limit))]


def _walk(session, filters: QueueFilters, made: list) -> list[int]:
    """Every ticket id of the queue, read one keyset page of one at a time."""
    seen, after = [], None
    while page := _ids(session, filters, after, limit=1):
        seen += page
        t = next(t for t in made if t.id == page[0])
        after = Cursor(t.due_at, t.id)
    return seen


def test_one_statement_serves_every_value_of_a_filter(session):
    a = [ticket(session, "registration", author=f"r{i}@example.com", sent_at=T0) for i in range(3)]
    b = ticket(session, "other", author="o@example.com", sent_at=T0)
    dialect = session.get_bind().dialect.name
    registration, other = QueueFilters(label="registration"), QueueFilters(label="other")
    assert queue_listing(registration, None, dialect)[0] is queue_listing(other, None, dialect)[0]
    assert _ids(session, registration) == [t.id for t in a]
    assert _ids(session, other) == [b.id]
    # Keyset pages of one through tickets due at the same moment: every one once, in id order.
    assert _walk(session, registration, a) == [t.id for t in a]


def test_queue_page_carries_its_values(session):
    a = ticket(session, "registration", author="r@example.com", sent_at=T0)
    ticket(session, "other", author="o@example.com", sent_at=T0)
    dialect = session.get_bind().dialect.name
    assert [t.id for t in session.scalars(queue_page(QueueFilters(label="registration"), None, dialect)).unique()] == [a.id]
    assert session.scalars(queue_page(QueueFilters(label="registration"), Cursor(a.due_at, a.id), dialect)).unique().all() == []


def test_pages_follow_on_whatever_the_database_clock_zone(session):
    """The cursor's time is compared as stored (naive UTC), not as a zoned time the server shifts."""
    made = [ticket(session, "registration", author=f"z{i}@example.com", sent_at=T0 + timedelta(hours=i)) for i in range(4)]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL TIME ZONE 'Asia/Jakarta'"))
    assert _walk(session, QueueFilters(), made) == [t.id for t in made]
