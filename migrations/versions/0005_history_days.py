"""history_days and closed_day_changes: the dashboard history per past day, and triggers counting its changes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

The dashboard keeps each past WIB day's figures and recomputes a day only when its count
here moves (triage.history). Triggers on tickets keep the counts on every write path. The
trigger text is a frozen copy of triage.history.closed_day_trigger_ddl at this revision.
The two unmerged history indexes gain merged_into_id, so that SQLite reads them as covering.
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MOVED = {
    "created_at": ("created_at",),
    "resolved_at": ("resolved_at", "merged_into_id"),
    "first_response_at": ("first_response_at", "merged_into_id"),
}
OPERATIONS = ("INSERT", "UPDATE", "DELETE")
UNMERGED = "merged_into_id IS NULL"
HISTORY_INDEXES = (
    ("ix_tickets_resolved_unmerged", ["resolved_at", "created_at", "status", "assignee_id"]),
    ("ix_tickets_first_response_unmerged", ["first_response_at", "created_at"]),
)


def _recreate_history_indexes(extra: list) -> None:
    for name, columns in HISTORY_INDEXES:
        op.drop_index(name, table_name="tickets")
        op.create_index(name, "tickets", columns + extra, sqlite_where=sa.text(UNMERGED), postgresql_where=sa.text(UNMERGED))


def _day(dialect: str, value: str) -> str:
    if dialect == "postgresql":
        return f"(({value}) + interval '7 hours')::date"
    return f"date({value}, '+7 hours')"


def _today(dialect: str) -> str:
    if dialect == "postgresql":
        return "((now() AT TIME ZONE 'UTC') + interval '7 hours')::date"
    return "date('now', '+7 hours')"


def _terms(dialect: str, operation: str) -> list:
    distinct = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    terms = []
    for column, movers in MOVED.items():
        rows = {"INSERT": ("NEW",), "DELETE": ("OLD",), "UPDATE": ("OLD", "NEW")}[operation]
        changed = " OR ".join(f"OLD.{m} {distinct} NEW.{m}" for m in movers) if operation == "UPDATE" else None
        for row in rows:
            day = _day(dialect, f"{row}.{column}")
            test = f"{day} < {_today(dialect)}"
            terms.append((day, f"({changed}) AND {test}" if changed else test))
    return terms


def _trigger_ddl(dialect: str) -> list:
    statements = []
    for operation in OPERATIONS:
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


def upgrade() -> None:
    op.create_table(
        "closed_day_changes",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_closed_day_changes")),
    )
    op.create_table(
        "history_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("inflow", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("first_response_seconds", sa.LargeBinary(), nullable=False),
        sa.Column("resolution_seconds", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_history_days")),
    )
    for statement in _trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    _recreate_history_indexes(["merged_into_id"])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _recreate_history_indexes([])
    for operation in OPERATIONS:
        name = f"closed_day_{operation.lower()}"
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON tickets")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("history_days")
    op.drop_table("closed_day_changes")
