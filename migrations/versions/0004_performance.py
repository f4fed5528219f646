"""performance: partial indexes on the active backlog, dashboard history indexes, text search

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

PostgreSQL gets pg_trgm GIN indexes for ILIKE search; SQLite gets an FTS5 trigram table of
the active backlog kept by triggers (frozen copy of triage.search.SQLITE_SEARCH_DDL).
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('open', 'claimed') AND merged_into_id IS NULL"
UNMERGED = "merged_into_id IS NULL"
ACTIVE_NEW = "new.status IN ('open', 'claimed') AND new.merged_into_id IS NULL"
CONTACT_TEXT = "(SELECT handle || ' ' || coalesce(display_name, '') FROM contacts WHERE id = new.contact_id)"
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE ticket_search USING fts5(subject, preview, contact, tokenize='trigram')",
    f"""CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets WHEN {ACTIVE_NEW}
    BEGIN INSERT INTO ticket_search(rowid, subject, preview, contact)
    VALUES (new.id, new.subject, new.preview, {CONTACT_TEXT}); END""",
    f"""CREATE TRIGGER ticket_search_update AFTER UPDATE OF status, merged_into_id, subject, preview, contact_id ON tickets
    BEGIN DELETE FROM ticket_search WHERE rowid = old.id;
    INSERT INTO ticket_search(rowid, subject, preview, contact)
    SELECT new.id, new.subject, new.preview, {CONTACT_TEXT} WHERE {ACTIVE_NEW}; END""",
    """CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets
    BEGIN DELETE FROM ticket_search WHERE rowid = old.id; END""",
    """CREATE TRIGGER ticket_search_contact AFTER UPDATE OF handle, display_name ON contacts
    BEGIN UPDATE ticket_search SET contact = new.handle || ' ' || coalesce(new.display_name, '')
    WHERE rowid IN (SELECT id FROM tickets WHERE contact_id = new.id); END""",
    """INSERT INTO ticket_search(rowid, subject, preview, contact)
    SELECT t.id, t.subject, t.preview, c.handle || ' ' || coalesce(c.display_name, '')
    FROM tickets t JOIN contacts c ON c.id = t.contact_id
    WHERE t.status IN ('open', 'claimed') AND t.merged_into_id IS NULL""",
)
PARTIAL = (
    ("ix_tickets_active_due", ["due_at", "id"], ACTIVE),
    ("ix_tickets_active_label_due", ["label", "due_at", "id"], ACTIVE),
    ("ix_tickets_active_stats", ["label", "channel", "created_at", "due_at", "confidence", "needs_review"], ACTIVE),
    ("ix_tickets_resolved_unmerged", ["resolved_at", "created_at", "status", "assignee_id"], UNMERGED),
    ("ix_tickets_first_response_unmerged", ["first_response_at", "created_at"], UNMERGED),
)
TRIGRAM = (
    ("ix_tickets_active_subject_trgm", "tickets", "subject", ACTIVE),
    ("ix_tickets_active_preview_trgm", "tickets", "preview", ACTIVE),
    ("ix_contacts_handle_trgm", "contacts", "handle", None),
    ("ix_contacts_display_name_trgm", "contacts", "display_name", None),
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, columns, where in PARTIAL:
        op.create_index(name, "tickets", columns, sqlite_where=sa.text(where), postgresql_where=sa.text(where))
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        for name, table, column, where in TRIGRAM:
            op.create_index(
                name, table, [column], postgresql_using="gin", postgresql_ops={column: "public.gin_trgm_ops"},
                postgresql_where=sa.text(where) if where else None,
            )
    elif dialect == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, table, _column, _where in TRIGRAM:
            op.drop_index(name, table_name=table)
    elif dialect == "sqlite":
        for trigger in ("ticket_search_insert", "ticket_search_update", "ticket_search_delete", "ticket_search_contact"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS ticket_search")
    for name, _columns, _where in reversed(PARTIAL):
        op.drop_index(name, table_name="tickets")
