"""Storing: a batch written in one go, or record by record when one of them fails.

The batch goes in one savepoint: groups given (triage.pipeline.grouping), due times set, then
one flush (new contacts, changed tickets) and one executemany each for the new tickets, the
messages and their attached files (triage.attachments). If anything
fails, the batch is stored again record by record, a savepoint each, so one bad record is
quarantined without undoing the others. A failing database is not a bad record: that
error rolls the batch back and fails the run, which resumes from its cursor.
"""
from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.attachments import store_files
from triage.models import AuditEvent, Contact, Message, Ticket
from triage.pipeline.batch import Batch
from triage.pipeline.grouping import assign_groups
from triage.pipeline.item import Item, Outcome, PipelineConfig
from triage.pipeline.queries import chunks
from triage.pipeline.screen import Quarantine
from triage.priority import set_due
from triage.transactions import is_infrastructure_error, savepoint


def write(session: so.Session, batch: Batch, config: PipelineConfig) -> dict[int, Outcome]:
    """Set due times, write everything, and say what became of each record."""
    stored = _stored_inbound_texts(session, [t.id for t in batch.due_texts if t.id is not None])
    for ticket, texts in batch.due_texts.items():
        set_due(ticket, stored.get(ticket.id, []) + texts)  # type: ignore[arg-type]
    if session.get_bind().dialect.name == "sqlite":
        _number_new_rows(session, batch)
    session.flush()  # new contacts, changed tickets
    _insert_new_tickets(session, batch)
    for ticket, row in batch.new_messages:
        row["ticket_id"] = ticket.id
    session.execute(sa.insert(Message.__table__), [row for _, row in batch.new_messages])
    store_files(session, batch.new_files, config.attachment_max_bytes, config.attachments_per_message)
    for ticket in {ticket: None for ticket, _ in batch.new_messages if isinstance(ticket, Ticket)}:
        session.expire(ticket, ["messages"])  # a list loaded before lacks the new messages
    if batch.reopened or batch.moved:  # written last: a ticket opened in this batch has an id only now
        session.add_all(
            AuditEvent(action="ticket.reopened", ticket_id=ticket.id, detail={"message": source_id})
            for ticket, source_id in batch.reopened
        )
        # A reply that moved its ticket: the system's move, never an agent's LabelChange (the
        # training feedback), shown in the ticket's timeline with its reason.
        session.add_all(AuditEvent(action="ticket.label_moved", ticket_id=ticket.id, detail=detail) for ticket, detail in batch.moved)
        session.flush()
    return {
        i: Outcome(kind, ticket_id=ticket.id, noise=noise, revision=revision)
        for i, kind, ticket, noise, revision in batch.done
    }


def _insert_new_tickets(session: so.Session, batch: Batch) -> None:
    """One executemany for the batch's new tickets; where ids are not known yet, the
    database returns them in the order of the rows."""
    if not batch.new_tickets:
        return
    table = Ticket.__table__
    rows = [ticket.row() for ticket in batch.new_tickets]
    if batch.new_tickets[0].id is not None:
        # SQLite (ids numbered above). RETURNING makes SQLAlchemy send multi-row INSERTs
        # ("insertmanyvalues") instead of a statement per row: the search index's insert
        # trigger writes to FTS5, which flushes its buffer at the end of every statement,
        # and that flush per row cost more than the rest of the insert.
        session.execute(sa.insert(table).returning(table.c.id), rows).all()
        return
    returning = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for ticket, ticket_id in zip(batch.new_tickets, session.scalars(returning, rows)):
        ticket.id = ticket_id


def _number_new_rows(session: so.Session, batch: Batch) -> None:
    """Give new rows the ids SQLite would give them (largest id + 1, + 2, ...).

    SQLite does not promise the order of the ids a multi-row INSERT returns, so
    SQLAlchemy inserts rows whose ids it must learn one statement at a time; with
    the ids known, each table takes one executemany. Nothing can insert in between:
    SQLite has one writer at a time and refuses a write from a stale snapshot; and
    if an id were taken anyway, the insert fails and the batch goes record by record.
    """
    for model, rows in ((Contact, batch.contacts.new), (Ticket, batch.new_tickets)):
        if rows:
            last = session.scalar(sa.select(sa.func.max(model.id))) or 0
            for row_id, row in enumerate(rows, start=last + 1):
                row.id = row_id


def _stored_inbound_texts(session: so.Session, ticket_ids: list[int]) -> dict[int, list[str]]:
    """The inbound texts already stored on these tickets (read before this batch's flush)."""
    texts: dict[int, list[str]] = {}
    for chunk in chunks(sorted(ticket_ids)):
        rows = session.execute(
            sa.select(Message.ticket_id, Message.text).where(Message.ticket_id.in_(chunk), Message.direction == "inbound")
        )
        for ticket_id, text in rows:
            texts.setdefault(ticket_id, []).append(text)
    return texts


def _store_together(session: so.Session, items: Sequence[Item], config: PipelineConfig) -> tuple[dict[int, Outcome], list[int]]:
    """Store records in one go (no autoflush: the batch is written once, at the end), each
    ticket with its group; the outcomes and the groups that grew."""
    with session.no_autoflush:
        batch = Batch(session, items, config)
        for item in items:
            if item.prediction is None:
                batch.add_outbound(item)
            else:
                batch.add_record(item)
        grown = assign_groups(session, batch.complaints, config)
        return write(session, batch, config), grown


def store(
    session: so.Session, items: Sequence[Item], config: PipelineConfig, refused: Quarantine, outcomes: dict[int, Outcome]
) -> list[int]:
    """Store the items in one savepoint; if anything in it fails, roll that back and store
    record by record, each in a savepoint of its own, so one bad record never stops the
    ones behind it: it alone is quarantined. An infrastructure error is raised instead.
    Returns the ids of the groups the stored tickets joined."""
    if not items:
        return []
    if len(items) > 1:
        try:
            with savepoint(session):
                stored, grown = _store_together(session, items, config)
        except Exception as exc:  # noqa: BLE001 - the slow path below finds the record at fault
            if is_infrastructure_error(exc):
                raise
        else:
            outcomes.update(stored)
            return grown
    grown = []
    for item in items:
        try:
            with savepoint(session):
                stored, joined = _store_together(session, [item], config)
        except Exception as exc:  # one record must never stop the ones behind it
            if is_infrastructure_error(exc):
                raise
            outcomes[item.index] = refused.refuse_failed(item.record, exc)
        else:
            outcomes.update(stored)
            grown += joined
    return grown
