"""Text search over the active backlog: trigram indexes on PostgreSQL, an FTS5 table on SQLite.

PostgreSQL answers ILIKE '%text%' from pg_trgm GIN indexes (partial: active tickets only,
plus the contacts' handles and names). SQLite has no trigram index, so an FTS5 table with
the trigram tokenizer holds the subject, first line and contact of every active ticket,
kept by triggers; a substring of three or more characters is a MATCH on it (shorter
text scans that small table). Both match the same substrings, case-insensitively.
"""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa

from triage.models import Base, Contact, Ticket, active_clause, active_where

SQLITE_SEARCH_TABLE = "ticket_search"
_ACTIVE_NEW = active_where("new.")
_CONTACT_TEXT = "(SELECT handle || ' ' || coalesce(display_name, '') FROM contacts WHERE id = new.contact_id)"

# Also in migration 0004 (frozen there); the tests' create_all runs these.
SQLITE_SEARCH_DDL = (
    f"CREATE VIRTUAL TABLE {SQLITE_SEARCH_TABLE} USING fts5(subject, preview, contact, tokenize='trigram')",
    f"""CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets WHEN {_ACTIVE_NEW}
    BEGIN INSERT INTO {SQLITE_SEARCH_TABLE}(rowid, subject, preview, contact)
    VALUES (new.id, new.subject, new.preview, {_CONTACT_TEXT}); END""",
    f"""CREATE TRIGGER ticket_search_update AFTER UPDATE OF status, merged_into_id, subject, preview, contact_id ON tickets
    BEGIN DELETE FROM {SQLITE_SEARCH_TABLE} WHERE rowid = old.id;
    INSERT INTO {SQLITE_SEARCH_TABLE}(rowid, subject, preview, contact)
    SELECT new.id, new.subject, new.preview, {_CONTACT_TEXT} WHERE {_ACTIVE_NEW}; END""",
    f"""CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets
    BEGIN DELETE FROM {SQLITE_SEARCH_TABLE} WHERE rowid = old.id; END""",
    f"""CREATE TRIGGER ticket_search_contact AFTER UPDATE OF handle, display_name ON contacts
    BEGIN UPDATE {SQLITE_SEARCH_TABLE} SET contact = new.handle || ' ' || coalesce(new.display_name, '')
    WHERE rowid IN (SELECT id FROM tickets WHERE contact_id = new.id); END""",
)
SQLITE_SEARCH_FILL = f"""INSERT INTO {SQLITE_SEARCH_TABLE}(rowid, subject, preview, contact)
SELECT t.id, t.subject, t.preview, c.handle || ' ' || coalesce(c.display_name, '')
FROM tickets t JOIN contacts c ON c.id = t.contact_id
WHERE {active_where("t.")}"""

_search = sa.table(SQLITE_SEARCH_TABLE, sa.column("rowid"), sa.column("subject"), sa.column("preview"), sa.column("contact"))


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def scan_condition(text: str) -> sa.ColumnElement[bool]:
    """The same match as a row filter, for searches beyond the active backlog (no index)."""
    pattern = like_pattern(text)
    matches = [
        Ticket.subject.ilike(pattern, escape="\\"),
        Ticket.preview.ilike(pattern, escape="\\"),
        Ticket.contact.has(sa.or_(Contact.handle.ilike(pattern, escape="\\"), Contact.display_name.ilike(pattern, escape="\\"))),
    ]
    if text.lstrip("#").isdigit() and len(text) < 10:
        matches.append(Ticket.id == int(text.lstrip("#")))
    return sa.or_(*matches)


def matching_ids(text: str, dialect: Optional[str]) -> sa.Select[tuple[int]]:
    """Ids of active tickets whose subject, first line or contact contains `text` (any case)."""
    active = active_clause()
    pattern = like_pattern(text)
    if dialect == "sqlite":
        if len(text) >= 3:
            found = sa.select(_search.c.rowid).where(
                sa.text(f"{SQLITE_SEARCH_TABLE} MATCH :phrase").bindparams(phrase='{subject preview contact}: "' + text.replace('"', '""') + '"')
            )
        else:
            found = sa.select(_search.c.rowid).where(
                sa.or_(*(c.like(pattern, escape="\\") for c in (_search.c.subject, _search.c.preview, _search.c.contact)))
            )
        ids = [found]
    else:
        contacts = sa.select(Contact.id).where(
            sa.or_(Contact.handle.ilike(pattern, escape="\\"), Contact.display_name.ilike(pattern, escape="\\"))
        )
        ids = [
            sa.select(Ticket.id).where(active, Ticket.subject.ilike(pattern, escape="\\")),
            sa.select(Ticket.id).where(active, Ticket.preview.ilike(pattern, escape="\\")),
            sa.select(Ticket.id).where(active, Ticket.contact_id.in_(contacts)),
        ]
    if text.lstrip("#").isdigit() and len(text) < 10:
        ids.append(sa.select(Ticket.id).where(Ticket.id == int(text.lstrip("#"))))
    return sa.union(*ids) if len(ids) > 1 else ids[0]


@sa.event.listens_for(Base.metadata, "after_create")
def _sqlite_search(target, connection, **kw) -> None:
    """create_all (tests, benches) builds the FTS5 table and its triggers too."""
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_SEARCH_DDL:
            connection.exec_driver_sql(statement)
