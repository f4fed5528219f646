"""Builders shared by the tests: records and classifiers with sensible defaults."""
from __future__ import annotations

import itertools
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Sequence

from triage.classifier import Prediction
from triage.records import InboundRecord
from triage.models import Ticket, User
from triage.pipeline import PipelineConfig, process_batch

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
_ids = itertools.count(1)


def record(**overrides: Any) -> InboundRecord:
    n = next(_ids)
    values: dict[str, Any] = dict(
        channel="email",
        source_id=f"<msg-{n}@example.com>",
        author="Budi Santoso <budi@example.com>",
        text="Insentif saya belum masuk padahal sertifikat sudah terbit.",
        sent_at=T0 + timedelta(minutes=n),
        subject="Insentif belum masuk",
    )
    values.update(overrides)
    return InboundRecord(**values)


class FixedClassifier:
    """A classifier that answers what the test tells it to (to isolate pipeline behaviour)."""

    name = "fixed"
    version = "test"
    threshold = 0.5

    def __init__(self, label: str = "missing_incentive", confidence: float = 0.9) -> None:
        self.label, self.confidence = label, confidence
        self.calls: list[list[str]] = []

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        self.calls.append(list(texts))
        return [
            Prediction(self.label, self.confidence, ((self.label, self.confidence),), self.confidence < self.threshold)
            for _ in texts
        ]


class ByText:
    """Labels by a word in the text (the first key found in it), else the default; `card`, when
    given, is what a trained model's card would say (e.g. its move_confidence)."""

    name, version, threshold = "by-text", "test", 0.5

    def __init__(self, labels: dict[str, tuple[str, float]], default=("missing_incentive", 0.9), card=None) -> None:
        self.labels, self.default = labels, default
        if card is not None:
            self.card = card

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        out = []
        for text in texts:
            label, conf = next((v for k, v in self.labels.items() if k in text), self.default)
            out.append(Prediction(label, conf, ((label, conf),), conf < self.threshold))
        return out


PASSWORD = "correct horse battery"


def user(session, username: str = "agen1", role: str = "agent", **overrides: Any) -> User:
    """A committed team member whose password is PASSWORD."""
    from triage import users

    made = users.create_user(session, username, PASSWORD, role=role, **overrides)
    session.commit()
    return made


def ticket(session, label: str = "missing_incentive", confidence: float = 0.9, **record_overrides: Any) -> Ticket:
    """A committed ticket made by the real pipeline from one record."""
    outcome = process_batch(session, [record(**record_overrides)], FixedClassifier(label, confidence), PipelineConfig())[0]
    session.commit()
    return session.get(Ticket, outcome.ticket_id)


def process_env(database_url: str, tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a `triage` process a test starts: this test's database and instance
    folder, and no TRIAGE_ setting leaking in from the shell that runs the suite."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        TRIAGE_DATABASE_URL=database_url,
        TRIAGE_INSTANCE_PATH=str(tmp_path / "instance"),
        TRIAGE_SECRET_KEY="test-process-key",
    )
    env.update(settings)  # a test may override any of the above
    return env


SURGE_TEXTS = (
    "Insentif bulan ke-3 gelombang 48 belum masuk ke LinkAja saya, padahal sertifikat sudah terbit.",
    "Min, insentif ketiga gel 48 belum cair ke LinkAja. Kapan ya?",
    "Sudah lewat jadwal, insentif bulan ke-3 (gelombang 48) tidak masuk ke akun LinkAja.",
    "Saya gelombang 48, pencairan ke-3 via LinkAja belum diterima sampai sekarang.",
)


def surge(session, size: int, *, now: datetime, email_share: float = 1.0, prefix: str = "surge",
          texts: Sequence[str] = SURGE_TEXTS, label: str = "missing_incentive") -> list[int]:
    """`size` people writing about one problem (by default wave 48, month 3, LinkAja) within the
    last two hours, through the real pipeline in one batch: one group, a surge from about 14
    people on (a database without history). Their ticket ids."""
    records = []
    emails = round(size * email_share)
    for i in range(size):
        sent = now - timedelta(minutes=120 * (size - i) / size)
        text = f"{texts[i % len(texts)]} ({prefix} {i})"
        if i < emails:
            records.append(record(source_id=f"<{prefix}-{i}@mail.example.com>", author=f"Peserta {i} <{prefix}{i}@example.com>",
                                  subject=f"Insentif ke-3 belum masuk {i}", text=text, sent_at=sent))
        else:
            records.append(record(channel="instagram", source_id=f"ig-{prefix}-{i}", author=f"{prefix}_{i}", subject=None, text=text,
                                  sent_at=sent, raw_ref=f"https://www.instagram.com/p/DEMO/c/{i}/"))
    outcomes = process_batch(session, records, FixedClassifier(label), PipelineConfig())
    session.commit()
    return [o.ticket_id for o in outcomes]
