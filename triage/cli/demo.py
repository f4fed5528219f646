"""`triage demo`: the demo team and the demo complaints, loaded into an empty database."""
from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from triage import db, users
from triage.cli.ingest import echo_summary, run_items
from triage.models import Ticket, User, utcnow
from triage.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from triage.records import SourceItem

DEMO_FILE = PROJECT_ROOT / "data" / "demo" / "messages.jsonl"

DEMO_ACCOUNTS = (
    ("agen1", "agent", "Agen Satu", 5),
    ("agen2", "agent", "Agen Dua", 5),
    ("supervisor1", "supervisor", "Supervisor Satu", 5),
)


def shifted_to_now(records: list[SourceItem]) -> Iterator[SourceItem]:
    """Move demo records in time so that the newest one is a few minutes old."""
    from triage.records import InboundRecord

    times = [r.sent_at for r in records if isinstance(r, InboundRecord) and r.sent_at]
    shift = (utcnow() - timedelta(minutes=5)) - max(times) if times else timedelta(0)
    for record in records:
        if isinstance(record, InboundRecord) and record.sent_at:
            record.sent_at = record.sent_at + shift
        yield record


def _demo_password(username: str, name: str) -> str:
    """A random password the password rules accept (a draw holding the name is drawn again)."""
    while True:
        password = secrets.token_urlsafe(12)
        try:
            users.check_password(password, username, name)
            return password
        except users.UserError:
            continue


def create_demo_accounts() -> None:
    """Create the demo team once, each with a random password printed here and nowhere else."""
    session = db.get_session()
    created = []
    for username, role, name, capacity in DEMO_ACCOUNTS:
        if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
            continue
        password = _demo_password(username, name)
        users.create_user(session, username, password, role=role, display_name=name, capacity=capacity, on_shift=True)
        created.append((username, role, password))
    session.commit()
    if created:
        click.echo("demo accounts (passwords are shown only now; reset with `triage users password NAME`):")
        for username, role, password in created:
            click.echo(f"  {username:<12} {role:<10} {password}")


@click.command("demo")
@click.option("--path", type=click.Path(path_type=Path, exists=True), default=DEMO_FILE, show_default=True)
@with_appcontext
def demo_command(path: Path) -> None:
    """Create the demo accounts and load the demo complaints into an empty database."""
    from triage.ingest.files import read_jsonl

    create_demo_accounts()
    session = db.get_session()
    if session.scalar(sa.select(sa.func.count()).select_from(Ticket)):
        click.echo("database already has tickets: demo data not loaded")
        return
    items = list(read_jsonl(path))
    if path == DEMO_FILE:  # the demo's own data also holds an email with a dashboard screenshot
        from triage.cli.demo_mail import screenshot_mail

        items.append(screenshot_mail())
    echo_summary(run_items("demo", shifted_to_now(items)))
