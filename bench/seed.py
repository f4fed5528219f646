"""Fill a database with N realistic tickets (default 1,000,000) by bulk insert; print rows/s.

    .venv/bin/python bench/seed.py --url sqlite:////tmp/bench.sqlite3 [--tickets 1000000] [--reset]
    .venv/bin/python bench/seed.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench --reset

The schema is created by the Alembic migrations (the database is emptied first when
--reset is given); rows then go in through the raw driver: one executemany per chunk on
SQLite, COPY on PostgreSQL. Mix: labels as the demo data (noise 10%), 40% email / 60%
Instagram, texts drawn from the demo complaints of the same label and channel, 1-3
messages per ticket. Of the complaints, --open-share (default 8%) are still open: a
backlog is a small, recent slice of everything ever received (ages of open tickets
average 2 days, capped at 30; resolved and noise tickets average 30 days, capped at a
year). Resolved tickets get a first response and a resolution 1-72 h after creation.
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
sys.path.insert(0, str(ROOT))  # the repo root: triage

from triage import migrate  # noqa: E402
from triage.db import make_engine  # noqa: E402
from triage.models import Ticket  # noqa: E402
from triage.priority import compute_due  # noqa: E402
from triage.taxonomy import LABELS  # noqa: E402

LABEL_WEIGHTS = {
    "missing_incentive": 30, "unspent_voucher": 15, "certificate_pending": 15, "payment_account": 12,
    "registration": 10, "other": 8, "noise": 10,
}
CHUNK = 20_000
CONTACT_COLUMNS = ("id", "channel", "handle", "display_name", "created_at")
TICKET_COLUMNS = (
    "id", "contact_id", "channel", "subject", "preview", "label", "confidence", "needs_review", "label_source",
    "status", "due_at", "due_explanation", "entities", "message_count", "assignee_id", "merged_into_id",
    "created_at", "last_message_at", "claimed_at", "first_response_at", "resolved_at", "updated_at",
)
MESSAGE_COLUMNS = (
    "id", "ticket_id", "direction", "source", "source_id", "author", "author_name", "subject", "text", "sent_at",
    "in_reply_to", "thread_refs", "raw_ref", "label", "confidence", "meta", "created_at",
)


def demo_texts() -> dict[tuple[str, str], list[dict]]:
    """Demo complaints by (label, channel); a label missing on a channel borrows the other's."""
    by_label: dict[str, list[dict]] = {label: [] for label in LABELS}
    for line in (ROOT / "data" / "demo" / "messages.jsonl").read_text().splitlines():
        row = json.loads(line)
        by_label[row["label"]].append(row)
    out = {}
    for label, rows in by_label.items():
        for channel in ("email", "instagram"):
            out[label, channel] = [r for r in rows if r["channel"] == channel] or rows
    return out


class Writer:
    """Bulk rows into one table through the raw driver connection; rows come ready for the driver."""

    def __init__(self, engine: sa.Engine):
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        if self.dialect == "sqlite":
            # A big page cache keeps the secondary indexes' pages in memory while they grow.
            self.raw.execute("PRAGMA cache_size=-1000000")

    def timestamp(self, value: datetime):
        """A naive UTC time as the driver takes it (SQLite: SQLAlchemy's text format)."""
        return value if self.dialect == "postgresql" else value.isoformat(" ", "microseconds")

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        cur = self.raw.cursor()
        if self.dialect == "postgresql":
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        cur.close()

    def commit(self) -> None:
        self.raw.commit()

    def close(self) -> None:
        self.raw.close()


def seed(url: str, tickets: int, reset: bool, open_share: float = 0.08, seed_value: int = 7) -> dict:
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
    now = datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC, as stored
    contacts_total = max(1, int(tickets / 1.4))
    due_cache: dict[tuple[str, str, int], tuple[timedelta, str]] = {}
    rows = {"contacts": 0, "tickets": 0, "messages": 0}
    writer = Writer(engine)
    ts = writer.timestamp
    start = time.perf_counter()
    for base in range(0, contacts_total, CHUNK):
        batch = []
        for cid in range(base + 1, min(base + CHUNK, contacts_total) + 1):
            channel = "email" if cid % 5 < 2 else "instagram"
            handle = f"peserta{cid}@example.com" if channel == "email" else f"peserta_{cid}"
            batch.append((cid, channel, handle, None, ts(now - timedelta(days=365))))
        writer.write("contacts", CONTACT_COLUMNS, batch)
        rows["contacts"] += len(batch)
    writer.commit()
    message_id = 0
    for base in range(0, tickets, CHUNK):
        ticket_rows, message_rows = [], []
        for tid in range(base + 1, min(base + CHUNK, tickets) + 1):
            cid = rng.randint(1, contacts_total)
            channel = "email" if cid % 5 < 2 else "instagram"
            label = rng.choices(labels, label_w)[0]
            if label == "noise":
                status = "noise"
            else:
                status = "open" if rng.random() < open_share else "resolved"
            if status == "open":
                age = timedelta(days=min(rng.expovariate(1 / 2), 30), seconds=rng.randint(0, 86_399))
            else:
                age = timedelta(days=min(rng.expovariate(1 / 30), 365), seconds=rng.randint(0, 86_399))
            created = now - age
            pool = texts[label, channel]
            sample_index = rng.randrange(len(pool))
            sample = pool[sample_index]
            n_messages = rng.choices((1, 2, 3), (75, 20, 5))[0]
            key = (label, channel, sample_index, n_messages)
            if key not in due_cache:  # the due offset depends on the texts only, not on the time
                due = compute_due(label, now.replace(tzinfo=timezone.utc), [sample["text"]] * n_messages)
                due_cache[key] = (due.at.replace(tzinfo=None) - now, due.explanation)
            offset, explanation = due_cache[key]
            confidence = round(rng.uniform(0.45, 0.999), 4)
            resolved = created + timedelta(hours=rng.uniform(1, 72)) if status == "resolved" else None
            if resolved is not None and resolved > now:
                resolved = now
            subject = sample.get("subject") if channel == "email" else None
            created_ts, resolved_ts = ts(created), ts(resolved) if resolved else None
            ticket_rows.append((
                tid, cid, channel, subject, " ".join(sample["text"].split())[:200], label, confidence,
                confidence < 0.57, "model", status, ts(created + offset), explanation, "{}", n_messages, None,
                None, created_ts, ts(created + timedelta(hours=n_messages - 1)), None, resolved_ts, resolved_ts,
                resolved_ts or created_ts,
            ))
            for k in range(n_messages):
                message_id += 1
                message_rows.append((
                    message_id, tid, "inbound", channel, f"seed-{message_id}", f"peserta{cid}", None, subject,
                    sample["text"], ts(created + timedelta(hours=k)), None, "[]", None, label, confidence, "{}",
                    created_ts,
                ))
        writer.write("tickets", TICKET_COLUMNS, ticket_rows)
        writer.write("messages", MESSAGE_COLUMNS, message_rows)
        writer.commit()
        rows["tickets"] += len(ticket_rows)
        rows["messages"] += len(message_rows)
        elapsed = time.perf_counter() - start
        done = sum(rows.values())
        print(f"\r{rows['tickets']:>9,} tickets  {done:>10,} rows  {done / elapsed:>9,.0f} rows/s", end="", flush=True, file=sys.stderr)
    writer.close()
    insert_seconds = time.perf_counter() - start
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in ("contacts", "tickets", "messages"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        else:
            conn.execute(sa.text("ANALYZE"))
    if engine.dialect.name == "postgresql":
        # VACUUM sets the visibility map, which index-only scans (the dashboard's) rely on.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    total_seconds = time.perf_counter() - start
    total = sum(rows.values())
    print(
        f"\n{engine.dialect.name}: {rows['tickets']:,} tickets, {rows['messages']:,} messages, "
        f"{rows['contacts']:,} contacts = {total:,} rows inserted in {insert_seconds:.1f} s: "
        f"{total / insert_seconds:,.0f} rows/s ({rows['tickets'] / insert_seconds:,.0f} tickets/s); "
        f"with ANALYZE (PostgreSQL: VACUUM ANALYZE) {total_seconds:.1f} s"
    )
    engine.dispose()
    return {**rows, "seconds": insert_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--open-share", type=float, default=0.08, help="share of complaints still open (default 0.08)")
    parser.add_argument("--reset", action="store_true", help="downgrade to an empty schema first")
    args = parser.parse_args()
    seed(args.url, args.tickets, args.reset, args.open_share)


if __name__ == "__main__":
    main()
