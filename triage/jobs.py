"""The jobs the scheduler runs (and the CLI runs once): each a plain function of a JobContext.

An ingest job names its source and hands it to the runner (triage/ingest/runner.py), which
drives every source alike. The schedule (triage/schedule.py) names jobs by their key in JOBS.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable, Iterable, Optional

import sqlalchemy.orm as so

from triage import claims, drafts, retention, submissions, surges
from triage.classifier import Classifier
from triage.ingest import runner
from triage.ingest.runner import RunSummary
from triage.ingest.source import Items, Source
from triage.models import AppOption
from triage.outbox_sender import SendSummary, holder_name, send_due
from triage.pipeline import PipelineConfig
from triage.records import SourceItem
from triage.settings import ImapAccount, Settings


@dataclass
class JobContext:
    sessionmaker: Callable[[], so.Session]
    classifier: Classifier
    settings: Settings
    should_stop: Callable[[], bool] = field(default=lambda: False)
    holder: str = ""  # who holds the job's lease (the outbox sender marks the rows it takes with it)


def pipeline_config(settings: Settings) -> PipelineConfig:
    return PipelineConfig(
        thread_window=timedelta(hours=settings.thread_window_hours),
        max_message_chars=settings.max_message_chars,
        grouping=settings.grouping,
        group_window=timedelta(hours=settings.group_window_hours),
        surge_min_size=settings.surge_min_size,
        attachment_max_bytes=settings.attachment_max_bytes,
        attachments_per_message=settings.attachments_per_message,
    )


def ingest(ctx: JobContext, source: Source) -> RunSummary:
    """One recorded run of a source through the pipeline."""
    return runner.ingest(
        ctx.sessionmaker,
        source,
        ctx.classifier,
        pipeline_config(ctx.settings),
        batch_size=ctx.settings.import_batch_size,
        should_stop=ctx.should_stop,
    )


def run_source(ctx: JobContext, source: str, items: Iterable[SourceItem]) -> RunSummary:
    """Items already in hand (files, the demo data) as one recorded run of `source`."""
    return ingest(ctx, Items(source, items))


def ingest_instagram(ctx: JobContext) -> RunSummary:
    """Read the configured profiles' new comments once."""
    from triage.ingest.instagram import instagram_source

    return ingest(ctx, instagram_source(ctx.settings))


def ingest_email_folder(ctx: JobContext, account: ImapAccount, folder: str) -> RunSummary:
    """Fetch what is new in one IMAP folder once (also the safety net beside an IDLE listener)."""
    from triage.ingest.imap.source import FolderFetch

    return ingest(ctx, FolderFetch(account, folder, ctx.settings.imap))


def watch_email_folder(ctx: JobContext, account: ImapAccount, folder: str) -> None:
    """Stay in IMAP IDLE on one folder until asked to stop; new mail becomes tickets in seconds."""
    from triage.ingest.imap.source import watch_folder

    stop = threading.Event()

    def relay() -> None:  # the watch waits on an Event; the scheduler asks through should_stop
        while not stop.wait(0.5):
            if ctx.should_stop():
                stop.set()

    threading.Thread(target=relay, name=f"stop-relay {folder}", daemon=True).start()
    try:
        runner.watch(
            ctx.sessionmaker,
            watch_folder(account, folder, ctx.settings.imap, stop),
            ctx.classifier,
            pipeline_config(ctx.settings),
            batch_size=ctx.settings.import_batch_size,
            should_stop=stop.is_set,
        )
    finally:
        stop.set()


def ingest_demo_feed(ctx: JobContext) -> RunSummary:
    """A few fresh demo complaints (only for `make run`)."""
    from triage.ingest.demo_feed import DemoFeed

    return ingest(ctx, DemoFeed(random.randint(1, 3)))


def expire_and_assign(ctx: JobContext) -> None:
    """Return idle claims to the queue, then auto-assign when a supervisor switched it on; and
    purge old drafts and one-time form keys (triage.drafts, triage.submissions). Login attempts,
    personal data, go with the daily retention job (triage.retention)."""
    with ctx.sessionmaker() as session:
        claims.upkeep(session, timedelta(minutes=ctx.settings.claim_idle_minutes), ctx.settings.auto_assign)
        drafts.purge(session, ctx.settings.draft_keep_days)
        submissions.purge(session)
        session.commit()


def send_outbox(ctx: JobContext) -> SendSummary:
    """Send the queued email replies that are due, at the configured rate, under the job's lease."""
    with ctx.sessionmaker() as session:
        from triage.ingest.imap.sent_copies import mailbox_lookup

        return send_due(session, ctx.settings, ctx.holder or holder_name("job"), should_stop=ctx.should_stop,
                        confirm=mailbox_lookup(ctx.settings))


def surge_upkeep(ctx: JobContext) -> surges.Upkeep:
    """End surges whose inflow stopped, close spent groups, email supervisors about surges."""
    with ctx.sessionmaker() as session:
        return surges.upkeep(session, ctx.settings)


def privacy_retention(ctx: JobContext) -> retention.RetentionRun:
    """Anonymize long-closed tickets, drop old quarantine payloads and login attempts (triage.retention)."""
    with ctx.sessionmaker() as session:
        return retention.run_retention(session, ctx.settings, should_stop=ctx.should_stop)


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


# What the schedule's names stand for: the scheduler runs JOBS[job.run](ctx, **job.params).
JOBS: dict[str, Callable[..., object]] = {
    "ingest_instagram": ingest_instagram,
    "ingest_email_folder": ingest_email_folder,
    "watch_email_folder": watch_email_folder,
    "ingest_demo_feed": ingest_demo_feed,
    "expire_and_assign": expire_and_assign,
    "surge_upkeep": surge_upkeep,
    "reclassify_after_new_model": reclassify_after_new_model,
    "send_outbox": send_outbox,
    "privacy_retention": privacy_retention,
}
