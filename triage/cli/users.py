"""`triage users`: the team's accounts and API tokens."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask.cli import with_appcontext

from triage import db, logins, users
from triage.models import ROLES, User


def _read_password(password_file: Path | None) -> str:
    if password_file is not None:
        return password_file.read_text().strip()
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


def _user_named(session: so.Session, username: str) -> User:
    user = session.scalar(sa.select(User).where(User.username == username.lower()))
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


@click.group("users")
def users_group() -> None:
    """Manage the team's accounts and API tokens."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option("--name", "display_name", default="", help="display name (default: the username)")
@click.option("--skill", "skills", multiple=True, help="a category the agent handles (repeat; none = all)")
@click.option("--capacity", type=int, default=5, show_default=True)
@click.option("--on-shift/--off-shift", default=False)
@click.option("--password-file", type=click.Path(path_type=Path, exists=True, dir_okay=False), help="read the password from this file instead of a prompt")
@with_appcontext
def users_add(username: str, role: str, display_name: str, skills: tuple[str, ...], capacity: int, on_shift: bool, password_file: Path | None) -> None:
    """Add a team member."""
    session = db.get_session()
    try:
        user = users.create_user(session, username, _read_password(password_file), role=role, display_name=display_name, skills=skills, capacity=capacity, on_shift=on_shift)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    session.commit()
    click.echo(f"added {user.username} ({user.role})")


@users_group.command("password")
@click.argument("username")
@click.option("--password-file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@with_appcontext
def users_password(username: str, password_file: Path | None) -> None:
    """Set a team member's password."""
    session = db.get_session()
    user = _user_named(session, username)
    try:
        users.set_password(session, user, _read_password(password_file))
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    session.commit()
    click.echo(f"password of {user.username} set; their logins ended")


@users_group.command("unlock")
@click.argument("username")
@with_appcontext
def users_unlock(username: str) -> None:
    """Forget a team member's failed logins, so that they may log in again at once."""
    session = db.get_session()
    user = _user_named(session, username)
    removed = logins.unlock(session, user)
    session.commit()
    click.echo(f"{user.username}: {removed} failed logins forgotten")


@users_group.command("logout")
@click.argument("username")
@with_appcontext
def users_logout(username: str) -> None:
    """End every login of a team member (every browser must log in again; API tokens stay)."""
    session = db.get_session()
    user = _user_named(session, username)
    ended = logins.end_user_sessions(session, user)
    session.commit()
    click.echo(f"{user.username}: {ended} logins ended")


@users_group.command("token")
@click.argument("username")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(users.API_SCOPES), required=True)
@click.option("--name", default="", help="what the token is for")
@with_appcontext
def users_token(username: str, scopes: tuple[str, ...], name: str) -> None:
    """Create an API token for a team member (printed once)."""
    session = db.get_session()
    user = _user_named(session, username)
    try:
        token = users.create_api_token(session, user, scopes, name)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    session.commit()
    click.echo(token)
