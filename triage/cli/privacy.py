"""`triage privacy`: a person's data under UU No. 27/2022 — export, erase — and the retention run.

CONTACT is an email address, an Instagram username or a contact id (triage.privacy.find_contact).
"""
from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Optional

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from triage import db, privacy, retention
from triage.cli.context import app_settings
from triage.models import Ticket, User


def _contact(session, ref: str):
    try:
        return privacy.find_contact(session, ref)
    except privacy.ContactNotFound:
        raise click.ClickException(f"no contact {ref!r} (an email address, an Instagram username or a contact id)") from None


@click.group("privacy")
def privacy_group() -> None:
    """A person's personal data: export it, erase it; the retention run."""


@privacy_group.command("export")
@click.argument("contact")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="write the JSON to this file (default: stdout)")
@with_appcontext
def privacy_export(contact: str, out: Optional[Path]) -> None:
    """Everything held about one person, as JSON."""
    with db.new_session() as session:
        data = privacy.export_contact(session, _contact(session, contact))
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"written: {out} ({len(data['tickets'])} tickets, {len(data['messages'])} messages)", err=True)


@privacy_group.command("erase")
@click.argument("contact")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@click.option("--by", "by", default="", help="the team member who carries out the request (a username; recorded)")
@click.option("--also", multiple=True, help="another name or number of the person to erase from other people's text (repeat)")
@with_appcontext
def privacy_erase(contact: str, yes: bool, by: str, also: tuple[str, ...]) -> None:
    """Erase one person's personal data everywhere it lives; tickets stay as anonymous rows."""
    with db.writer_sessions()() as session:
        found = _contact(session, contact)
        actor = session.scalar(sa.select(User).where(User.username == by.lower())) if by else None
        if by and actor is None:
            raise click.ClickException(f"no user {by!r}")
        tickets = session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.contact_id == found.id))
        if not yes:
            click.confirm(f"Erase the personal data of contact {found.id} ({found.channel}, {tickets} tickets)? This cannot be undone",
                          abort=True)
        report = privacy.erase_contact(session, found, actor, by=by or f"cli:{getpass.getuser()}", also=also)
        session.commit()
    click.echo(f"erased contact {report.contact_id}; rows changed per table:")
    for table, n in sorted(report.changed.items()):
        click.echo(f"  {table}: {n}")


@privacy_group.command("retention")
@click.option("--once", is_flag=True, required=True, help="run one retention pass now (the scheduler runs it daily)")
@with_appcontext
def privacy_retention(once: bool) -> None:
    """Anonymize long-closed tickets, drop old quarantine payloads and login attempts (TRIAGE_RETENTION_*)."""
    settings = app_settings()
    with db.writer_sessions()() as session:
        run = retention.run_retention(session, settings)
    click.echo(f"retention: resolved after {settings.retention_resolved_days} d, quarantine after "
               f"{settings.retention_quarantine_days} d, login attempts after {settings.retention_login_days} d")
    for key, value in run.counts().items():
        click.echo(f"  {key}: {value}")
