"""A demo source for `make run`: a few fresh generated complaints each run, so the queue moves.

Only enabled with TRIAGE_DEMO_FEED=1; never in production.
"""
from __future__ import annotations

import random
import uuid
from typing import Iterator

from triage.classifier.corpus_generator import sample_message
from triage.records import InboundRecord
from triage.models import utcnow

LABEL_WEIGHTS = {
    "missing_incentive": 30, "unspent_voucher": 15, "certificate_pending": 15, "payment_account": 12,
    "registration": 10, "other": 8, "noise": 10,
}
NAMES = ("Sari", "Agus", "Dewi", "Rudi", "Wulan", "Bayu", "Intan", "Fajar", "Nur", "Yogi")


def demo_records(count: int, rng: random.Random | None = None) -> Iterator[InboundRecord]:
    """Yield `count` new, uniquely identified complaints dated now."""
    rng = rng or random.Random()
    for _ in range(count):
        label = rng.choices(list(LABEL_WEIGHTS), list(LABEL_WEIGHTS.values()))[0]
        channel = "instagram" if rng.random() < 0.6 else "email"
        text = sample_message(label, channel, rng)
        subject = None
        if text.lower().startswith("subject:"):
            first, _, text = text.partition("\n")
            subject = first.split(":", 1)[1].strip()
            text = text.strip()
        name = rng.choice(NAMES)
        number = rng.randint(1, 400)
        if channel == "email":
            author = f"{name} <{name.lower()}{number}@example.com>"
            source_id = f"<demo-feed-{uuid.uuid4().hex}@example.com>"
        else:
            author = f"{name.lower()}_{number}"
            source_id = f"demo-feed-{uuid.uuid4().hex}"
        yield InboundRecord(
            channel=channel,
            source_id=source_id,
            author=author,
            text=text or subject or "halo",
            sent_at=utcnow(),
            subject=subject or ("Keluhan peserta Prakerja" if channel == "email" else None),
            raw_ref="demo-feed",
        )
