"""A demo source for `make run`: a few complaints each run, so the queue moves.

The texts come from data/demo/feed.jsonl; each run gives them a new id, a new author and the
current time. Only enabled with TRIAGE_DEMO_FEED=1; never in production.
"""
from __future__ import annotations

import json
import random
import uuid
from pathlib import Path
from typing import Iterator, Optional

from triage.ingest.source import Cursors, Source
from triage.models import utcnow
from triage.records import InboundRecord, SourceItem
from triage.settings import PROJECT_ROOT

FEED_FILE = PROJECT_ROOT / "data" / "demo" / "feed.jsonl"
NAMES = ("Sari", "Agus", "Dewi", "Rudi", "Wulan", "Bayu", "Intan", "Fajar", "Nur", "Yogi")


class DemoFeed(Source):
    """`count` complaints drawn from the feed file, each new and dated now."""

    name = "demo-feed"

    def __init__(self, count: int, rng: Optional[random.Random] = None, path: Path = FEED_FILE) -> None:
        self.count, self.rng, self.path = count, rng or random.Random(), path

    def items(self, cursors: Cursors) -> Iterator[SourceItem]:
        with self.path.open(encoding="utf-8") as fh:
            messages = [json.loads(line) for line in fh if line.strip()]
        for message in self.rng.sample(messages, self.count):
            yield self._record(message)

    def _record(self, message: dict) -> InboundRecord:
        name, number = self.rng.choice(NAMES), self.rng.randint(1, 400)
        if message["channel"] == "email":
            author = f"{name} <{name.lower()}{number}@example.com>"
            source_id = f"<demo-feed-{uuid.uuid4().hex}@example.com>"
        else:
            author = f"{name.lower()}_{number}"
            source_id = f"demo-feed-{uuid.uuid4().hex}"
        return InboundRecord(
            channel=message["channel"],
            source_id=source_id,
            author=author,
            text=message["text"],
            sent_at=utcnow(),
            subject=message.get("subject"),
            raw_ref="demo-feed",
        )
