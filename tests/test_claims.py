"""Take next, capacity, idle claims and round-robin assignment."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import T0, ticket, user
from triage import claims
from triage.models import AppOption, AuditEvent, Ticket, User, utcnow


def test_take_next_gives_the_most_urgent_ticket_matching_skills(session):
    later = ticket(session, "registration", author="a@example.com", sent_at=T0)  # due +72h
    urgent = ticket(session, "missing_incentive", author="b@example.com", sent_at=T0 + timedelta(hours=5))  # +29h
    cert = ticket(session, "certificate_pending", author="c@example.com", sent_at=T0)  # +48h
    generalist = user(session, "umum")
    specialist = user(session, "khusus", skills=["registration", "certificate_pending"])

    assert claims.take_next_ticket(session, specialist) == cert.id
    got = session.get(Ticket, claims.take_next_ticket(session, generalist), populate_existing=True)
    assert got.id == urgent.id and got.status == "claimed" and got.assignee_id == generalist.id
    assert claims.take_next_ticket(session, specialist) == later.id
    assert claims.take_next_ticket(session, specialist) is None


def test_capacity_limits_how_many_tickets_an_agent_holds(session):
    for i in range(3):
        ticket(session, author=f"p{i}@example.com")
    agent = user(session, capacity=2)
    claims.take_next_ticket(session, agent)
    claims.take_next_ticket(session, agent)
    with pytest.raises(claims.CapacityReached):
        claims.take_next_ticket(session, agent)


def test_idle_claims_return_to_the_queue(session):
    t = ticket(session)
    agent = user(session)
    now = utcnow()
    claims.take_next_ticket(session, agent, now=now - timedelta(minutes=45))
    fresh = ticket(session, author="other@example.com")
    claims.take_next_ticket(session, agent, now=now - timedelta(minutes=5))
    assert claims.expire_idle_claims(session, timedelta(minutes=30), now=now) == 1
    session.commit()
    session.expire_all()
    assert session.get(Ticket, t.id).status == "open" and session.get(Ticket, t.id).assignee_id is None
    assert session.get(Ticket, fresh.id).status == "claimed"


def _at_once(sessionmaker, work, count: int) -> list[object]:
    """Run `work(session, i, barrier)` in `count` threads, each in its own session, committing
    what it did; `work` waits at the barrier so that the threads act together. The outcomes:
    a value, a refusal's name, or an error."""
    barrier, lock, outcomes = threading.Barrier(count), threading.Lock(), []

    def run(i: int) -> None:
        try:
            with sessionmaker() as s:
                got = work(s, i, barrier)
                s.commit()
        except (claims.NotClaimable, claims.CapacityReached) as exc:
            got = type(exc).__name__
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            got = exc
        with lock:
            outcomes.append(got)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    return outcomes


@pytest.mark.parametrize("agents,tickets", [(8, 5), (6, 12)])
def test_agents_pressing_take_next_at_once_never_share_a_ticket(sessionmaker, agents, tickets):
    with sessionmaker() as s:
        for i in range(tickets):
            ticket(s, author=f"p{i}@example.com", sent_at=T0 + timedelta(minutes=i))
        team = [user(s, f"agen{i}", capacity=10).id for i in range(agents)]

    def press(s, i, barrier):
        me = s.get(User, team[i])
        barrier.wait()
        return [got for got in (claims.take_next_ticket(s, me) for _ in range(3)) if got is not None]

    outcomes = _at_once(sessionmaker, press, agents)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert not errors, errors
    taken = [got for o in outcomes for got in o]
    assert len(taken) == len(set(taken)) == min(tickets, agents * 3)
    with sessionmaker() as s:
        rows = s.execute(sa.select(Ticket.id, Ticket.assignee_id).where(Ticket.status == "claimed")).all()
    assert len(rows) == len(taken)


@pytest.mark.parametrize("capacity", [1, 3])
def test_one_agent_pressing_take_next_at_once_never_exceeds_capacity(sessionmaker, capacity):
    """Several take-next requests of one agent at the same instant (two tabs, a double click),
    each in its own session: together they claim exactly up to the capacity, never more."""
    presses = 6
    with sessionmaker() as s:
        for i in range(presses + capacity):
            ticket(s, author=f"p{i}@example.com", sent_at=T0 + timedelta(minutes=i))
        agent_id = user(s, "agen1", capacity=capacity).id

    def press(s, i, barrier):
        me = s.get(User, agent_id)
        barrier.wait()
        return claims.take_next_ticket(s, me)

    for _round in range(3):
        outcomes = _at_once(sessionmaker, press, presses)
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        with sessionmaker() as s:
            held = s.scalars(sa.select(Ticket.id).where(Ticket.assignee_id == agent_id, Ticket.status == "claimed")).all()
            assert len(held) == capacity, (held, outcomes)
            assert sorted(o for o in outcomes if isinstance(o, int)) == sorted(held)
            assert outcomes.count("CapacityReached") == presses - capacity
            s.execute(sa.update(Ticket).values(status="open", assignee_id=None, claimed_at=None))  # the next round starts empty
            s.commit()


def test_round_robin_spreads_tickets_over_on_shift_skilled_agents(session):
    for i in range(5):
        ticket(session, "missing_incentive", author=f"p{i}@example.com", sent_at=T0 + timedelta(minutes=i))
    ticket(session, "registration", author="reg@example.com")
    a = user(session, "a", on_shift=True, capacity=2, skills=["missing_incentive"])
    b = user(session, "b", on_shift=True, capacity=5, skills=["missing_incentive", "registration"])
    off = user(session, "c", on_shift=False, capacity=5)
    sup = user(session, "s", role="supervisor", on_shift=True)
    assigned = claims.auto_assign(session)
    held = dict(session.execute(sa.select(Ticket.assignee_id, sa.func.count()).where(Ticket.status == "claimed").group_by(Ticket.assignee_id)).all())
    assert assigned == 6
    assert held == {a.id: 2, b.id: 4}  # a stops at capacity, b takes the rest and the only registration
    assert off.id not in held and sup.id not in held


def test_auto_assign_mode_is_stored(session):
    boss = user(session, "boss", role="supervisor")
    assert claims.auto_assign_mode(session, "off") == "off"
    claims.set_auto_assign_mode(session, "round_robin", boss)
    session.commit()
    assert claims.auto_assign_mode(session, "off") == "round_robin"
    assert session.get(AppOption, "auto_assign").value == {"mode": "round_robin"}
    with pytest.raises(ValueError):
        claims.set_auto_assign_mode(session, "random", boss)


def test_claims_commands_wait_for_another_writer_and_then_do_their_upkeep(app, runner, session):
    """`triage claims expire/assign` write beside ingestion: a lock held for a moment delays them."""
    from locks import lock_held

    t = ticket(session)
    agent = user(session, on_shift=True)
    t.status, t.assignee_id, t.claimed_at = "claimed", agent.id, utcnow() - timedelta(hours=2)
    session.add(AppOption(key=claims.AUTO_ASSIGN_KEY, value={"mode": "round_robin"}))
    session.commit()
    engine = app.extensions["triage.engine"]
    with lock_held(engine, ["tickets"]) as held:
        threading.Timer(0.3, held.release).start()
        expired = runner.invoke(args=["claims", "expire"])
    assert expired.exit_code == 0 and "expired claims: 1" in expired.output, expired.output
    with lock_held(engine, ["tickets"]) as held:
        threading.Timer(0.3, held.release).start()
        assigned = runner.invoke(args=["claims", "assign"])
    assert assigned.exit_code == 0 and "assigned: 1" in assigned.output, assigned.output
    assert session.get(Ticket, t.id, populate_existing=True).status == "claimed"


def test_a_claimed_ticket_is_its_holders_and_supervisors_may_step_in(session):
    holder, other = user(session, "agen1"), user(session, "agen2")
    boss, admin = user(session, "boss", "supervisor"), user(session, "root", "admin")
    t = ticket(session)
    assert not any(claims.held_by_another(t, u) for u in (holder, other, boss, admin))  # open: anyone may act
    claims.assign(session, t, holder, holder)
    session.commit()
    assert claims.held_by_another(t, other)
    assert not any(claims.held_by_another(t, u) for u in (holder, boss, admin))


def test_claiming_by_hand_needs_an_open_free_ticket_and_spare_capacity(session):
    first, second = ticket(session, author="a@example.com"), ticket(session, author="b@example.com")
    agent, other = user(session, "agen1", capacity=1), user(session, "agen2")
    claims.claim(session, first, agent)
    session.commit()
    assert (first.status, first.assignee_id) == ("claimed", agent.id)
    with pytest.raises(claims.NotClaimable):
        claims.claim(session, first, other)  # held
    with pytest.raises(claims.CapacityReached):
        claims.claim(session, second, agent)
    second.status = "resolved"
    with pytest.raises(claims.NotClaimable):
        claims.claim(session, second, other)  # closed


def test_agents_claiming_one_ticket_by_hand_at_once_give_it_one_holder(sessionmaker):
    """Several agents press "take this ticket" on the same open ticket at the same instant,
    each with the page loaded before: exactly one holds it, the others are refused."""
    agents = 5
    with sessionmaker() as s:
        ticket_id = ticket(s, author="shared@example.com").id
        team = [user(s, f"agen{i}").id for i in range(agents)]

    def press(s, i, barrier):
        t, me = s.get(Ticket, ticket_id), s.get(User, team[i])
        assert t.status == "open"
        barrier.wait()
        claims.claim(s, t, me)
        return me.id

    outcomes = _at_once(sessionmaker, press, agents)
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    winners = [o for o in outcomes if isinstance(o, int)]
    with sessionmaker() as s:
        t = s.get(Ticket, ticket_id)
        assert len(winners) == 1 and t.assignee_id == winners[0] and t.status == "claimed", (outcomes, t.assignee_id)
        assert outcomes.count("NotClaimable") == agents - 1
        assigned = s.scalars(sa.select(AuditEvent).where(AuditEvent.ticket_id == ticket_id, AuditEvent.action == "ticket.assigned")).all()
        assert len(assigned) == 1


def test_one_agent_claiming_by_hand_in_several_tabs_never_exceeds_capacity(sessionmaker):
    """One agent presses "take this ticket" on several different tickets at the same instant
    (tabs opened side by side): the claims stop at the capacity."""
    capacity, tabs = 2, 5
    with sessionmaker() as s:
        ids = [ticket(s, author=f"tab{i}@example.com").id for i in range(tabs)]
        agent_id = user(s, "agen1", capacity=capacity).id

    def press(s, i, barrier):
        t, me = s.get(Ticket, ids[i]), s.get(User, agent_id)
        barrier.wait()
        claims.claim(s, t, me)
        return t.id

    outcomes = _at_once(sessionmaker, press, tabs)
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    with sessionmaker() as s:
        held = s.scalars(sa.select(Ticket.id).where(Ticket.assignee_id == agent_id, Ticket.status == "claimed")).all()
    assert len(held) == capacity, (held, outcomes)
    assert sorted(o for o in outcomes if isinstance(o, int)) == sorted(held)
    assert outcomes.count("CapacityReached") == tabs - capacity
