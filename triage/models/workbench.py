"""What the agent's workbench keeps on the server: saved queue views, drafts while typed,
one-time keys that make a form submitted twice act once, and email attachments."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models.base import Base, utcnow

DRAFT_KINDS = ("reply", "note")


class SavedView(Base):
    """A named set of queue filters one user keeps (the query arguments of the queue page)."""

    __tablename__ = "saved_views"
    __table_args__ = (sa.UniqueConstraint("user_id", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    filters: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict)
    position: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Draft(Base):
    """What one agent has typed, and not yet sent or saved, in one box of one ticket."""

    __tablename__ = "drafts"

    ticket_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tickets.id"), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)  # DRAFT_KINDS
    body: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class FormSubmission(Base):
    """A form's one-time key, stored when its action is done: the same key again does nothing."""

    __tablename__ = "form_submissions"
    __table_args__ = (sa.Index("ix_form_submissions_created_at", "created_at"),)

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    user_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    action: so.Mapped[str] = so.mapped_column(sa.String(32))
    ticket_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("tickets.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Attachment(Base):
    """A file a participant sent with an email, kept up to a size cap; its type is sniffed from
    the bytes, never taken from the sender. Served only as a download, images also as a thumbnail."""

    __tablename__ = "attachments"
    __table_args__ = (sa.Index("ix_attachments_message", "message_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    message_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("messages.id"))
    filename: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    declared_type: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100), default="application/octet-stream")
    size: so.Mapped[int] = so.mapped_column(default=0)
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    # None when the file was over the cap: its name and size are still shown.
    data: so.Mapped[Optional[bytes]] = so.mapped_column(sa.LargeBinary, deferred=True)
    thumbnail: so.Mapped[Optional[bytes]] = so.mapped_column(sa.LargeBinary, deferred=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
