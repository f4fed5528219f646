"""`triage outbox` and the scheduler's outbox:send job: they send under the sender's lease,
say what waits and what failed, and queue failed replies again."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import command

from builders import ticket, user
from smtp import Inbox, smtp_server
from triage import outbox
from triage.cli.scheduler import LEASE_HELD_EXIT
from triage.migrate import alembic_config
from triage.models import Lease, OutboxReply, utcnow


def _queue(app, session, n):
    settings = app.config["SETTINGS"]
    agent = user(session)
    rows = [outbox.enqueue_email_reply(session, ticket(session, author=f"p{i}@example.com", source_id=f"<c{i}@x>"), agent, "Halo", settings)
            for i in range(n)]
    session.commit()
    return rows


def _point_at(app, port):
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(smtp_host="127.0.0.1", smtp_port=port, outbox_rate=1000.0)


def test_send_status_and_retry(app, runner, session):
    rows = _queue(app, session, 3)
    with smtp_server(Inbox(refuse_rcpt="550 5.1.1 unknown")) as (_, port, _inbox):
        _point_at(app, port)
        result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent: 0  retry later: 0  failed: 3" in result.output
    status = runner.invoke(args=["outbox", "status"]).output
    assert "email     failed    3" in status and f"failed #{rows[0].id} ticket {rows[0].ticket_id} after 1 attempt(s): rejected: 550 5.1.1 unknown" in status
    assert runner.invoke(args=["outbox", "retry", "--id", str(rows[0].id)]).output.strip() == "queued again: 1"
    with smtp_server() as (_, port, inbox):
        _point_at(app, port)
        assert "sent: 1 " in runner.invoke(args=["outbox", "send"]).output
    assert list(inbox.message_ids()) == [rows[0].message_id]


def test_send_does_nothing_while_another_sender_holds_the_lease(app, runner, session):
    _queue(app, session, 1)
    session.add(Lease(name="outbox:send", holder="host-b:9:abc/outbox:send", expires_at=utcnow() + timedelta(seconds=30)))
    session.commit()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == LEASE_HELD_EXIT and "held by host-b:9:abc/outbox:send" in result.output
    assert session.scalars(sa.select(OutboxReply.status)).all() == ["pending"]


def test_the_scheduler_runs_the_outbox_job_under_its_lease(app, runner, session, engine):
    with engine.begin() as connection:  # the scheduler starts only on a migrated database
        command.stamp(alembic_config(connection), "head")
    rows = _queue(app, session, 2)
    with smtp_server() as (_, port, inbox):
        _point_at(app, port)
        result = runner.invoke(args=["scheduler", "--run", "outbox:send"])
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "outbox:send: ran", result.output
    assert sorted(inbox.message_ids()) == sorted(r.message_id for r in rows)
    lease = session.get(Lease, "outbox:send")
    assert lease.holder is None  # released for the next run, anywhere
