"""The ticket store: typed SQLAlchemy 2.0 models.

The schema itself is owned by Alembic (migrations/); these classes must match it, which a
test checks. The shared base and statuses are in triage.models.base; surges' groups and
the outbox have modules of their own, imported here so every table is registered.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models.base import (  # noqa: F401 - the public names of triage.models
    ACTIVE_STATUSES, ACTIVE_WHERE, CHANNELS, CLOSED_STATUSES, MAX_ID, ROLES, SUPERVISOR_ROLES, Base, TicketStatus,
    UTCDateTime, active_where, parse_id, utcnow,
)


class Contact(Base):
    """One person's identity on one channel (an email address, an Instagram username)."""

    __tablename__ = "contacts"
    __table_args__ = (
        sa.UniqueConstraint("channel", "handle"),
        sa.Index(
            "ix_contacts_handle_trgm", "handle", postgresql_using="gin", postgresql_ops={"handle": "public.gin_trgm_ops"},
            info={"dialect": "postgresql"},
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            "ix_contacts_display_name_trgm", "display_name", postgresql_using="gin",
            postgresql_ops={"display_name": "public.gin_trgm_ops"}, info={"dialect": "postgresql"},
        ).ddl_if(dialect="postgresql"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    channel: so.Mapped[str] = so.mapped_column(sa.String(16))
    handle: so.Mapped[str] = so.mapped_column(sa.String(320))
    display_name: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    tickets: so.WriteOnlyMapped["Ticket"] = so.relationship(back_populates="contact")


class User(Base):
    """A member of the call-center team; skills are the labels an agent may take."""

    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    password_hash: so.Mapped[Optional[str]] = so.mapped_column(sa.String(256))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default="agent")
    skills: so.Mapped[list[Any]] = so.mapped_column(default=list)
    capacity: so.Mapped[int] = so.mapped_column(default=5)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    on_shift: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Round-robin auto-assignment hands the next ticket to whoever waited longest.
    last_assigned_at: so.Mapped[Optional[datetime]]

    # The interface Flask-Login expects of a user object.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_supervisor(self) -> bool:
        return self.role in SUPERVISOR_ROLES


class Ticket(Base):
    """A conversation with one contact about one ask, ordered in the queue by due_at."""

    __tablename__ = "tickets"
    __table_args__ = (
        # The queue: open tickets by due time, optionally filtered.
        sa.Index("ix_tickets_queue", "status", "due_at", "id"),
        sa.Index("ix_tickets_label_queue", "label", "status", "due_at"),
        sa.Index("ix_tickets_channel_queue", "channel", "status", "due_at"),
        sa.Index("ix_tickets_assignee_status", "assignee_id", "status"),
        sa.Index("ix_tickets_review", "needs_review", "status"),
        # Threading by contact window.
        sa.Index("ix_tickets_contact_label", "contact_id", "label", "last_message_at"),
        sa.Index("ix_tickets_created_at", "created_at"),
        # A group's members, and their arrivals in a time range (surge inflow, the sparkline).
        sa.Index("ix_tickets_group_created", "group_id", "created_at"),
        # A group's active members from the index alone (the group list, the groups API).
        sa.Index("ix_tickets_group_active", "group_id", "id", "status", "merged_into_id",
                 sqlite_where=sa.text(ACTIVE_WHERE), postgresql_where=sa.text(ACTIVE_WHERE)),
        # Dashboard: resolved per day and the response/resolution medians of a window.
        sa.Index("ix_tickets_resolved_at", "resolved_at"),
        sa.Index("ix_tickets_first_response_at", "first_response_at"),
        # The active backlog (a small slice of all tickets): queue pages in due order,
        # by category, and the dashboard's backlog figures from the index alone.
        sa.Index("ix_tickets_active_due", "due_at", "id", sqlite_where=sa.text(ACTIVE_WHERE), postgresql_where=sa.text(ACTIVE_WHERE)),
        sa.Index("ix_tickets_active_label_due", "label", "due_at", "id", sqlite_where=sa.text(ACTIVE_WHERE), postgresql_where=sa.text(ACTIVE_WHERE)),
        sa.Index(
            "ix_tickets_active_stats", "label", "channel", "created_at", "due_at", "confidence", "needs_review",
            sqlite_where=sa.text(ACTIVE_WHERE), postgresql_where=sa.text(ACTIVE_WHERE),
        ),
        # Dashboard history without the heap: resolved per day and per agent today, and the
        # medians' (end, created) pairs, for tickets that were not merged away. merged_into_id
        # (always NULL here) is a column too: SQLite calls an index covering only when it holds
        # every column the query names, and otherwise prefers ix_tickets_resolved_at.
        sa.Index(
            "ix_tickets_resolved_unmerged", "resolved_at", "created_at", "status", "assignee_id", "merged_into_id",
            sqlite_where=sa.text("merged_into_id IS NULL"), postgresql_where=sa.text("merged_into_id IS NULL"),
        ),
        sa.Index(
            "ix_tickets_first_response_unmerged", "first_response_at", "created_at", "merged_into_id",
            sqlite_where=sa.text("merged_into_id IS NULL"), postgresql_where=sa.text("merged_into_id IS NULL"),
        ),
        # Text search in the active backlog (PostgreSQL; SQLite uses the ticket_search FTS5 table).
        sa.Index(
            "ix_tickets_active_subject_trgm", "subject", postgresql_using="gin", postgresql_ops={"subject": "public.gin_trgm_ops"},
            postgresql_where=sa.text(ACTIVE_WHERE), info={"dialect": "postgresql"},
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            "ix_tickets_active_preview_trgm", "preview", postgresql_using="gin", postgresql_ops={"preview": "public.gin_trgm_ops"},
            postgresql_where=sa.text(ACTIVE_WHERE), info={"dialect": "postgresql"},
        ).ddl_if(dialect="postgresql"),
        # Retention (triage.retention): closed tickets still holding personal data, oldest first.
        sa.Index("ix_tickets_retention", "resolved_at", "last_message_at",
                 sqlite_where=sa.text("anonymized_at IS NULL"), postgresql_where=sa.text("anonymized_at IS NULL")),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    contact_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("contacts.id"))
    channel: so.Mapped[str] = so.mapped_column(sa.String(16))
    subject: so.Mapped[Optional[str]] = so.mapped_column(sa.String(500))
    preview: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    label: so.Mapped[str] = so.mapped_column(sa.String(32))
    confidence: so.Mapped[float] = so.mapped_column(default=0.0)
    needs_review: so.Mapped[bool] = so.mapped_column(default=False)
    # "model" or "agent": a label an agent set by hand is never overwritten by a model.
    label_source: so.Mapped[str] = so.mapped_column(sa.String(16), default="model")
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=TicketStatus.OPEN)
    due_at: so.Mapped[datetime]
    due_explanation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    entities: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict)
    message_count: so.Mapped[int] = so.mapped_column(default=0)
    assignee_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    merged_into_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("tickets.id"))
    group_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("ticket_groups.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_message_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    claimed_at: so.Mapped[Optional[datetime]]
    first_response_at: so.Mapped[Optional[datetime]]
    resolved_at: so.Mapped[Optional[datetime]]
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    # When its personal data was erased (a person's request or retention): an anonymous row since.
    anonymized_at: so.Mapped[Optional[datetime]]

    contact: so.Mapped[Contact] = so.relationship(back_populates="tickets")
    assignee: so.Mapped[Optional[User]] = so.relationship()
    messages: so.Mapped[list["Message"]] = so.relationship(
        back_populates="ticket", order_by="Message.sent_at", lazy="selectin"
    )


class Message(Base):
    """One inbound email or comment, or one outbound reply, as received or sent."""

    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("source", "source_id"),
        sa.Index("ix_messages_ticket_sent", "ticket_id", "sent_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ticket_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tickets.id"))
    direction: so.Mapped[str] = so.mapped_column(sa.String(8), default="inbound")
    # The channel the message came through ("email", "instagram"); with source_id, its identity.
    source: so.Mapped[str] = so.mapped_column(sa.String(32))
    source_id: so.Mapped[str] = so.mapped_column(sa.String(512))
    author: so.Mapped[str] = so.mapped_column(sa.String(320))
    author_name: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    subject: so.Mapped[Optional[str]] = so.mapped_column(sa.String(500))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    sent_at: so.Mapped[datetime]
    in_reply_to: so.Mapped[Optional[str]] = so.mapped_column(sa.String(512))
    thread_refs: so.Mapped[list[Any]] = so.mapped_column(default=list)
    raw_ref: so.Mapped[Optional[str]] = so.mapped_column(sa.String(1000))
    label: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    confidence: so.Mapped[Optional[float]]
    meta: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    ticket: so.Mapped[Ticket] = so.relationship(back_populates="messages")


class Note(Base):
    """An internal note an agent leaves on a ticket; never sent to the participant."""

    __tablename__ = "notes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ticket_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tickets.id"), index=True)
    author_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class LabelChange(Base):
    """Who moved a ticket from one label to another: the classifier's training feedback."""

    __tablename__ = "label_changes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ticket_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tickets.id"), index=True)
    user_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    from_label: so.Mapped[str] = so.mapped_column(sa.String(32))
    to_label: so.Mapped[str] = so.mapped_column(sa.String(32))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)


class IngestCursor(Base):
    """How far a source has been read (e.g. an IMAP folder's UIDVALIDITY and last UID)."""

    __tablename__ = "ingest_cursors"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    source: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    position: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class IngestRun(Base):
    """One run of one source: what it read and how it ended."""

    __tablename__ = "ingest_runs"
    __table_args__ = (sa.Index("ix_ingest_runs_source_started", "source", "started_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    source: so.Mapped[str] = so.mapped_column(sa.String(200))
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    finished_at: so.Mapped[Optional[datetime]]
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="running")
    fetched: so.Mapped[int] = so.mapped_column(default=0)
    new_tickets: so.Mapped[int] = so.mapped_column(default=0)
    threaded: so.Mapped[int] = so.mapped_column(default=0)
    duplicates: so.Mapped[int] = so.mapped_column(default=0)
    noise: so.Mapped[int] = so.mapped_column(default=0)
    quarantined: so.Mapped[int] = so.mapped_column(default=0)
    requests: so.Mapped[int] = so.mapped_column(default=0)
    error: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)


class QuarantinedInput(Base):
    """An input that could not become a message, kept with the reason so nothing is lost:
    one row per input (triage.quarantine), however many runs saw it."""

    __tablename__ = "quarantined_inputs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # sha256 of (source, source_ref, payload): the input's identity (triage.quarantine.input_key)
    input_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    source: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)
    source_ref: so.Mapped[str] = so.mapped_column(sa.String(1000))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)  # the latest sighting's
    payload: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    run_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("ingest_runs.id"))  # the latest run that saw it
    seen_count: so.Mapped[int] = so.mapped_column(default=1)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)  # first seen
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)


class AuditEvent(Base):
    """Something a person or the system did that someone may later need to account for."""

    __tablename__ = "audit_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    action: so.Mapped[str] = so.mapped_column(sa.String(64))
    ticket_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("tickets.id"), index=True)
    detail: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict)


class ReadyReply(Base):
    """A supervisor's edited ready reply for one category (the taxonomy holds the default)."""

    __tablename__ = "ready_replies"

    label: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    updated_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    scopes: so.Mapped[list[Any]] = so.mapped_column(default=list)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_used_at: so.Mapped[Optional[datetime]]
    revoked_at: so.Mapped[Optional[datetime]]

    user: so.Mapped[User] = so.relationship()


class LoginAttempt(Base):
    """One try at the login form, kept to rate-limit guessing by username and by address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_username_at", "username", "at"),
        sa.Index("ix_login_attempts_remote_addr_at", "remote_addr", "at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64))
    remote_addr: so.Mapped[str] = so.mapped_column(sa.String(64))
    succeeded: so.Mapped[bool] = so.mapped_column(default=False)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class UserSession(Base):
    """One browser's login, so that logout, a password change, deactivation or a role change
    can end it on the server (the cookie holds only the key; its SHA-256 is stored)."""

    __tablename__ = "user_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ended_at: so.Mapped[Optional[datetime]]


class AppOption(Base):
    """A setting a supervisor changes at run time (e.g. the auto-assignment mode)."""

    __tablename__ = "app_options"

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    value: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class Lease(Base):
    """Who may run a job right now, across every scheduler process on every host.

    Taken with one conditional UPDATE (free, expired, or already ours), renewed while
    the job runs; a holder that dies simply stops renewing and the lease expires.
    """

    __tablename__ = "leases"

    name: so.Mapped[str] = so.mapped_column(sa.String(200), primary_key=True)
    holder: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    expires_at: so.Mapped[datetime]
    acquired_at: so.Mapped[Optional[datetime]]


class ClosedDayChange(Base):
    """How many times tickets dated on a past WIB day changed (counted by triggers, see triage.history).

    A day's dashboard history is recomputed only when its count moves.
    """

    __tablename__ = "closed_day_changes"

    day: so.Mapped[date] = so.mapped_column(primary_key=True)
    changes: so.Mapped[int] = so.mapped_column(default=0)


class HistoryDay(Base):
    """A past WIB day's dashboard figures, computed once for every process (triage.history).

    Valid while `changes` equals the day's ClosedDayChange count. The durations are the
    day's sorted seconds (float64, little-endian) from which the exact medians are taken.
    """

    __tablename__ = "history_days"

    day: so.Mapped[date] = so.mapped_column(primary_key=True)
    changes: so.Mapped[int]
    inflow: so.Mapped[int]
    resolved: so.Mapped[int]
    first_response_seconds: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    resolution_seconds: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)


from triage.models.groups import GroupExclusion, GroupSend, TicketGroup  # noqa: E402,F401 - registers the tables
from triage.models.outbox import OUTBOX_STATUSES, OutboxReply  # noqa: E402,F401


def active_clause() -> sa.ColumnElement[bool]:
    """Open or claimed and not merged, with the statuses as literals (see ACTIVE_WHERE)."""
    return sa.and_(
        Ticket.status.in_(sa.bindparam("active_statuses", list(ACTIVE_STATUSES), literal_execute=True)),
        Ticket.merged_into_id.is_(None),
    )


def include_object_for(dialect: str):
    """An Alembic include_object: skip the other dialect's indexes and SQLite's FTS5 tables."""

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        if type_ == "index" and getattr(obj, "info", {}).get("dialect") not in (None, dialect):
            return False
        if type_ == "table" and reflected and name and name.startswith("ticket_search"):
            return False
        return True

    return include_object


@sa.event.listens_for(Base.metadata, "before_create")
def _pg_trgm(target, connection, **kw) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
from triage.models.workbench import DRAFT_KINDS, Attachment, Draft, FormSubmission, SavedView  # noqa: E402,F401
