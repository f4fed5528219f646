"""Erasing one person and a retention pass over a seeded database; prints the times.

    .venv/bin/python bench/privacy.py --url sqlite:////tmp/bench-privacy.sqlite3 [--tickets 200000] [--reseed]

Erasure looks for the person's names and numbers in every column of erasure.SHARED_TEXT with a
LIKE scan (no index can answer a substring): its time grows with the database. Retention
anonymizes closed tickets in batches of retention.BATCH; the first run over years of history
is the long one, so this measures its rate over the first --batches batches.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from seed import seed  # noqa: E402
from triage import privacy, retention  # noqa: E402
from triage.db import make_engine  # noqa: E402
from triage.models import Contact, Message, Ticket  # noqa: E402
from triage.settings import Settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--batches", type=int, default=10)
    args = parser.parse_args()
    engine = make_engine(args.url)
    with engine.connect() as conn:
        have = conn.scalar(sa.select(sa.func.count()).select_from(Ticket)) if sa.inspect(conn).has_table("tickets") else 0
    if args.reseed or not have:
        seed(args.url, args.tickets, reset=True)
    sessions = so.sessionmaker(engine, expire_on_commit=False)
    with sessions() as s:
        tickets, messages = s.scalar(sa.select(sa.func.count()).select_from(Ticket)), s.scalar(sa.select(sa.func.count()).select_from(Message))
        newest = sa.select(Ticket.contact_id).where(Ticket.channel == "email", Ticket.anonymized_at.is_(None)).order_by(Ticket.id.desc()).limit(1)
        contact = s.get(Contact, s.scalar(newest))
        started = time.perf_counter()
        report = privacy.erase_contact(s, contact, by="bench")
        s.commit()
        erase_s = time.perf_counter() - started
    print(f"database: {engine.dialect.name}, {tickets:,} tickets, {messages:,} messages")
    print(f"erase one contact: {erase_s:.2f} s ({dict(report.changed)})")
    done = {"batches": 0}

    def stop() -> bool:
        done["batches"] += 1
        return done["batches"] >= args.batches

    settings = Settings(database_url=args.url, secret_key="bench", retention_resolved_days=7)
    with sessions() as s:
        started = time.perf_counter()
        run = retention.run_retention(s, settings, should_stop=stop)
        seconds = time.perf_counter() - started
    print(f"retention, first {args.batches} batches: {run.tickets:,} tickets in {seconds:.2f} s = {run.tickets / seconds:,.0f} tickets/s ({run.status})")


if __name__ == "__main__":
    main()
