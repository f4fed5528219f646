"""tickets.anonymized_at and the retention index

Revision ID: 0011_privacy
Revises: 0008
Create Date: 2026-12-07

Personal data under UU No. 27/2022 (triage.erasure, triage.retention): a ticket whose personal
data was erased keeps its row for the statistics and says since when it is anonymous; the
retention job finds the closed tickets that still hold personal data from a partial index.
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_privacy"
down_revision = "0009_sessions"
branch_labels = None
depends_on = None

NOT_ANONYMIZED = "anonymized_at IS NULL"


def upgrade() -> None:
    op.add_column("tickets", sa.Column("anonymized_at", sa.DateTime(), nullable=True))
    op.create_index(
        "ix_tickets_retention", "tickets", ["resolved_at", "last_message_at"],
        sqlite_where=sa.text(NOT_ANONYMIZED), postgresql_where=sa.text(NOT_ANONYMIZED),
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_retention", table_name="tickets")
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of tickets would lose its triggers.
    op.drop_column("tickets", "anonymized_at")
