"""Command line: `triage ...` (the same commands as `flask --app triage ...`)."""
from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from flask.cli import run_command as flask_run

from triage import claims, db, migrate, users
from triage.models import ROLES, Ticket, User, utcnow
from triage.settings import PROJECT_ROOT, Settings

# The ingest machinery (pipeline, parsers, the model) and the scheduler's modules are
# imported by the commands that use them, so that the others start in a fraction of a second.
if TYPE_CHECKING:
    from triage.records import SourceItem
    from triage.ingest.runner import RunSummary
    from triage.jobs import JobContext
    from triage.schedule import Job
    from triage.scheduler import JobRun

DEMO_FILE = PROJECT_ROOT / "data" / "demo" / "messages.jsonl"
TRAINING_DIR = PROJECT_ROOT / "data" / "training"


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def job_context() -> JobContext:
    """What a job needs, from the app: database, classifier, settings."""
    from triage.jobs import JobContext

    return JobContext(db.writer_sessions(), _classifier(), _settings())


def run_items(source: str, items: Iterable[SourceItem]) -> RunSummary:
    """Run items through the pipeline with the app's settings, classifier and database."""
    from triage.jobs import run_source

    return run_source(job_context(), source, items)


# A job did not run because another process holds its lease: nothing failed, nothing was done;
# try again later (sysexits' EX_TEMPFAIL, so cron and scripts can tell it from 1, a failed run).
LEASE_HELD_EXIT = 75


def echo_lease_held(job: Job, outcome: JobRun) -> None:
    """Say which job did nothing, who holds its lease and until when (a dead holder's lasts that long)."""
    if outcome.held_by is None or outcome.held_until is None:
        click.echo(f"{job.name}: did nothing: its lease was held a moment ago and is free now; run again")
        return
    left = max(0, round((outcome.held_until - utcnow()).total_seconds()))
    click.echo(
        f"{job.name}: did nothing: its lease {job.lease_name!r} is held by {outcome.held_by} "
        f"until {outcome.held_until:%Y-%m-%d %H:%M:%S} UTC (in {left} s); if that process is gone, "
        "the lease expires then and the next run takes it"
    )


def echo_summary(summary: RunSummary) -> None:
    click.echo(f"source:      {summary.source} (run {summary.run_id}, {summary.status})")
    click.echo(f"read:        {summary.read}")
    click.echo(f"new tickets: {summary.new_tickets} (noise: {summary.noise})")
    click.echo(f"threaded:    {summary.threaded}")
    click.echo(f"duplicates:  {summary.duplicates}")
    click.echo(f"quarantined: {summary.quarantined}")
    for key, value in summary.detail.items():
        click.echo(f"{key.replace('_', ' ') + ':':13s}{value}")
    if summary.outbound:
        click.echo(f"our replies: {summary.outbound}")
    if summary.requests:
        click.echo(f"requests:    {summary.requests}")
    for ref, reason in summary.quarantine_reasons:
        click.echo(f"  - {ref}: {reason}")
    if summary.error:
        click.echo(f"error:       {summary.error}", err=True)


@click.group("db")
def db_group() -> None:
    """Manage the database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest (or given) revision."""
    migrate.upgrade(db.get_engine(), revision)
    click.echo(f"database at revision {migrate.current_revision(db.get_engine())}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION ("base" empties it)."""
    migrate.downgrade(db.get_engine(), revision)
    click.echo(f"database at revision {migrate.current_revision(db.get_engine())}")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Print the database's current revision."""
    click.echo(migrate.current_revision(db.get_engine()) or "(empty)")


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@with_appcontext
def import_command(paths: tuple[Path, ...]) -> None:
    """Import .eml files, mbox files, maildir folders and JSON Lines files."""
    from triage.ingest.files import read_path

    def items() -> Iterator[SourceItem]:
        for path in paths:
            yield from read_path(path, _own_instagram_accounts())

    summary = run_items("import", items())
    echo_summary(summary)
    if summary.status != "ok":
        raise SystemExit(1)


def _own_instagram_accounts() -> tuple[str, ...]:
    settings = _settings()
    return tuple(a for a in (settings.instagram_own_account, *settings.instagram_profiles) if a)


@click.group("ingest")
def ingest_group() -> None:
    """Run an ingest source once by hand (the scheduler runs the same jobs)."""


@ingest_group.command("instagram")
@click.option("--once", is_flag=True, help="Read the configured profiles' new comments once (live, through instaloader).")
@click.option(
    "--from-dir",
    "from_dir",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Import the *_comments.json files that `instaloader --comments` wrote into DIR instead.",
)
@with_appcontext
def ingest_instagram(once: bool, from_dir: Optional[Path]) -> None:
    """Ingest Instagram comments: live with --once, or offline with --from-dir DIR."""
    from triage.ingest.files import read_path

    if once == (from_dir is not None):
        raise click.UsageError("give exactly one of --once or --from-dir DIR")
    if from_dir is not None:
        summary = run_items("instagram-import", read_path(from_dir, _own_instagram_accounts()))
    else:
        if not _settings().instagram_profiles:
            raise click.UsageError("TRIAGE_INSTAGRAM_PROFILES is empty: no profile to read")
        from triage.schedule import find_job

        summary = run_leased(find_job(_settings(), "instagram"))
    echo_summary(summary)
    if summary.status != "ok":
        raise SystemExit(1)


def run_leased(job: Job) -> RunSummary:
    """Run a scheduled ingest job once by hand, under its lease like the scheduler's runs;
    exit LEASE_HELD_EXIT, saying who holds it, when that lease is held elsewhere."""
    from triage.scheduler import Scheduler

    ctx = job_context()
    outcome = Scheduler(ctx.sessionmaker, ctx.classifier, ctx.settings, [job]).run_job(job)
    if not outcome:
        echo_lease_held(job, outcome)
        raise SystemExit(LEASE_HELD_EXIT)
    if outcome.result is None:  # the job raised; the log has the traceback
        raise click.ClickException(f"{job.name}: the run failed, see the log above")
    return outcome.result


@ingest_group.command("email")
@click.option("--once", "mode", flag_value="once", help="Fetch what is new and exit (for cron and the scheduler).")
@click.option("--idle", "mode", flag_value="idle", help="Stay connected and ingest mail as it arrives (IMAP IDLE).")
@click.option("--account", "names", multiple=True, help="Only this account (repeatable); default: all configured.")
@with_appcontext
def ingest_email_command(mode: str | None, names: tuple[str, ...]) -> None:
    """Ingest email from the IMAP accounts in TRIAGE_IMAP_ACCOUNTS.

    Both modes take the same leases as `triage scheduler`, so a run by hand never overlaps
    a scheduled one on the same folder.
    """
    from dataclasses import replace

    from triage.schedule import build_schedule
    from triage.scheduler import Scheduler

    if mode is None:
        raise click.UsageError("choose --once or --idle")
    settings = _settings()
    accounts = tuple(
        replace(a, idle=(mode == "idle")) for a in settings.imap_accounts if not names or a.name in names
    )
    if not accounts:
        raise click.UsageError("no IMAP account configured (TRIAGE_IMAP_ACCOUNTS) or none matches --account")
    email_only = settings.with_overrides(imap_accounts=accounts, instagram_profiles=(), demo_feed=False)
    schedule = [job for job in build_schedule(email_only) if job.name.startswith("imap:")]
    scheduler = Scheduler(db.writer_sessions(), _classifier(), email_only, schedule)
    if mode == "idle":
        click.echo(f"watching {sum(1 for j in schedule if j.name.endswith(':idle'))} folder(s); SIGTERM or Ctrl-C stops")
        scheduler.serve_forever()
        click.echo("stopped")
        return
    failed = held = False
    for job in schedule:
        outcome = scheduler.run_job(job)
        if not outcome:
            echo_lease_held(job, outcome)
            held = True
            continue
        if outcome.result is None:  # the job raised; the log has the traceback
            click.echo(f"{job.name}: the run failed, see the log above", err=True)
            failed = True
            continue
        echo_summary(outcome.result)
        failed = failed or outcome.result.status != "ok"
    if failed:
        raise SystemExit(1)
    if held:
        raise SystemExit(LEASE_HELD_EXIT)


def shifted_to_now(records: list[SourceItem]) -> Iterator[SourceItem]:
    """Move demo records in time so that the newest one is a few minutes old."""
    from triage.records import InboundRecord

    times = [r.sent_at for r in records if isinstance(r, InboundRecord) and r.sent_at]
    shift = (utcnow() - timedelta(minutes=5)) - max(times) if times else timedelta(0)
    for record in records:
        if isinstance(record, InboundRecord) and record.sent_at:
            record.sent_at = record.sent_at + shift
        yield record


DEMO_ACCOUNTS = (
    ("agen1", "agent", "Agen Satu", 5),
    ("agen2", "agent", "Agen Dua", 5),
    ("supervisor1", "supervisor", "Supervisor Satu", 5),
)


def create_demo_accounts() -> None:
    """Create the demo team once, each with a random password printed here and nowhere else."""
    session = db.get_session()
    created = []
    for username, role, name, capacity in DEMO_ACCOUNTS:
        if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
            continue
        password = secrets.token_urlsafe(9)
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
    echo_summary(run_items("demo", shifted_to_now(list(read_jsonl(path)))))


@click.command("train")
@click.option("--with-feedback", is_flag=True, help="Also learn from agents' relabels (exported from the database).")
@click.option("--folds", default=5, show_default=True)
@click.option("--out", "model_dir", type=click.Path(path_type=Path), default=None, help="Default: the configured model dir.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), default=TRAINING_DIR, show_default=True)
@with_appcontext
def train_command(with_feedback: bool, folds: int, model_dir: Path | None, data_dir: Path) -> None:
    """Pick the best model by cross-validated macro-F1, choose its threshold, save it with its card."""
    from tqdm import tqdm

    from triage.classifier import training
    from triage.classifier.model import save_model
    from triage.retraining import export_feedback

    settings = _settings()
    model_dir = model_dir or settings.model_dir
    files = sorted(data_dir.glob("*.jsonl"))
    if with_feedback:
        feedback_file = settings.instance_path / "feedback.jsonl"
        click.echo(f"exported {export_feedback(db.get_session(), feedback_file)} agent corrections to {feedback_file}")
        files.append(feedback_file)
    examples = training.deduplicate(e for f in files for e in training.read_examples(f))
    click.echo(f"training examples: {len(examples)} from {', '.join(f.name for f in files)}")
    with tqdm(total=len(training.CANDIDATES) * folds, desc="cross-validation", unit="fold") as bar:
        results = training.cross_validate(examples, folds=folds, progress=lambda msg: (bar.set_postfix_str(msg), bar.update()))
    candidates = {name: r for name, r in results.items() if name in training.CANDIDATES}
    chosen = max(candidates, key=lambda name: (candidates[name].written_macro_f1, candidates[name].macro_f1))
    written = [i for i, e in enumerate(examples) if e.source == "written"] or list(range(len(examples)))
    threshold = training.choose_threshold(
        candidates[chosen].oof_proba[written], [examples[i].label for i in written]
    )
    echo_cv_report(results, chosen, threshold)
    pipeline = training.train_final(chosen, examples)
    card = training.build_card(chosen, results, threshold, examples, files, folds)
    path = save_model(pipeline, card, model_dir)
    click.echo(f"saved {path} (version {card['version']})")


def echo_cv_report(results: dict, chosen: str, threshold: dict) -> None:
    from triage.taxonomy import LABELS

    click.echo(
        "\ncross-validated macro-F1, out of fold: over all examples, and over the hand-written ones"
        "\n(which decide; per-label F1 is theirs; ECE = expected calibration error over all)"
    )
    header = f"{'model':26s} {'all':>6s} {'written':>7s} {'ECE':>6s} " + " ".join(
        f"{label[:11]:>11s}" for label in LABELS
    )
    click.echo(header)
    for name, r in sorted(results.items(), key=lambda kv: -kv[1].written_macro_f1):
        ece = "-" if r.ece is None else f"{r.ece:.3f}"
        mark = " *" if name == chosen else ""
        per = " ".join(f"{r.written_per_label_f1.get(label, 0.0):11.3f}" for label in LABELS)
        click.echo(f"{name + mark:26s} {r.macro_f1:6.4f} {r.written_macro_f1:7.4f} {ece:>6s} {per}")
    click.echo(
        f"\nchosen: {chosen}; review threshold {threshold['threshold']:.3f}: "
        f"{threshold['auto_coverage']:.1%} of hand-written messages labeled without review at "
        f"{threshold['auto_precision']:.1%} precision (target {threshold['target_precision']:.0%})"
    )


@click.command("evaluate")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--show-misses/--no-show-misses", default=True, show_default=True)
@with_appcontext
def evaluate_command(path: Path, show_misses: bool) -> None:
    """Measure the model on a labeled JSON Lines file (text, label)."""
    from triage.classifier.training import evaluate, read_examples
    from triage.taxonomy import LABELS

    result = evaluate(_classifier(), read_examples(path))
    click.echo(f"{'label':22s} {'precision':>9s} {'recall':>7s} {'f1':>7s} {'support':>7s}")
    for label, row in result.report.items():
        click.echo(f"{label:22s} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1']:7.3f} {row['support']:7d}")
    click.echo(f"{'macro-F1':22s} {'':9s} {'':7s} {result.macro_f1:7.4f}")
    click.echo("\nconfusion matrix (rows: expected, columns: predicted)")
    short = [label[:6] for label in LABELS]
    click.echo(f"{'':22s} " + " ".join(f"{s:>6s}" for s in short))
    for label, row in zip(LABELS, result.confusion):
        click.echo(f"{label:22s} " + " ".join(f"{n:6d}" for n in row))
    if show_misses:
        click.echo(f"\nmisclassified: {len(result.misclassified)}")
        for expected, predicted, confidence, text in result.misclassified:
            click.echo(f"- expected {expected}, got {predicted} ({confidence:.2f}): {' '.join(text.split())[:160]}")


@click.command("classify")
@click.argument("text")
@with_appcontext
def classify_command(text: str) -> None:
    """Label one message and show what an agent would see."""
    from triage.classifier.entities import extract_entities, masked

    prediction = _classifier().predict([text])[0]
    click.echo(f"label:        {prediction.label}")
    click.echo(f"confidence:   {prediction.confidence:.3f}")
    click.echo("top 3:        " + ", ".join(f"{label} {p:.3f}" for label, p in prediction.top))
    click.echo(f"needs_review: {'yes' if prediction.needs_review else 'no'}")
    entities = {k: v for k, v in masked(extract_entities(text)).items() if v}
    click.echo(f"entities:     {entities or '-'}")


@click.command("reclassify")
@click.option("--needs-review-only", is_flag=True, help="Only tickets flagged for review.")
@with_appcontext
def reclassify_command(needs_review_only: bool) -> None:
    """Relabel open tickets with the current model, keeping labels agents set by hand."""
    from triage.retraining import reclassify_tickets

    with db.writer_sessions()() as session:  # writes beside ingestion, as the scheduler's reclassify job does
        summary = reclassify_tickets(session, _classifier(), only_needs_review=needs_review_only)
    click.echo(
        f"examined {summary.examined}, relabeled {summary.changed}, "
        f"kept {summary.kept_agent_labels} labels set by agents"
    )


def _classifier():
    """The model, loaded on first use: a missing or stale one stops the command with what to run."""
    return current_app.extensions["triage.model"].load()


def _read_password(password_file: Path | None) -> str:
    if password_file is not None:
        return password_file.read_text().strip()
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


def _user_named(session, username: str) -> User:
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
    click.echo(f"password of {user.username} set")


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


@click.group("claims")
def claims_group() -> None:
    """Housekeeping of claimed tickets (for the scheduler)."""


@claims_group.command("expire")
@with_appcontext
def claims_expire() -> None:
    """Return claims idle longer than TRIAGE_CLAIM_IDLE_MINUTES to the queue."""
    with db.writer_sessions()() as session:  # upkeep writes beside ingestion and the web
        n = claims.expire_idle_claims(session, timedelta(minutes=_settings().claim_idle_minutes))
        session.commit()
    click.echo(f"expired claims: {n}")


@claims_group.command("assign")
@with_appcontext
def claims_assign() -> None:
    """Auto-assign open tickets round-robin when that mode is switched on."""
    with db.writer_sessions()() as session:
        if claims.auto_assign_mode(session, _settings().auto_assign) != "round_robin":
            click.echo("auto-assignment is off")
            return
        click.echo(f"assigned: {claims.auto_assign(session)}")


@click.command("scheduler")
@click.option("--run", "run_once", metavar="JOB", default=None, help="Run one job once (if its lease is free) and exit.")
@with_appcontext
def scheduler_command(run_once: Optional[str]) -> None:
    """Run the ingest and upkeep jobs on their schedule until SIGTERM."""
    from triage.operator_errors import check_database
    from triage.schedule import build_schedule
    from triage.scheduler import Scheduler

    settings = _settings()
    check_database(db.get_engine())  # fail now, in one line, not in every job's log
    schedule = build_schedule(settings)
    scheduler = Scheduler(db.writer_sessions(), _classifier(), settings, schedule)
    if run_once is None:
        click.echo("jobs: " + ", ".join(f"{j.name} every {j.interval.total_seconds():.0f}s" for j in schedule))
        scheduler.serve_forever()
        return
    job = next((j for j in schedule if j.name == run_once), None)
    if job is None:
        raise click.UsageError(f"no job {run_once!r}; scheduled: {', '.join(j.name for j in schedule)}")
    outcome = scheduler.run_job(job)
    if not outcome:
        echo_lease_held(job, outcome)
        raise SystemExit(LEASE_HELD_EXIT)
    click.echo(f"{job.name}: ran")


@click.command("runs")
@click.option("--limit", default=20, show_default=True)
@click.option("--source", default=None, help="Only this source.")
@with_appcontext
def runs_command(limit: int, source: Optional[str]) -> None:
    """List recent ingest runs, newest first."""
    from triage.models import IngestRun

    # Plain rows of the table: setting up every ORM mapper would cost more than the listing.
    runs = IngestRun.__table__
    query = sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit)
    if source:
        query = query.where(runs.c.source == source)
    rows = db.get_session().execute(query).all()
    header = f"{'id':>5} {'source':18} {'started (UTC)':19} {'secs':>6} {'status':8} {'fetched':>7} {'new':>5} {'dup':>5} {'thread':>6} {'noise':>5} {'quar':>5} {'req':>5}  error"
    click.echo(header)
    for run in rows:
        secs = f"{(run.finished_at - run.started_at).total_seconds():.1f}" if run.finished_at else "-"
        click.echo(
            f"{run.id:>5} {run.source[:18]:18} {run.started_at:%Y-%m-%d %H:%M:%S} {secs:>6} {run.status:8} "
            f"{run.fetched:>7} {run.new_tickets:>5} {run.duplicates:>5} {run.threaded:>6} {run.noise:>5} "
            f"{run.quarantined:>5} {run.requests:>5}  {(run.error or '')[:80]}"
        )


@click.command("run", params=flask_run.params, help=flask_run.help, short_help=flask_run.short_help)
@click.pass_context
def run_command(ctx: click.Context, **options: object) -> None:
    """Flask's `run` after the start-up check of the database."""
    from triage.operator_errors import check_database

    app = ctx.ensure_object(ScriptInfo).load_app()
    check_database(app.extensions["triage.engine"])  # say it before serving 500 pages
    ctx.invoke(flask_run, **options)


COMMANDS = (
    scheduler_command,
    runs_command,
    db_group,
    import_command,
    demo_command,
    ingest_group,
    users_group,
    claims_group,
    train_command,
    evaluate_command,
    classify_command,
    reclassify_command,
)
# Flask's own commands that serve or list the pages: only they build the app's web part.
WEB_COMMANDS = frozenset({"run", "routes", "shell"})


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


class TriageGroup(FlaskGroup):
    """The `triage` command: its commands are its own, so listing them builds no app."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(click.Group.list_commands(self, ctx))


def main() -> None:
    """Entry point of the `triage` console command; an operator's error ends in one line, exit 2."""
    from triage import create_app
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
if __name__ == "__main__":  # python -m triage.cli
    main()
