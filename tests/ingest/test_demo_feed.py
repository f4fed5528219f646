"""The demo feed (`make run`): a few complaints from the committed feed file, new each run."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import timedelta

from triage.ingest.demo_feed import FEED_FILE, DemoFeed
from triage.models import utcnow
from triage.records import InboundRecord


def test_each_run_gives_the_feed_texts_new_ids_authors_and_the_current_time():
    texts = {json.loads(line)["text"] for line in FEED_FILE.read_text(encoding="utf-8").splitlines()}
    before = utcnow()
    first = list(DemoFeed(3, random.Random(1)).items({}))
    again = list(DemoFeed(3, random.Random(1)).items({}))  # the same draw: the same texts, new ids
    assert len(first) == 3 and all(isinstance(r, InboundRecord) for r in first)
    assert [r.text for r in first] == [r.text for r in again] and {r.text for r in first} <= texts
    assert not {r.source_id for r in first} & {r.source_id for r in again}
    assert all(before <= r.sent_at <= utcnow() + timedelta(seconds=1) for r in first)
    for r in first:
        assert r.raw_ref == "demo-feed"
        if r.channel == "email":
            assert r.subject and r.author.endswith("@example.com>") and r.source_id.startswith("<demo-feed-")
        else:
            assert r.subject is None and "@" not in r.author and r.source_id.startswith("demo-feed-")


def test_the_feed_file_holds_both_channels_and_the_source_needs_no_training_tools():
    rows = [json.loads(line) for line in FEED_FILE.read_text(encoding="utf-8").splitlines()]
    assert {r["channel"] for r in rows} == {"email", "instagram"} and all(r["text"].strip() for r in rows)
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, triage.ingest.demo_feed; print(sorted(m for m in sys.modules if m.startswith('triage.classifier')))"],
        capture_output=True, text=True, check=True,
    )
    assert loaded.stdout.strip() == "[]"
