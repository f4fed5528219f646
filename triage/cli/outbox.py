"""`triage outbox`: what waits in the outbox, a send run by hand, failed replies queued again."""
from __future__ import annotations

import signal
import threading
from datetime import timedelta
from typing import Optional

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from triage import db, leases, outbox, outbox_sender
from triage.cli.context import app_settings
from triage.cli.scheduler import LEASE_HELD_EXIT
from triage.models import Lease, OutboxReply, utcnow


@click.group("outbox")
def outbox_group() -> None:
    """Replies waiting to go out, and the sender."""


@outbox_group.command("status")
@click.option("--failed", "show_failed", default=20, show_default=True, help="List this many failed replies.")
@with_appcontext
def outbox_status(show_failed: int) -> None:
    """Replies per channel and status, the oldest one waiting, the failed ones with their error."""
    with db.new_session() as s:
        counts = outbox.status_counts(s)
        for (channel, status), n in sorted(counts.items()):
            click.echo(f"{channel:9} {status:9} {n}")
        if not counts:
            click.echo("the outbox is empty")
        oldest = s.scalar(sa.select(sa.func.min(OutboxReply.created_at)).where(OutboxReply.channel == outbox.EMAIL, OutboxReply.status == outbox.PENDING))
        if oldest is not None:
            click.echo(f"oldest email waiting: {int((utcnow() - oldest).total_seconds())} s")
        failed = s.execute(
            sa.select(OutboxReply.id, OutboxReply.ticket_id, OutboxReply.attempts, OutboxReply.last_error)
            .where(OutboxReply.status == outbox.FAILED).order_by(OutboxReply.id.desc()).limit(show_failed)
        ).all()
        for reply_id, ticket_id, attempts, error in failed:
            click.echo(f"failed #{reply_id} ticket {ticket_id} after {attempts} attempt(s): {error}")


@outbox_group.command("send")
@click.option("--max", "max_rows", type=int, default=None, help="Stop after this many replies.")
@with_appcontext
def outbox_send(max_rows: Optional[int]) -> None:
    """Send what is due now, under the scheduler job's lease, until nothing is due (SIGTERM
    stops after the reply in hand)."""
    from triage.ingest.imap.sent_copies import mailbox_lookup  # IMAP only here: the rest of the CLI stays light

    settings = app_settings()
    writer = db.writer_sessions()
    ttl = timedelta(seconds=settings.lease_seconds)
    holder = outbox_sender.holder_name("cli") + "/" + outbox_sender.LEASE
    with writer() as s:
        if not leases.acquire(s, outbox_sender.LEASE, holder, ttl):
            held = s.get(Lease, outbox_sender.LEASE)
            who = f" by {held.holder} until {held.expires_at:%Y-%m-%d %H:%M:%S} UTC" if held and held.holder else ""
            click.echo(f"did nothing: the sender's lease {outbox_sender.LEASE!r} is held{who}")
            raise SystemExit(LEASE_HELD_EXIT)
    stop = threading.Event()
    before = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with leases.LeaseKeeper(writer, outbox_sender.LEASE, holder, ttl) as keeper:
            with writer() as s:
                summary = outbox_sender.send_due(
                    s, settings, holder, should_stop=lambda: stop.is_set() or keeper.lost.is_set(), max_rows=max_rows,
                    confirm=mailbox_lookup(settings),
                )
    finally:
        signal.signal(signal.SIGTERM, before)
    click.echo(
        f"sent: {summary.sent}  retry later: {summary.retried}  failed: {summary.failed}  "
        f"in doubt, queued again: {summary.in_doubt}  in doubt, found in the support mailbox: {summary.confirmed}"
    )
    if summary.stopped_by:
        click.echo(f"stopped: {summary.stopped_by}")


@outbox_group.command("retry")
@click.option("--id", "reply_ids", type=int, multiple=True, help="Only this reply (repeatable); default: every failed one.")
@with_appcontext
def outbox_retry(reply_ids: tuple[int, ...]) -> None:
    """Queue failed email replies again (same Message-ID, attempts counted afresh)."""
    with db.writer_sessions()() as s:
        n = outbox.retry_failed(s, None, list(reply_ids) or None)
        s.commit()
    click.echo(f"queued again: {n}")
