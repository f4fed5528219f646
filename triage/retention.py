"""Retention (UU No. 27/2022): personal data is kept only as long as the work needs it.

Closed tickets (resolved, or noise) anonymized TRIAGE_RETENTION_RESOLVED_DAYS after they
closed (triage.erasure: the rows stay for the statistics), and a contact with nothing left to
answer with them; quarantined inputs' payloads dropped after TRIAGE_RETENTION_QUARANTINE_DAYS;
login attempts deleted after TRIAGE_RETENTION_LOGIN_DAYS. Each run is an audit event with
its counts. Runs in batches so that a first run over years of tickets holds no long lock.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import erasure, logins
from triage.models import AuditEvent, Contact, QuarantinedInput, Ticket, TicketStatus, utcnow
from triage.settings import Settings

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class RetentionRun:
    tickets: int = 0
    contacts: int = 0
    quarantine_payloads: int = 0
    login_attempts: int = 0
    changed: Counter[str] = field(default_factory=Counter)  # rows changed per table
    status: str = "ok"  # "stopped": asked to stop before the old tickets were all done

    def counts(self) -> dict[str, object]:
        return {"tickets": self.tickets, "contacts": self.contacts, "quarantine_payloads": self.quarantine_payloads,
                "login_attempts": self.login_attempts, "changed": dict(sorted(self.changed.items())), "status": self.status}


def expired_tickets(before: datetime) -> sa.Select[tuple[int]]:
    """Tickets still holding personal data that closed before `before`: resolved (merged ones
    included) by their resolution time, noise by their last message."""
    return sa.select(Ticket.id).where(
        Ticket.anonymized_at.is_(None),
        sa.or_(
            sa.and_(Ticket.status == TicketStatus.RESOLVED, Ticket.resolved_at < before),
            sa.and_(Ticket.status == TicketStatus.NOISE, Ticket.last_message_at < before),
        ),
    ).order_by(Ticket.id)


def _spent_contacts(session: so.Session, ticket_ids: list[int]) -> list[Contact]:
    """The contacts of these tickets that have no ticket left holding personal data."""
    holding = sa.select(Ticket.id).where(Ticket.contact_id == Contact.id, Ticket.anonymized_at.is_(None)).exists()
    touched = sa.select(Ticket.contact_id).where(Ticket.id.in_(ticket_ids))
    return list(session.scalars(sa.select(Contact).where(Contact.id.in_(touched), ~holding, ~Contact.handle.startswith("erased-"))))


def run_retention(session: so.Session, settings: Settings, now: Optional[datetime] = None,
                  should_stop: Callable[[], bool] = lambda: False) -> RetentionRun:
    """One retention pass; commits per batch and records the run."""
    now, run = now or utcnow(), RetentionRun()
    before = now - timedelta(days=settings.retention_resolved_days)
    while True:
        ids = list(session.scalars(expired_tickets(before).limit(BATCH)))
        if not ids:
            break
        run.changed += erasure.anonymize_tickets(session, ids, now)
        contacts = _spent_contacts(session, ids)
        for contact in contacts:
            erasure.anonymize_contact(session, contact)
        run.tickets, run.contacts = run.tickets + len(ids), run.contacts + len(contacts)
        session.commit()
        if should_stop():
            run.status = "stopped"
            break
    run.changed["contacts"] += run.contacts
    run.quarantine_payloads = session.execute(
        sa.update(QuarantinedInput)
        .where(QuarantinedInput.payload.is_not(None), QuarantinedInput.last_seen_at < now - timedelta(days=settings.retention_quarantine_days))
        .values(payload=None).execution_options(synchronize_session=False)
    ).rowcount
    run.login_attempts = logins.purge_login_attempts(session, now - timedelta(days=settings.retention_login_days))
    if run.tickets:
        erasure.compact_search_index(session)
    run.changed = +run.changed
    session.add(AuditEvent(action="privacy.retention", detail=run.counts()))
    session.commit()
    log.info("retention run", extra={"retention": run.counts()})
    return run
