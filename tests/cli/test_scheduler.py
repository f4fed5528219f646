"""`triage scheduler --run JOB`: runs that one job once under its lease, or, while another
process holds the lease, does nothing and exits LEASE_HELD_EXIT. The claims tell which happened."""
from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command

from builders import ticket, user
from triage import claims
from triage.cli.scheduler import LEASE_HELD_EXIT
from triage.migrate import alembic_config
from triage.models import Lease, Ticket, utcnow

OTHER = "host-b:77:abc123/upkeep:claims"


@pytest.fixture
def idle_claim(engine, session) -> int:
    """A ticket whose claim has been idle for an hour, on a database the scheduler accepts."""
    with engine.begin() as connection:  # the scheduler starts only on a migrated database
        command.stamp(alembic_config(connection), "head")
    made = ticket(session)
    claims.assign(session, made, user(session, "agen1"), actor=None, now=utcnow() - timedelta(hours=1))
    session.commit()
    return made.id


def status(sessionmaker, ticket_id: int) -> tuple[str, int | None]:
    with sessionmaker() as s:
        found = s.get(Ticket, ticket_id)
        return found.status, found.assignee_id


def lease(sessionmaker) -> Lease | None:
    with sessionmaker() as s:
        return s.get(Lease, "upkeep:claims")


def test_run_once_runs_that_job_and_frees_its_lease(runner, sessionmaker, idle_claim):
    result = runner.invoke(args=["scheduler", "--run", "upkeep:claims"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "upkeep:claims: ran"
    assert status(sessionmaker, idle_claim) == ("open", None)  # the job's work: the idle claim returned
    held = lease(sessionmaker)
    assert held.holder is None and held.expires_at <= utcnow()  # released for the next run, anywhere


def test_run_once_beside_a_held_lease_does_nothing_and_exits_lease_held(runner, sessionmaker, idle_claim):
    expires = utcnow() + timedelta(seconds=40)
    with sessionmaker() as s:
        s.add(Lease(name="upkeep:claims", holder=OTHER, expires_at=expires))
        s.commit()
    result = runner.invoke(args=["scheduler", "--run", "upkeep:claims"])
    assert LEASE_HELD_EXIT == 75 and result.exit_code == LEASE_HELD_EXIT, result.output
    assert f"upkeep:claims: did nothing: its lease 'upkeep:claims' is held by {OTHER}" in result.output
    assert status(sessionmaker, idle_claim)[0] == "claimed"  # the job did not run
    assert lease(sessionmaker).holder == OTHER  # and the holder keeps its lease


def test_run_once_of_an_unknown_job_names_the_scheduled_ones_and_runs_none(runner, settings, sessionmaker, idle_claim):
    from triage.schedule import build_schedule

    result = runner.invoke(args=["scheduler", "--run", "upkeep:nothing"])
    assert result.exit_code == 2
    scheduled = ", ".join(job.name for job in build_schedule(settings))
    assert "upkeep:claims" in scheduled and f"no job 'upkeep:nothing'; scheduled: {scheduled}" in result.output
    assert status(sessionmaker, idle_claim)[0] == "claimed" and lease(sessionmaker) is None
