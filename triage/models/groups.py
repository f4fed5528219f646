"""Groups: open tickets of many people with the same problem at the same time (triage.groups).

A ticket belongs to at most one group (tickets.group_id). A group is a surge while its
inflow is far above what its category and specifics normally receive (triage.surges).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models.base import Base, utcnow


class TicketGroup(Base):
    """One problem many people have now: a category and the specifics its members share."""

    __tablename__ = "ticket_groups"
    __table_args__ = (
        # Where a new ticket looks for its group: open groups of its category and key, recent first.
        sa.Index("ix_ticket_groups_label_key_last", "label", "key", "last_ticket_at"),
        sa.Index("ix_ticket_groups_status_surge", "status", "surge_since"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    label: so.Mapped[str] = so.mapped_column(sa.String(32))
    # What members share, as a stable signature: specifics ("wave=48|month=3|payout=linkaja")
    # or, for near-duplicate wording without specifics, "text:" and a digest of its first message.
    key: so.Mapped[str] = so.mapped_column(sa.String(500))
    shared: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict)  # the specifics, for the name
    name: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))  # a supervisor's rename; else derived
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="open")  # open | closed | merged
    merged_into_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("ticket_groups.id"))
    size: so.Mapped[int] = so.mapped_column(default=0)  # active members
    first_ticket_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_ticket_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Near-duplicate wording: the members' mean TF-IDF vector, its strongest terms only.
    centroid: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict)
    surge_since: so.Mapped[Optional[datetime]]
    surge_alerted_at: so.Mapped[Optional[datetime]]
    assignee_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))  # may answer the group
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class GroupExclusion(Base):
    """A ticket a person took out of a group ("not this problem"): never put back into it."""

    __tablename__ = "group_exclusions"

    ticket_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("tickets.id"), primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("ticket_groups.id"), primary_key=True)
    user_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class GroupSend(Base):
    """One answer to a whole group: a reply per member in the outbox, then resolve or not."""

    __tablename__ = "group_sends"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("ticket_groups.id"), index=True)
    actor_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    body: so.Mapped[str] = so.mapped_column(sa.Text)  # the template, placeholders unfilled
    resolve: so.Mapped[bool] = so.mapped_column(default=False)  # resolve each member once its reply is out
    total: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    finished_at: so.Mapped[Optional[datetime]]
    # The answer form's one-time key: a second press of "send" (a double click, a resubmitted
    # form) finds the first send instead of answering every member twice.
    request_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64), unique=True)


# --- the size of every group, kept by the database on every write path -----------------------

GROUP_SIZE_TRIGGERS = ("group_size_insert", "group_size_update", "group_size_delete")


def group_size_trigger_ddl(dialect: str) -> list[str]:
    """CREATE statements of the triggers that keep ticket_groups.size = active members.

    A ticket joins, leaves, resolves, reopens, is merged or marked noise through many paths
    (agents' actions, the pipeline's plain-row writes, bulk updates of a group send, a reply
    that reopens): counting in the database covers them all, and only a write that moves a
    ticket in or out of a group's active members does any work. Also frozen in migration 0007.
    """
    from triage.models.base import active_where

    old_active, new_active = f"({active_where('OLD.')})", f"({active_where('NEW.')})"
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
    for operation, name in zip(("INSERT", "UPDATE", "DELETE"), GROUP_SIZE_TRIGGERS):
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


@sa.event.listens_for(Base.metadata, "after_create")
def _group_size_triggers(target, connection, **kw) -> None:
    """create_all (tests, benches) builds the size triggers too."""
    for statement in group_size_trigger_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)
