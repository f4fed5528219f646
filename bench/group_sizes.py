"""Where a group's size is cheapest: kept by triggers on tickets, or counted when read.

    .venv/bin/python bench/group_sizes.py [--url URL] [--tickets 200000] [--groups 300] [--iterations 50]

Seeds tickets (a tenth of them members of open groups, group sizes skewed: a few big surges, many
small groups, 60% of members still active), then measures in one run, alternating:
- reading the sizes of the open groups as the list page does: the stored column (triggers keep
  it) against counting active members on read through ix_tickets_group_created (group_id,
  created_at), p50/p95 ms;
- the write cost of the triggers: resolving members one UPDATE at a time with the size triggers
  in place and with them dropped, µs per update.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage.db import make_engine  # noqa: E402
from triage.models import ACTIVE_WHERE, Ticket, TicketGroup  # noqa: E402
from triage.models.groups import GROUP_SIZE_TRIGGERS, group_size_trigger_ddl  # noqa: E402
from triage.schema import create_all  # noqa: E402

NOW = datetime(2026, 12, 7, 8, tzinfo=timezone.utc)


def seed(engine: sa.Engine, tickets: int, groups: int, rng: random.Random) -> list[int]:
    """Tickets and groups by plain executemany; returns the open groups' ids."""
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO contacts (id, channel, handle, created_at) VALUES (1, 'email', 'x@example.com', :t)"), {"t": NOW.replace(tzinfo=None)})
        # Zipf-ish sizes: a few thousands, most a handful.
        sizes = [max(1, int(tickets * 0.1 / (i + 1) / 6)) for i in range(groups)]
        conn.execute(
            sa.insert(TicketGroup.__table__),
            [dict(id=i + 1, label="missing_incentive", key=f"wave={i}", shared={"wave": i}, status="open", size=0,
                  first_ticket_at=NOW, last_ticket_at=NOW, centroid={}, created_at=NOW, updated_at=NOW) for i in range(groups)],
        )
        member_of = [gid for gid, size in enumerate(sizes, start=1) for _ in range(size)]
        rows = []
        for i in range(tickets):
            group_id = member_of[i] if i < len(member_of) else None
            active = rng.random() < (0.6 if group_id else 0.08)
            rows.append(dict(
                id=i + 1, contact_id=1, channel="email", preview="", label="missing_incentive", confidence=0.9,
                needs_review=False, label_source="model", status="open" if active else "resolved", due_at=NOW,
                due_explanation="", entities={}, message_count=1, group_id=group_id,
                created_at=NOW - timedelta(hours=rng.random() * 24 * 30), last_message_at=NOW, updated_at=NOW,
            ))  # fmt: skip
            if len(rows) == 20_000:
                conn.execute(sa.insert(Ticket.__table__), rows)
                rows = []
        if rows:
            conn.execute(sa.insert(Ticket.__table__), rows)
    return list(range(1, groups + 1))


def timed(conn: sa.Connection, statement: sa.Executable, params: dict) -> float:
    start = time.perf_counter()
    conn.execute(statement, params).all()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="")
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args()
    engine = make_engine(args.url or f"sqlite:///{tempfile.mkdtemp()}/sizes.sqlite3")
    create_all(engine)
    rng = random.Random(7)
    started = time.perf_counter()
    open_groups = seed(engine, args.tickets, args.groups, rng)
    print(f"{engine.dialect.name}: seeded {args.tickets:,} tickets, {args.groups} open groups in {time.perf_counter() - started:.1f} s")
    groups, tickets = TicketGroup.__table__, Ticket.__table__
    stored = sa.select(groups.c.id, groups.c.size).where(groups.c.status == "open", groups.c.size >= 5)
    counted = (
        sa.select(tickets.c.group_id, sa.func.count())
        .where(tickets.c.group_id.in_(sa.bindparam("ids", expanding=True)), sa.text(ACTIVE_WHERE))
        .group_by(tickets.c.group_id)
        .having(sa.func.count() >= 5)
    )
    with engine.connect() as conn:
        assert dict(conn.execute(stored).all()) == dict(conn.execute(counted, {"ids": open_groups}).all()), "the triggers kept the sizes"
        read = {"stored": [], "counted": []}
        for _ in range(args.iterations):
            read["stored"].append(timed(conn, stored, {}))
            read["counted"].append(timed(conn, counted, {"ids": open_groups}))
    for name, times in read.items():
        times.sort()
        print(f"   sizes of the open groups, {name:7}: p50 {statistics.median(times):7.2f} ms, p95 {times[int(len(times) * 0.95)]:7.2f} ms")
    with engine.connect() as conn:
        members = list(conn.scalars(sa.select(tickets.c.id).where(tickets.c.group_id.is_not(None), sa.text(ACTIVE_WHERE))))
    rng.shuffle(members)
    resolve = sa.update(tickets).where(tickets.c.id == sa.bindparam("tid")).values(status="resolved")
    per = {"with triggers": [], "without": []}
    for round_ in range(6):  # alternate: with, without, with, ...
        mode = "with triggers" if round_ % 2 == 0 else "without"
        with engine.begin() as conn:
            if mode == "without":
                for name in GROUP_SIZE_TRIGGERS:
                    conn.exec_driver_sql(f"DROP TRIGGER {name}" + (" ON tickets" if engine.dialect.name == "postgresql" else ""))
            batch = members[round_ * 300 : (round_ + 1) * 300]
            start = time.perf_counter()
            for tid in batch:
                conn.execute(resolve, {"tid": tid})
            per[mode].append((time.perf_counter() - start) / len(batch) * 1e6)
            if mode == "without":
                if engine.dialect.name == "postgresql":
                    for name in GROUP_SIZE_TRIGGERS:
                        conn.exec_driver_sql(f"DROP FUNCTION {name}()")
                for statement in group_size_trigger_ddl(engine.dialect.name):
                    conn.exec_driver_sql(statement)
    for mode, values in per.items():
        print(f"   resolving a member, {mode:13}: {statistics.median(values):7.1f} µs per UPDATE (rounds {', '.join(f'{v:.0f}' for v in values)})")
    engine.dispose()


if __name__ == "__main__":
    main()
