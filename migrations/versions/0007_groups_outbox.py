"""ticket_groups, group_exclusions, group_sends, outbox; tickets.group_id

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Surges: tickets of many people with the same problem form groups, and every outgoing reply
goes through a durable outbox. Triggers on tickets keep each group's size (its active members);
their text is a frozen copy of triage.models.groups.group_size_trigger_ddl at this revision.
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('open', 'claimed') AND {row}.merged_into_id IS NULL"
SIZE_TRIGGERS = ("group_size_insert", "group_size_update", "group_size_delete")


def _size_trigger_ddl(dialect: str) -> list:
    old_active = "(OLD." + ACTIVE.format(row="OLD") + ")"
    new_active = "(NEW." + ACTIVE.format(row="NEW") + ")"
    distinct = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    when = {
        "INSERT": f"NEW.group_id IS NOT NULL AND {new_active}",
        "UPDATE": (
            f"(OLD.group_id IS NOT NULL OR NEW.group_id IS NOT NULL) AND "
            f"(OLD.group_id {distinct} NEW.group_id OR {old_active} <> {new_active})"
        ),
        "DELETE": f"OLD.group_id IS NOT NULL AND {old_active}",
    }
    leave = f"UPDATE ticket_groups SET size = size - 1 WHERE id = OLD.group_id AND {old_active}"
    join = f"UPDATE ticket_groups SET size = size + 1 WHERE id = NEW.group_id AND {new_active}"
    steps = {"INSERT": [join], "UPDATE": [leave, join], "DELETE": [leave]}
    statements = []
    for operation, name in zip(("INSERT", "UPDATE", "DELETE"), SIZE_TRIGGERS):
        of = " OF group_id, status, merged_into_id" if operation == "UPDATE" else ""
        body = ";\n".join(steps[operation]) + ";"
        if dialect == "postgresql":
            statements.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$"
            )
            statements.append(
                f"CREATE TRIGGER {name} AFTER {operation}{of} ON tickets FOR EACH ROW WHEN ({when[operation]}) "
                f"EXECUTE FUNCTION {name}()"
            )
        else:
            statements.append(
                f"CREATE TRIGGER {name} AFTER {operation}{of} ON tickets FOR EACH ROW WHEN {when[operation]} BEGIN {body} END"
            )
    return statements


def upgrade() -> None:
    op.create_table(
        "ticket_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("shared", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("first_ticket_at", sa.DateTime(), nullable=False),
        sa.Column("last_ticket_at", sa.DateTime(), nullable=False),
        sa.Column("centroid", sa.JSON(), nullable=False),
        sa.Column("surge_since", sa.DateTime(), nullable=True),
        sa.Column("surge_alerted_at", sa.DateTime(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_ticket_groups_assignee_id_users")),
        sa.ForeignKeyConstraint(["merged_into_id"], ["ticket_groups.id"], name=op.f("fk_ticket_groups_merged_into_id_ticket_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_groups")),
    )
    op.create_index("ix_ticket_groups_label_key_last", "ticket_groups", ["label", "key", "last_ticket_at"])
    op.create_index("ix_ticket_groups_status_surge", "ticket_groups", ["status", "surge_since"])
    # A plain ADD COLUMN: a batch (copy-and-move) of tickets on SQLite would break the
    # search triggers that name the table.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE tickets ADD COLUMN group_id INTEGER "
            "CONSTRAINT fk_tickets_group_id_ticket_groups REFERENCES ticket_groups (id)"
        )
    else:
        op.add_column("tickets", sa.Column("group_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_tickets_group_id_ticket_groups", "tickets", "ticket_groups", ["group_id"], ["id"])
    op.create_index("ix_tickets_group_created", "tickets", ["group_id", "created_at"], unique=False)
    # Each group's active members from the index alone (the group list, the API's ticket ids).
    active = "status IN ('open', 'claimed') AND merged_into_id IS NULL"
    op.create_index("ix_tickets_group_active", "tickets", ["group_id", "id", "status", "merged_into_id"],
                    sqlite_where=sa.text(active), postgresql_where=sa.text(active))
    for statement in _size_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.create_table(
        "group_exclusions",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["ticket_groups.id"], name=op.f("fk_group_exclusions_group_id_ticket_groups")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_group_exclusions_ticket_id_tickets")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_group_exclusions_user_id_users")),
        sa.PrimaryKeyConstraint("ticket_id", "group_id", name=op.f("pk_group_exclusions")),
    )
    op.create_table(
        "group_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("resolve", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("request_key", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_group_sends_actor_id_users")),
        sa.ForeignKeyConstraint(["group_id"], ["ticket_groups.id"], name=op.f("fk_group_sends_group_id_ticket_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_sends")),
        sa.UniqueConstraint("request_key", name=op.f("uq_group_sends_request_key")),
    )
    op.create_index(op.f("ix_group_sends_group_id"), "group_sends", ["group_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=512), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("in_reply_to", sa.String(length=512), nullable=True),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("group_send_id", sa.Integer(), nullable=True),
        sa.Column("resolve_after", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_outbox_author_id_users")),
        sa.ForeignKeyConstraint(["group_send_id"], ["group_sends.id"], name=op.f("fk_outbox_group_send_id_group_sends")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_outbox_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_ticket", "outbox", ["ticket_id", "created_at"])
    op.create_index("ix_outbox_group_send", "outbox", ["group_send_id", "status"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("group_sends")
    op.drop_table("group_exclusions")
    for name in SIZE_TRIGGERS:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON tickets")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_tickets_group_active", table_name="tickets")
    op.drop_index("ix_tickets_group_created", table_name="tickets")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_tickets_group_id_ticket_groups", "tickets", type_="foreignkey")
    op.drop_column("tickets", "group_id")  # SQLite 3.35+ drops a column whose only reference is its own
    op.drop_table("ticket_groups")
