"""Benchmark the store stage alone: `process_batch` on synthetic records, no IMAP, no model.

    .venv/bin/python bench/store.py [--n 5000] [--batch 500] [--db URL] [--profile out.prof]

The mix resembles bench/ingest_email.py: 3,000 senders, 5% auto-replies, 10% replies to an
earlier message (in this batch or an earlier one), 2% outbound replies. The classifier is a
fixed hash of the text, so the time measured is threading, ORM work and SQL.
"""
from __future__ import annotations

import argparse
import cProfile
import random
import resource
import sys
import tempfile
import time
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
import sqlalchemy.orm as so  # noqa: E402

from triage.classifier import Prediction  # noqa: E402
from triage.db import make_engine, writer_engine  # noqa: E402
from triage.records import InboundRecord  # noqa: E402
from triage.models import Message, Ticket  # noqa: E402
from triage.schema import create_all  # noqa: E402
from triage.pipeline import PipelineConfig, process_batch  # noqa: E402

LABELS = ["missing_incentive", "unspent_voucher", "certificate_pending", "payment_account", "registration", "noise"]
T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)


class HashClassifier:
    name, version, threshold = "hash", "bench", 0.5

    def predict(self, texts):
        out = []
        for t in texts:
            h = zlib.crc32(t.encode())
            label, conf = LABELS[h % len(LABELS)], 0.3 + (h % 70) / 100
            out.append(Prediction(label, conf, ((label, conf),), conf < self.threshold))
        return out


def records(n: int, seed: int = 1) -> list[InboundRecord]:
    rng = random.Random(seed)
    out: list[InboundRecord] = []
    for i in range(n):
        sender = i % 3000
        sent = T0 + timedelta(seconds=10 * i)
        kind = rng.random()
        text = (f"Insentif saya belum masuk padahal sertifikat sudah terbit sejak {rng.randint(2, 60)} hari. "
                "Mohon dibantu ya min, saya sudah menunggu lama. " * rng.randint(1, 4))
        rec = InboundRecord(channel="email", source_id=f"<s-{seed}-{i}@mail.example.com>",
                            author=f"Peserta {sender} <peserta{sender}@mail.example.com>", text=text,
                            sent_at=sent, subject=f"Keluhan {i}", raw_ref=f"INBOX/{i}")
        if kind < 0.05:
            rec.text, rec.meta = "Saya sedang cuti sampai minggu depan.", {"not_complaint": "auto-reply"}
        elif kind < 0.15 and out:
            rec.in_reply_to = rng.choice(out[-2000:]).source_id
        elif kind < 0.17 and out:
            rec.author, rec.direction = "bantuan@prakerja.example", "outbound"
            rec.meta = {"not_complaint": "own-address"}
            rec.in_reply_to = rng.choice(out[-2000:]).source_id
        out.append(rec)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--db", default="", help="database URL; PostgreSQL gets a throwaway schema (default: a new SQLite file)")
    parser.add_argument("--profile", default="", help="write a cProfile of the run to this file")
    args = parser.parse_args()
    url, drop = args.db or f"sqlite:///{tempfile.mkdtemp()}/store.sqlite3", None
    if url.startswith("postgresql"):  # a schema of its own, dropped at the end
        from ingest_email import postgres_schema_url

        url, drop = postgres_schema_url(url)
    engine = make_engine(url)
    create_all(engine)
    maker = so.sessionmaker(writer_engine(engine), expire_on_commit=False)  # as the jobs write
    recs = records(args.n)
    profiler = cProfile.Profile() if args.profile else None
    kinds: dict[str, int] = {}
    with maker() as session:
        start, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        for k in range(0, len(recs), args.batch):
            for o in process_batch(session, recs[k : k + args.batch], HashClassifier(), PipelineConfig(), source="bench"):
                kinds[o.kind] = kinds.get(o.kind, 0) + 1
            session.commit()
        if profiler:
            profiler.disable()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        tickets = session.scalar(sa.select(sa.func.count()).select_from(Ticket))
        messages = session.scalar(sa.select(sa.func.count()).select_from(Message))
    if profiler:
        profiler.dump_stats(args.profile)
    print(f"{args.n} records in {elapsed:.2f} s = {elapsed / args.n * 1000:.3f} ms/record "
          f"({args.n / elapsed:,.0f}/s), CPU {cpu / args.n * 1000:.3f} ms/record; outcomes {dict(sorted(kinds.items()))}; "
          f"{tickets} tickets, {messages} messages; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    engine.dispose()
    if drop:
        drop()


if __name__ == "__main__":
    main()
