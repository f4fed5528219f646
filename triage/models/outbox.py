"""The outbox: every outgoing reply is a row before it is sent (triage.outbox).

An email reply's Message-ID is fixed when the row is written, before the first attempt.
An Instagram answer waits in the outbox until an agent has posted it by hand.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models.base import Base, utcnow

# accepted: the mail server took it (250); it is being recorded on its ticket, then sent.
OUTBOX_STATUSES = ("pending", "sending", "accepted", "sent", "failed", "cancelled")


class OutboxReply(Base):
    """One reply to one ticket: pending, being sent, taken by the server, sent, failed for good, or cancelled."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_status_next", "status", "next_attempt_at"),
        sa.Index("ix_outbox_ticket", "ticket_id", "created_at"),
        sa.Index("ix_outbox_group_send", "group_send_id", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ticket_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tickets.id"))
    channel: so.Mapped[str] = so.mapped_column(sa.String(16))
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="pending")
    message_id: so.Mapped[Optional[str]] = so.mapped_column(sa.String(512), unique=True)  # email: fixed at enqueue
    recipient: so.Mapped[str] = so.mapped_column(sa.String(320), default="")
    subject: so.Mapped[Optional[str]] = so.mapped_column(sa.String(500))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    in_reply_to: so.Mapped[Optional[str]] = so.mapped_column(sa.String(512))
    references: so.Mapped[list[Any]] = so.mapped_column(default=list)
    author_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    group_send_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("group_sends.id"))
    resolve_after: so.Mapped[bool] = so.mapped_column(default=False)  # resolve the ticket once sent
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    holder: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))  # the sender process working on it
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[Optional[datetime]]
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
