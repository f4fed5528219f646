"""The jobs the scheduler runs (and the CLI runs once): each a plain function of a JobContext."""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable, Iterable, Optional

import sqlalchemy.orm as so

from triage import claims
from triage.classifier import Classifier
from triage.records import SourceItem
from triage.ingest.runner import RunSummary, load_cursors, run_ingest
from triage.models import AppOption
from triage.pipeline import PipelineConfig
from triage.settings import ImapAccount, Settings


@dataclass
class JobContext:
    sessionmaker: Callable[[], so.Session]
    classifier: Classifier
    settings: Settings
    should_stop: Callable[[], bool] = field(default=lambda: False)


def pipeline_config(settings: Settings) -> PipelineConfig:
    return PipelineConfig(
        thread_window=timedelta(hours=settings.thread_window_hours),
        max_message_chars=settings.max_message_chars,
    )


def run_source(
    ctx: JobContext,
    source: str,
    items: Iterable[SourceItem],
    requests_made: Optional[Callable[[], int]] = None,
) -> RunSummary:
    """Feed one source's items through the pipeline as a recorded run."""
    return run_ingest(
        ctx.sessionmaker,
        source,
        items,
        ctx.classifier,
        pipeline_config(ctx.settings),
        batch_size=ctx.settings.import_batch_size,
        requests_made=requests_made,
        should_stop=ctx.should_stop,
    )


def ingest_instagram(ctx: JobContext) -> RunSummary:
    """Read the configured profiles' new comments once."""
    from triage.ingest.instagram import SOURCE, instagram_source

    with ctx.sessionmaker() as session:
        cursors = load_cursors(session, SOURCE + ":")
    source = instagram_source(ctx.settings, cursors)
    summary = run_source(ctx, SOURCE, source.items(), requests_made=lambda: source.requests_made)
    summary.detail.update(posts_scanned=source.posts_scanned, posts_fetched=source.posts_fetched)
    return summary


def ingest_email_folder(ctx: JobContext, account: ImapAccount, folder: str) -> RunSummary:
    """Fetch what is new in one IMAP folder once (also the safety net beside an IDLE listener)."""
    from triage.ingest import imap

    try:
        conn = imap.connect(account, ctx.settings.imap)
    except imap.ImapError as exc:
        return run_source(ctx, imap.cursor_source(account, folder), imap.failed_items(exc))
    try:
        return imap.ingest_folder(
            ctx.sessionmaker,
            conn,
            account,
            folder,
            ctx.classifier,
            pipeline_config(ctx.settings),
            ctx.settings.imap,
            ctx.settings.import_batch_size,
            should_stop=ctx.should_stop,
        )
    finally:
        imap.logout(conn)


def watch_email_folder(ctx: JobContext, account: ImapAccount, folder: str) -> None:
    """Stay in IMAP IDLE on one folder until asked to stop; new mail becomes tickets in seconds."""
    from triage.ingest import imap

    stop = threading.Event()

    def relay() -> None:  # the watcher waits on an Event; the scheduler asks through should_stop
        while not stop.wait(0.5):
            if ctx.should_stop():
                stop.set()

    threading.Thread(target=relay, name=f"stop-relay {folder}", daemon=True).start()
    try:
        imap.watch_folder(
            ctx.sessionmaker,
            account,
            folder,
            ctx.classifier,
            pipeline_config(ctx.settings),
            ctx.settings.imap,
            stop,
            ctx.settings.import_batch_size,
        )
    finally:
        stop.set()


def ingest_demo_feed(ctx: JobContext) -> RunSummary:
    """A few fresh generated complaints (only for `make run`)."""
    from triage.ingest.demo_feed import demo_records

    return run_source(ctx, "demo-feed", demo_records(random.randint(1, 3)))


def expire_and_assign(ctx: JobContext) -> None:
    """Return idle claims to the queue, then auto-assign when a supervisor switched it on."""
    with ctx.sessionmaker() as session:
        claims.upkeep(session, timedelta(minutes=ctx.settings.claim_idle_minutes), ctx.settings.auto_assign)


RECLASSIFIED_OPTION = "reclassified_model_version"


def reclassify_after_new_model(ctx: JobContext) -> Optional[int]:
    """Once per model version, relabel the tickets that still need review."""
    from triage.retraining import reclassify_tickets

    with ctx.sessionmaker() as session:
        done = session.get(AppOption, RECLASSIFIED_OPTION)
        if done is not None and done.value.get("version") == ctx.classifier.version:
            return None
        summary = reclassify_tickets(session, ctx.classifier, only_needs_review=True)
        if done is None:
            session.add(AppOption(key=RECLASSIFIED_OPTION, value={"version": ctx.classifier.version}))
        else:
            done.value = {"version": ctx.classifier.version}
        session.commit()
        return summary.changed

