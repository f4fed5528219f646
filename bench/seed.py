"""Fill a database with N realistic tickets (default 1,000,000) by bulk insert; print rows/s.

    .venv/bin/python bench/seed.py --url sqlite:////tmp/bench.sqlite3 [--tickets 1000000]
    .venv/bin/python bench/seed.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dbench

The schema is created by the Alembic migrations (the database is emptied first when
--reset is given). Mix: labels as the demo data, 40% email / 60% Instagram, 20% open,
3% claimed, 65% resolved, 12% noise, ages over 180 days weighted to recent weeks, 1-3
messages per ticket, texts drawn from the demo complaints.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage import migrate  # noqa: E402
from triage.db import make_engine  # noqa: E402
from triage.models import Contact, Message, Ticket  # noqa: E402
from triage.priority import compute_due  # noqa: E402
from triage.taxonomy import LABELS  # noqa: E402

LABEL_WEIGHTS = {
    "missing_incentive": 30, "unspent_voucher": 15, "certificate_pending": 15, "payment_account": 12,
    "registration": 10, "other": 8, "noise": 10,
}
STATUS_WEIGHTS = {"open": 20, "claimed": 3, "resolved": 65}
CHUNK = 20_000


def demo_texts() -> dict[str, list[dict]]:
    by_label: dict[str, list[dict]] = {label: [] for label in LABELS}
    for line in (ROOT / "data" / "demo" / "messages.jsonl").read_text().splitlines():
        row = json.loads(line)
        by_label[row["label"]].append(row)
    return by_label


def seed(url: str, tickets: int, reset: bool, seed_value: int = 7) -> None:
    engine = make_engine(url)
    if reset:
        migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        if conn.scalar(sa.select(sa.func.count()).select_from(Ticket)):
            sys.exit("database already has tickets: use --reset to empty it first")
    rng = random.Random(seed_value)
    texts = demo_texts()
    labels = list(LABEL_WEIGHTS)
    label_w = list(LABEL_WEIGHTS.values())
    statuses = list(STATUS_WEIGHTS)
    status_w = list(STATUS_WEIGHTS.values())
    now = datetime.now(timezone.utc)
    contacts_total = int(tickets / 1.4)
    rows = {"contacts": 0, "tickets": 0, "messages": 0}
    start = time.perf_counter()
    with engine.begin() as conn:
        for base in range(0, contacts_total, CHUNK):
            batch = []
            for cid in range(base + 1, min(base + CHUNK, contacts_total) + 1):
                channel = "email" if cid % 5 < 2 else "instagram"
                handle = f"peserta{cid}@example.com" if channel == "email" else f"peserta_{cid}"
                batch.append({"id": cid, "channel": channel, "handle": handle, "display_name": None, "created_at": now})
            conn.execute(sa.insert(Contact.__table__), batch)
            rows["contacts"] += len(batch)
    message_id = 0
    for base in range(0, tickets, CHUNK):
        ticket_rows, message_rows = [], []
        for tid in range(base + 1, min(base + CHUNK, tickets) + 1):
            cid = rng.randint(1, contacts_total)
            channel = "email" if cid % 5 < 2 else "instagram"
            label = rng.choices(labels, label_w)[0]
            age = timedelta(days=min(rng.expovariate(1 / 20), 180), seconds=rng.randint(0, 86_399))
            created = now - age
            status = "noise" if label == "noise" else rng.choices(statuses, status_w)[0]
            sample = rng.choice(texts[label])
            n_messages = rng.choices((1, 2, 3), (75, 20, 5))[0]
            inbound = [sample["text"]] * n_messages
            due = compute_due(label, created, inbound)
            confidence = round(rng.uniform(0.45, 0.999), 4)
            resolved = created + timedelta(hours=rng.uniform(1, 72)) if status == "resolved" else None
            ticket_rows.append(
                {
                    "id": tid, "contact_id": cid, "channel": channel, "subject": sample.get("subject"),
                    "preview": " ".join(sample["text"].split())[:200], "label": label, "confidence": confidence,
                    "needs_review": confidence < 0.57, "label_source": "model", "status": status,
                    "due_at": due.at, "due_explanation": due.explanation, "entities": {},
                    "message_count": n_messages, "assignee_id": None, "merged_into_id": None,
                    "created_at": created, "last_message_at": created + timedelta(hours=n_messages - 1),
                    "claimed_at": None, "first_response_at": resolved, "resolved_at": resolved, "updated_at": created,
                }
            )
            for k in range(n_messages):
                message_id += 1
                message_rows.append(
                    {
                        "id": message_id, "ticket_id": tid, "direction": "inbound", "source": channel,
                        "source_id": f"seed-{message_id}", "author": f"peserta{cid}", "author_name": None,
                        "subject": sample.get("subject"), "text": sample["text"],
                        "sent_at": created + timedelta(hours=k), "in_reply_to": None, "thread_refs": [],
                        "raw_ref": None, "label": label, "confidence": confidence, "meta": {}, "created_at": created,
                    }
                )
        with engine.begin() as conn:
            conn.execute(sa.insert(Ticket.__table__), ticket_rows)
            conn.execute(sa.insert(Message.__table__), message_rows)
        rows["tickets"] += len(ticket_rows)
        rows["messages"] += len(message_rows)
        elapsed = time.perf_counter() - start
        done = sum(rows.values())
        print(f"\r{rows['tickets']:>9,} tickets  {done:>10,} rows  {done / elapsed:>9,.0f} rows/s", end="", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("contacts", "tickets", "messages"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            conn.execute(sa.text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    elapsed = time.perf_counter() - start
    total = sum(rows.values())
    print(
        f"\n{engine.dialect.name}: {rows['tickets']:,} tickets, {rows['messages']:,} messages, "
        f"{rows['contacts']:,} contacts = {total:,} rows in {elapsed:.1f} s: {total / elapsed:,.0f} rows/s "
        f"({rows['tickets'] / elapsed:,.0f} tickets/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--reset", action="store_true", help="downgrade to an empty schema first")
    args = parser.parse_args()
    seed(args.url, args.tickets, args.reset)


if __name__ == "__main__":
    main()
