"""quarantined_inputs: one row per bad input, with a count of sightings and the last one

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Replays used to add a row per sighting. Rows of the same input (same source, reference and
payload) are folded into the first one: its count is the number of rows, its last sighting,
run and reason those of the latest. The key is a frozen copy of triage.quarantine.input_key
at this revision.
"""
import hashlib

from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _input_key(source, source_ref, payload) -> str:
    digest = hashlib.sha256()
    for part in (source, source_ref, payload or ""):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def _fold(bind) -> None:
    table = sa.table(
        "quarantined_inputs",
        sa.column("id", sa.Integer), sa.column("source", sa.String), sa.column("source_ref", sa.String),
        sa.column("payload", sa.Text), sa.column("reason", sa.Text), sa.column("run_id", sa.Integer),
        sa.column("created_at", sa.DateTime), sa.column("input_key", sa.String), sa.column("seen_count", sa.Integer),
        sa.column("last_seen_at", sa.DateTime),
    )
    rows = bind.execute(
        sa.select(table.c.id, table.c.source, table.c.source_ref, table.c.payload, table.c.reason, table.c.run_id,
                  table.c.created_at).order_by(table.c.created_at, table.c.id)
    ).all()
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(_input_key(row.source, row.source_ref, row.payload), []).append(row)
    for key, sightings in groups.items():
        first, latest = sightings[0], sightings[-1]
        bind.execute(
            table.update().where(table.c.id == first.id).values(
                input_key=key, seen_count=len(sightings), last_seen_at=latest.created_at, run_id=latest.run_id,
                reason=latest.reason,
            )
        )
        extra = [row.id for row in sightings[1:]]
        for start in range(0, len(extra), 500):
            bind.execute(table.delete().where(table.c.id.in_(extra[start : start + 500])))


def upgrade() -> None:
    with op.batch_alter_table("quarantined_inputs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("input_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("seen_count", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    _fold(op.get_bind())
    with op.batch_alter_table("quarantined_inputs", schema=None) as batch_op:
        batch_op.alter_column("input_key", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("last_seen_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column("seen_count", existing_type=sa.Integer(), server_default=None)
        batch_op.create_unique_constraint(batch_op.f("uq_quarantined_inputs_input_key"), ["input_key"])
        batch_op.create_index(batch_op.f("ix_quarantined_inputs_last_seen_at"), ["last_seen_at"], unique=False)


def downgrade() -> None:
    # The folded sightings are not split again: the one row per input stays.
    with op.batch_alter_table("quarantined_inputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantined_inputs_last_seen_at"))
        batch_op.drop_constraint(batch_op.f("uq_quarantined_inputs_input_key"), type_="unique")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("seen_count")
        batch_op.drop_column("input_key")
