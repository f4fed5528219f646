"""A ticket the batch opens: plain attributes, written as one row with the batch's other new tickets.

An ORM object per new ticket (construction, unit-of-work bookkeeping) cost more than
everything else the store does; nothing in the session refers to a new ticket, so a
row is enough. The defaults are the columns' defaults, since the row sets every column.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional, Union

from triage.models import Contact, Ticket, TicketStatus


class NewTicket:
    COLUMNS = (
        "contact_id", "channel", "subject", "preview", "label", "confidence", "needs_review", "label_source",
        "status", "due_at", "due_explanation", "entities", "message_count", "created_at", "last_message_at",
        "first_response_at", "resolved_at", "assignee_id", "merged_into_id", "group_id",
    )  # fmt: skip

    def __init__(self, contact: Contact, **values: Any) -> None:
        self.id: Optional[int] = None
        self.contact = contact
        self.subject: Optional[str] = None
        self.preview, self.due_explanation = "", ""
        self.confidence, self.needs_review, self.label_source, self.status = 0.0, False, "model", TicketStatus.OPEN
        self.entities: dict = {}
        self.message_count = 0
        self.first_response_at: Optional[datetime] = None
        self.resolved_at: Optional[datetime] = None
        self.assignee_id: Optional[int] = None
        self.merged_into_id: Optional[int] = None
        self.group_id: Optional[int] = None
        self.__dict__.update(values)

    @property
    def contact_id(self) -> Optional[int]:
        return self.contact.id

    def row(self) -> dict[str, Any]:
        values = {column: getattr(self, column) for column in self.COLUMNS}
        if self.id is not None:
            values["id"] = self.id
        return values


AnyTicket = Union[Ticket, NewTicket]
