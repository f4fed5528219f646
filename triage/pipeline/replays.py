"""Dropping replays: a record already stored, or repeated in the batch, changes nothing; a known
id with other content is a revision, stored beside the original (triage.revisions)."""
from __future__ import annotations

import sqlalchemy.orm as so

from triage.pipeline.contacts import contact_handle
from triage.pipeline.item import Item, Outcome, PipelineConfig
from triage.records import InboundRecord
from triage.revisions import DUPLICATE, Revision, sort_replays


def drop_replays(
    session: so.Session, records: list[tuple[int, InboundRecord]], config: PipelineConfig, outcomes: dict[int, Outcome]
) -> list[Item]:
    """The records never stored before (revisions included), as items on their way to the store."""
    handles = [contact_handle(r.channel, r.author)[0] for _, r in records]
    verdicts = sort_replays(session, [r for _, r in records], handles, config.max_message_chars)
    fresh: list[Item] = []
    for (i, record), verdict in zip(records, verdicts):
        if verdict == DUPLICATE:
            outcomes[i] = Outcome("duplicate")
            continue
        revision = verdict if isinstance(verdict, Revision) else None
        fresh.append(Item.capped(i, record, revision, config.max_message_chars))
    return fresh
