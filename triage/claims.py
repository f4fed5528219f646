"""Who works on which ticket: take next, idle claims returning to the queue, auto-assignment.

A claim is `TicketStatus.CLAIMED` with `assignee_id` set; `claimed_at` is the holder's last
activity on the ticket, so an idle claim is one whose claimed_at is old.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.models import ACTIVE_STATUSES, AppOption, AuditEvent, Ticket, TicketStatus, User, utcnow

AUTO_ASSIGN_KEY = "auto_assign"
SQLITE_CANDIDATES = 10


class CapacityReached(Exception):
    """The agent already holds as many tickets as their capacity allows."""


class NotClaimable(Exception):
    """The ticket is no longer open and free to take."""


def held_by_another(ticket: Ticket, user: User) -> bool:
    """Whether another agent's claim keeps `user` off the ticket: a claimed ticket is its
    holder's to work on, and only supervisors and admins may step in."""
    return ticket.status == TicketStatus.CLAIMED and ticket.assignee_id not in (None, user.id) and not user.is_supervisor


def claimed_by_other(ticket: Ticket, user: User) -> bool:
    """Whether someone other than `user` holds the ticket (supervisors included: they see who)."""
    return ticket.status == TicketStatus.CLAIMED and ticket.assignee_id not in (None, user.id)


@dataclass(frozen=True)
class Allowed:
    """What `user` may do on a ticket's page, so the page offers only that. Anyone may look,
    reveal numbers (audited) and add an internal note, even on a colleague's ticket."""

    change: bool  # reply, resolve, relabel, merge, release, mark noise, leave a group, reopen
    claim: bool  # take it by hand
    assign: bool  # give it to an agent (supervisors)


def allowed(ticket: Ticket, user: User) -> Allowed:
    """The actions `user` may take on `ticket`: a colleague's claimed ticket is read-only to an
    agent except for notes; supervisors and admins may step in."""
    change = not held_by_another(ticket, user)
    free = ticket.status == TicketStatus.OPEN and ticket.assignee_id is None
    return Allowed(change=change, claim=free, assign=user.is_supervisor and ticket.status in ACTIVE_STATUSES)


@dataclass(frozen=True)
class Holder:
    """Who holds a ticket now, and how they came to: "claimed" (took it themselves), "assigned"
    (given by a supervisor or the round robin), "free" (back in the queue), "closed"."""

    user_id: Optional[int]
    name: str
    how: str


_LAST_TAKING = (
    sa.select(AuditEvent.actor_id)
    .where(AuditEvent.ticket_id == sa.bindparam("ticket_id"), AuditEvent.action.in_(("ticket.claimed", "ticket.assigned")))
    .order_by(AuditEvent.id.desc())
    .limit(1)
)


def holder_id(ticket: Ticket) -> Optional[int]:
    """The holder's id as a ticket page shows it (None unless claimed); what the poll compares."""
    return ticket.assignee_id if ticket.status == TicketStatus.CLAIMED else None


def holder_change(session: so.Session, ticket: Ticket, seen: Optional[int]) -> Optional[Holder]:
    """Who holds the ticket now, when that is no longer `seen` (the holder its page was shown
    with); None while nothing changed (then no query beyond loading the ticket)."""
    now_held = holder_id(ticket)
    if now_held == seen:
        return None
    if now_held is None:
        return Holder(None, "", "free" if ticket.status == TicketStatus.OPEN else "closed")
    taker = session.scalar(_LAST_TAKING, {"ticket_id": ticket.id})
    name = ticket.assignee.display_name if ticket.assignee else ""
    return Holder(now_held, name, "claimed" if taker == now_held else "assigned")


# Built once: every queue page and take-next asks, and building a select costs more than running it.
_HELD = sa.select(sa.func.count()).select_from(Ticket).where(Ticket.assignee_id == sa.bindparam("user_id"), Ticket.status == TicketStatus.CLAIMED)


def held_count(session: so.Session, user_id: int) -> int:
    return session.execute(_HELD, {"user_id": user_id}).scalar_one()


def _claimable(skilled: bool, locking: bool) -> sa.Select[tuple[int]]:
    """Open, unassigned tickets a user may take, most urgent first (uses ix_tickets_queue):
    with or without a skills list, PostgreSQL's locking read or SQLite's candidates."""
    query = (
        sa.select(Ticket.id)
        .where(Ticket.status == TicketStatus.OPEN, Ticket.assignee_id.is_(None), Ticket.merged_into_id.is_(None))
        .order_by(Ticket.due_at, Ticket.id)
    )
    if skilled:
        query = query.where(Ticket.label.in_(sa.bindparam("skills", expanding=True)))
    if locking:
        # Rows another transaction is claiming right now are skipped, not waited for.
        return query.limit(1).with_for_update(skip_locked=True, of=Ticket)
    return query.limit(SQLITE_CANDIDATES)


# The claim itself, by id. SQLite's also checks the ticket is still free and that the
# claimant holds fewer tickets than their capacity, in the one statement that writes: SQLite
# runs one writer at a time, so two take-next presses of one agent cannot both pass it.
# Objects this session holds are not refreshed (the ORM cannot evaluate these parameters):
# take_next_ticket hands back only the id, and callers load the ticket when they show it.
_CLAIM = (
    sa.update(Ticket)
    .where(Ticket.id == sa.bindparam("ticket_id"))
    .values(status=TicketStatus.CLAIMED, assignee_id=sa.bindparam("claimant"), claimed_at=sa.bindparam("at"), updated_at=sa.bindparam("at"))
    .execution_options(synchronize_session=False)
)
_HELD_ROWS = so.aliased(Ticket, name="held")  # not the updated row: the claimant's tickets
_HELD_BY_CLAIMANT = (
    sa.select(sa.func.count())
    .select_from(_HELD_ROWS)
    .where(_HELD_ROWS.assignee_id == sa.bindparam("claimant"), _HELD_ROWS.status == TicketStatus.CLAIMED)
    .scalar_subquery()
)
_CLAIM_IF_FREE = _CLAIM.where(
    Ticket.status == TicketStatus.OPEN, Ticket.assignee_id.is_(None), _HELD_BY_CLAIMANT < sa.bindparam("capacity")
)
# PostgreSQL: the claimant's user row, locked until commit, so one agent's claims run one
# after another (READ COMMITTED: the count read after the lock sees the other's claim).
_LOCK_CLAIMANT = sa.select(User.id).where(User.id == sa.bindparam("user_id")).with_for_update()


def claim_first(session: so.Session, user: User, now: datetime) -> Optional[int]:
    """Atomically claim the first claimable ticket for `user` within their capacity; return
    its id, or None when there is none (caller commits). Raises CapacityReached when the
    user already holds `user.capacity` tickets (caller rolls back).

    Two claims for one user at the same instant never both pass the capacity: PostgreSQL
    locks the user's row first, SQLite's claim counts the held tickets in its own UPDATE.
    """
    skills = {"skills": list(user.skills)} if user.skills else {}
    claim = {"claimant": user.id, "at": now}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK_CLAIMANT, {"user_id": user.id})
        if held_count(session, user.id) >= user.capacity:
            raise CapacityReached()
        ticket_id = session.scalar(_claimable(bool(skills), True), skills)
        if ticket_id is None:
            return None
        session.execute(_CLAIM, {"ticket_id": ticket_id, **claim})
        return ticket_id
    # SQLite has no row locks: a conditional update wins for exactly one writer.
    if held_count(session, user.id) >= user.capacity:
        raise CapacityReached()  # the common refusal, without taking the write lock
    while True:
        candidates = session.scalars(_claimable(bool(skills), False), skills).all()
        if not candidates:
            return None
        for ticket_id in candidates:
            if session.execute(_CLAIM_IF_FREE, {"ticket_id": ticket_id, "capacity": user.capacity, **claim}).rowcount == 1:
                return ticket_id
            # Taken by another, or this user's capacity filled meanwhile: this transaction
            # holds the write lock now, so the count is final.
            if held_count(session, user.id) >= user.capacity:
                raise CapacityReached()


def take_next_ticket(session: so.Session, user: User, now: Optional[datetime] = None) -> Optional[int]:
    """Hand `user` the most urgent open ticket matching their skills; its id, or None; commits.
    Raises CapacityReached (and rolls back) when the user holds as many as their capacity.

    Only the id: the web view redirects to the ticket, and loading it again after the commit
    cost a second connection checkout on every press; the API loads what it shows.
    """
    now = now or utcnow()
    try:
        ticket_id = claim_first(session, user, now)
    except CapacityReached:
        session.rollback()
        raise
    if ticket_id is None:
        session.rollback()
        return None
    session.add(AuditEvent(actor_id=user.id, action="ticket.claimed", ticket_id=ticket_id, detail={"how": "take_next"}))
    session.commit()
    return ticket_id


def touch_claim(session: so.Session, ticket: Ticket, user: User, now: Optional[datetime] = None) -> bool:
    """Record the holder's activity so the claim does not expire while they work; whether it did."""
    if ticket.status == TicketStatus.CLAIMED and ticket.assignee_id == user.id:
        ticket.claimed_at = now or utcnow()
        return True
    return False


def expire_idle_claims(session: so.Session, idle: timedelta, now: Optional[datetime] = None) -> int:
    """Return claims idle longer than `idle` to the queue; how many (caller commits)."""
    cutoff = (now or utcnow()) - idle
    expired = session.scalars(
        sa.select(Ticket.id).where(Ticket.status == TicketStatus.CLAIMED, Ticket.claimed_at < cutoff)
    ).all()
    if not expired:
        return 0
    session.execute(
        sa.update(Ticket)
        .where(Ticket.id.in_(expired), Ticket.status == TicketStatus.CLAIMED, Ticket.claimed_at < cutoff)
        .values(status=TicketStatus.OPEN, assignee_id=None, claimed_at=None)
    )
    for ticket_id in expired:
        session.add(AuditEvent(action="ticket.claim_expired", ticket_id=ticket_id, detail={"idle_minutes": int(idle.total_seconds() // 60)}))
    return len(expired)


def assign(session: so.Session, ticket: Ticket, user: User, actor: Optional[User], now: Optional[datetime] = None) -> None:
    """Give a ticket to an agent by hand (a supervisor) regardless of the queue order."""
    now = now or utcnow()
    if ticket.status not in ACTIVE_STATUSES:
        raise ValueError("only open tickets can be assigned")
    ticket.status, ticket.assignee_id, ticket.claimed_at = TicketStatus.CLAIMED, user.id, now
    user.last_assigned_at = now
    session.add(AuditEvent(actor_id=actor.id if actor else None, action="ticket.assigned", ticket_id=ticket.id, detail={"to": user.username}))


def claim(session: so.Session, ticket: Ticket, user: User, now: Optional[datetime] = None) -> None:
    """Take one ticket by hand (from its page): only while it is open and free, and within
    the user's capacity (caller commits).

    The page was loaded before the press, so `ticket` may be stale: the claim is the same
    conditional UPDATE as take-next's, and of several agents pressing at once exactly one
    gets the ticket (NotClaimable for the others), and one agent's tabs never pass the
    capacity together (CapacityReached).
    """
    if ticket.status != TicketStatus.OPEN or ticket.assignee_id is not None:
        raise NotClaimable()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK_CLAIMANT, {"user_id": user.id})  # as claim_first: one claim of a user at a time
    if held_count(session, user.id) >= user.capacity:
        raise CapacityReached()
    now = now or utcnow()
    won = session.execute(_CLAIM_IF_FREE, {"ticket_id": ticket.id, "claimant": user.id, "at": now, "capacity": user.capacity}).rowcount == 1
    session.expire(ticket, ["status", "assignee_id", "claimed_at", "updated_at"])  # the UPDATE's values, read again on use
    if not won:
        # Held by someone else meanwhile, or this user's other tab took the last place:
        # the UPDATE holds the write lock (SQLite) or the user's row (PostgreSQL) now.
        if held_count(session, user.id) >= user.capacity:
            raise CapacityReached()
        raise NotClaimable()
    user.last_assigned_at = now
    session.add(AuditEvent(actor_id=user.id, action="ticket.assigned", ticket_id=ticket.id, detail={"to": user.username}))


def release(session: so.Session, ticket: Ticket, actor: User) -> None:
    """Put a claimed ticket back in the queue."""
    if ticket.status == TicketStatus.CLAIMED:
        ticket.status, ticket.assignee_id, ticket.claimed_at = TicketStatus.OPEN, None, None
        session.add(AuditEvent(actor_id=actor.id, action="ticket.released", ticket_id=ticket.id))


def auto_assign_mode(session: so.Session, default: str) -> str:
    option = session.get(AppOption, AUTO_ASSIGN_KEY)
    return option.value.get("mode", default) if option else default


def set_auto_assign_mode(session: so.Session, mode: str, actor: User) -> None:
    if mode not in ("off", "round_robin"):
        raise ValueError(f"unknown auto-assignment mode {mode!r}")
    option = session.get(AppOption, AUTO_ASSIGN_KEY)
    if option is None:
        session.add(AppOption(key=AUTO_ASSIGN_KEY, value={"mode": mode}))
    else:
        option.value = {"mode": mode}
    session.add(AuditEvent(actor_id=actor.id, action="auto_assign.mode", detail={"mode": mode}))


def auto_assign(session: so.Session, now: Optional[datetime] = None, limit: int = 50) -> int:
    """Round-robin: give open tickets to on-shift agents with the skill and spare capacity.

    The agent who was assigned longest ago goes first. Commits after each assignment so
    a concurrent take-next never sees half of one. Returns how many were assigned.
    """
    now = now or utcnow()
    held = (
        sa.select(sa.func.count())
        .select_from(Ticket)
        .where(Ticket.assignee_id == User.id, Ticket.status == TicketStatus.CLAIMED)
        .scalar_subquery()
    )
    assigned = 0
    skipped: set[int] = set()
    while assigned < limit:
        agents = session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.on_shift.is_(True), User.role == "agent", held < User.capacity)
            .where(User.id.not_in(skipped) if skipped else sa.true())
            .order_by(User.last_assigned_at.is_not(None), User.last_assigned_at, User.id)
        ).all()
        if not agents:
            break
        agent = agents[0]
        try:
            ticket_id = claim_first(session, agent, now)
        except CapacityReached:  # the agent took one by hand meanwhile
            ticket_id = None
        if ticket_id is None:
            skipped.add(agent.id)  # nothing this agent is skilled for; try the others
            session.rollback()
            continue
        agent.last_assigned_at = now
        session.add(AuditEvent(action="ticket.assigned", ticket_id=ticket_id, detail={"to": agent.username, "how": "round_robin"}))
        session.commit()
        assigned += 1
    return assigned


@dataclass(frozen=True)
class Upkept:
    expired: int
    assigned: int


def upkeep(session: so.Session, idle: timedelta, default_mode: str, now: Optional[datetime] = None) -> Upkept:
    """The claim upkeep every caller runs (scheduler job, take-next on the web and the API, CLI):
    return claims idle longer than `idle` to the queue, then auto-assign when a supervisor
    switched it on.

    The expiry is committed before assigning, so the returned tickets are assignable at once.
    """
    expired = expire_idle_claims(session, idle, now)
    session.commit()
    assigned = auto_assign(session, now) if auto_assign_mode(session, default_mode) == "round_robin" else 0
    session.commit()
    return Upkept(expired, assigned)
