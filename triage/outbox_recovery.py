"""The outbox's recovery after a sender died: replies the server accepted are recorded, and
replies left in doubt (`sending`, their holder gone) are settled.

A reply in doubt may or may not be at the server. Over SMTP alone there is no asking, so it is
sent again with the same Message-ID (the fallback). With the support mailbox configured
(settings.outbox_bcc) every reply was Bcc'd there in the same SMTP transaction as the
participant's copy, so the copy exists exactly when the server accepted the mail: the recovery
first looks for the Message-ID among the stored outbound messages (the email ingester may have
read the copy already), then asks the mailbox (`confirm`, an IMAP lookup the operations layer
hands in: services never import ingest). Found: it is finished as sent, never resent. Not
found: resent as in the fallback. The mailbox cannot be asked: the rows stay in doubt and the
next run asks again, since resending blind is what makes duplicates.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import AuditEvent, Lease, OutboxReply, utcnow
from triage.outbox import ACCEPTED, FAILED, IN_DOUBT, PENDING, SENDING, UNCONFIRMED, envelope, finish_delivery, outbound_message, stored_outbound
from triage.settings import Settings

log = logging.getLogger(__name__)

# Given Message-IDs, those whose copy is in the support mailbox; None when it could not be asked.
Confirm = Callable[[Sequence[str]], Optional[set[str]]]


def record_accepted(session: so.Session, settings: Settings) -> int:
    """Record on their tickets the replies the server accepted from a sender that died before
    recording them (or confirmed in the mailbox): the outbound message, first response,
    resolve, audit. Commits."""
    done = 0
    for row in session.scalars(sa.select(OutboxReply).where(OutboxReply.status == ACCEPTED)):
        stored = bool(row.message_id) and bool(stored_outbound(session, [row.message_id]))
        message = outbound_message(session, row, row.updated_at, envelope(row, settings)[0])
        done += finish_delivery(session, row, message, stored)
        session.commit()
    return done


def _unsettled(session: so.Session, now: datetime) -> list[sa.Row]:
    live = sa.select(Lease.holder).where(Lease.holder.is_not(None), Lease.expires_at >= now)
    return list(session.execute(
        sa.select(OutboxReply.id, OutboxReply.holder, OutboxReply.ticket_id, OutboxReply.message_id, OutboxReply.attempts).where(
            OutboxReply.status == SENDING, OutboxReply.next_attempt_at < now, OutboxReply.holder.not_in(live)
        )
    ).all())


def _mine(reply_id: int, holder: str) -> sa.Update:
    return (
        sa.update(OutboxReply)
        .where(OutboxReply.id == reply_id, OutboxReply.status == SENDING, OutboxReply.holder == holder)
        .execution_options(synchronize_session=False)
    )


def settle_in_doubt(session: so.Session, max_attempts: int, now: Optional[datetime] = None,
                    confirm: Optional[Confirm] = None) -> tuple[int, int]:
    """Settle the rows left in `sending` by a sender that is gone (its claim passed and it holds
    no live lease): with `confirm`, those whose copy is found become `accepted` (record_accepted
    finishes them); the rest are queued again, the same Message-ID going out again. Commits;
    (queued again, confirmed)."""
    now = now or utcnow()
    stale = _unsettled(session, now)
    found: set[str] = set()
    if stale and confirm is not None:
        ids = [message_id for _, _, _, message_id, _ in stale if message_id]
        found = stored_outbound(session, ids)
        asked = confirm([i for i in ids if i not in found]) if len(found) < len(ids) else set()
        if asked is None:
            log.warning("outbox: %d replies in doubt wait: the support mailbox could not be asked", len(ids) - len(found))
            waiting = [r.id for r in stale if r.message_id not in found]
            session.execute(sa.update(OutboxReply).where(OutboxReply.id.in_(waiting), OutboxReply.status == SENDING)
                            .values(last_error=UNCONFIRMED)
                            .execution_options(synchronize_session=False))
            stale = [r for r in stale if r.message_id in found]
        else:
            found |= asked
    requeued = confirmed = 0
    for reply_id, holder, ticket_id, message_id, attempts in stale:
        detail = {"outbox_id": reply_id, "message_id": message_id, "holder": holder}
        if message_id in found:
            values: dict[str, object] = {"status": ACCEPTED, "holder": None, "last_error": None}  # updated_at: the claim's
            action = "outbox.confirmed"
        else:
            values = {"holder": None, "updated_at": now, "last_error": f"{IN_DOUBT}: {holder}"}
            if attempts >= max_attempts:
                values["status"] = FAILED  # it keeps being cut off: an operator looks (`triage outbox retry`)
            else:
                values.update(status=PENDING, next_attempt_at=now)
            action = "outbox.in_doubt"
        if session.execute(_mine(reply_id, holder).values(**values)).rowcount == 1:
            session.add(AuditEvent(action=action, ticket_id=ticket_id, detail=detail))
            if action == "outbox.confirmed":
                confirmed += 1
            else:
                requeued += 1
    session.commit()
    return requeued, confirmed


def requeue_in_doubt(session: so.Session, max_attempts: int, now: Optional[datetime] = None) -> int:
    """The fallback without the support mailbox: every row in doubt is queued again. Commits; how many."""
    return settle_in_doubt(session, max_attempts, now)[0]
