"""`triage groups`: the groups of open tickets with one problem, surges first (triage.groups)."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from triage import db, groups
from triage.cli.context import app_settings


@click.command("groups")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of groups (id, name, label, surge, size, tickets, ...).")
@click.option("--all", "include_all", is_flag=True, help="Also closed, merged and small groups.")
@click.option("--lang", type=click.Choice(["id", "en"]), default="id", show_default=True, help="Language of the names.")
@with_appcontext
def groups_command(as_json: bool, include_all: bool, lang: str) -> None:
    """List open groups that are a real pattern (TRIAGE_GROUP_MIN_SIZE members), surges first."""
    listed = groups.list_groups(
        db.get_session(), include_all=include_all, language=lang, min_size=app_settings().group_min_size
    )
    if as_json:
        click.echo(json.dumps([g.as_dict() for g in listed], ensure_ascii=False, indent=2))
        return
    click.echo(f"{'id':>6} {'size':>6} {'surge since (UTC)':17} {'status':7} {'first (UTC)':16}  name")
    for g in listed:
        since = f"{g.surge_since:%Y-%m-%d %H:%M}" if g.surge_since else "-"
        click.echo(f"{g.id:>6} {g.size:>6} {since:17} {g.status:7} {g.since:%Y-%m-%d %H:%M}  {g.name}")
