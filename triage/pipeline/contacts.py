"""Who wrote: a person's handle on a channel, and the batch's contacts, read once and created on first sight."""
from __future__ import annotations

from email.utils import parseaddr
from functools import lru_cache
from typing import Iterable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import Contact
from triage.pipeline.queries import FRESH, chunks
from triage.records import InboundRecord


@lru_cache(maxsize=8192)  # parseaddr is slow and every record asks at least twice
def contact_handle(channel: str, author: str) -> tuple[str, Optional[str]]:
    """The stable handle of a person on a channel, and a display name if one was given."""
    author = author.strip()
    if channel == "email":
        name, addr = parseaddr(author)
        return (addr or author).strip().lower(), (name.strip() or None)
    return author.lstrip("@").strip().lower(), None


class Contacts:
    """Every contact a batch names, by channel and handle; the new ones are added to the session."""

    def __init__(self, session: so.Session, records: Iterable[InboundRecord]) -> None:
        self.session = session
        self.by_handle: dict[tuple[str, str], Contact] = {}  # (channel, stored handle)
        self.by_id: dict[int, Contact] = {}  # the stored ones
        self.new: list[Contact] = []
        wanted: dict[str, set[str]] = {}
        for record in records:
            wanted.setdefault(record.channel, set()).add(contact_handle(record.channel, record.author)[0])
        for channel, handles in wanted.items():
            for chunk in chunks(sorted(handles)):
                query = sa.select(Contact).where(Contact.channel == channel, Contact.handle.in_(chunk))
                for contact in session.scalars(query.execution_options(**FRESH)):
                    self.by_handle[(contact.channel, contact.handle)] = contact
                    self.by_id[contact.id] = contact

    def of(self, record: InboundRecord) -> Contact:
        """The record's contact, created on first sight; a name fills a blank display name."""
        handle, name = contact_handle(record.channel, record.author)
        name = record.author_name or name
        contact = self.by_handle.get((record.channel, handle))
        if contact is None:
            contact = Contact(channel=record.channel, handle=handle[:320], display_name=(name or None))
            self.session.add(contact)
            self.new.append(contact)
            self.by_handle[(contact.channel, contact.handle)] = contact
        elif name and not contact.display_name:
            contact.display_name = name[:200]
        return contact
