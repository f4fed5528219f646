"""The `triage` console command: builds the app only for the command that runs, and ends an
operator's error in one line."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo
from flask.cli import run_command as flask_run

from triage import create_app
from triage.cli import COMMANDS

# Flask's own commands that serve or list the pages: only they build the app's web part.
WEB_COMMANDS = frozenset({"run", "routes", "shell"})


@click.command("run", params=flask_run.params, help=flask_run.help, short_help=flask_run.short_help)
@click.pass_context
def run_command(ctx: click.Context, **options: object) -> None:
    """Flask's `run` after the start-up check of the database."""
    from triage.operator_errors import check_database

    app = ctx.ensure_object(ScriptInfo).load_app()
    check_database(app.extensions["triage.engine"])  # say it before serving 500 pages
    ctx.invoke(flask_run, **options)


class TriageGroup(FlaskGroup):
    """The `triage` command: its commands are its own, so listing them builds no app."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(click.Group.list_commands(self, ctx))


def main() -> None:
    """Entry point of the `triage` console command; an operator's error ends in one line, exit 2."""
    from triage.classifier.card import ModelError
    from triage.operator_errors import EXIT_CODE, OperatorError, explain_database_error
    from triage.settings import SettingsError

    built: list[Flask] = []

    def build_app() -> Flask:
        invoked = click.get_current_context().find_root().invoked_subcommand
        built.append(create_app(web=invoked is None or invoked in WEB_COMMANDS))
        return built[-1]

    group = TriageGroup(create_app=build_app, add_default_commands=True, load_dotenv=False, help="prakerja-triage")
    for command in (*COMMANDS, run_command):
        group.add_command(command)
    try:
        group.main(prog_name="triage")
        return
    except (SettingsError, ModelError, OperatorError) as exc:
        message = str(exc)
    except sa.exc.DBAPIError as exc:
        explained = explain_database_error(built[-1].extensions["triage.engine"], exc) if built else None
        if explained is None:
            raise
        message = explained
    click.echo(f"Error: {' '.join(message.split())}", err=True)
    raise SystemExit(EXIT_CODE)
