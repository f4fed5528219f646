"""Latency of the group pages and the groups API at scale (issue 15: p95 <= 100 ms at 1 M tickets).

    .venv/bin/python bench/group_pages.py --url sqlite:////tmp/bench.sqlite3 [--iterations 200]
    .venv/bin/python bench/group_pages.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Run it on a database filled by bench/seed.py. The first run also seeds groups among the open
tickets (skipped when the database has groups already; --reseed-groups replaces them): a few
thousand, most of them small (2-4 members), some hundreds of medium ones (5-40) and a dozen
surges of 200-600 members that arrived within the last six hours. Sizes are kept by the
database's triggers, as in production.

Each route is rendered in-process by the Flask app (test client, a logged-in session or a
bearer token), as bench/queue_pages.py does: the whole request, login lookup to template.
Beside the figures, two baselines measured in the same run: an empty request through the same
app and client, and the ticket page of a ticket in no group (what a page costs without groups).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))  # the repo root: bench._app and triage

import sqlalchemy as sa  # noqa: E402

from bench._app import bench_app, ensure_user, logged_in_clients, new_token, summary  # noqa: E402
from triage.groups import specifics_key  # noqa: E402
from triage.models import Ticket, TicketGroup, utcnow  # noqa: E402
from triage.taxonomy import NOISE  # noqa: E402

PAYOUTS = ("BNI", "GoPay", "OVO", "LinkAja", "DANA")
PLATFORMS = ("Tokopedia", "Bukalapak", "Pintaria", "Sekolahmu", "Pijar Mahir")
SIZES = ((12, 200, 600), (400, 5, 40), (2600, 2, 4))  # (groups, fewest, most members): surges, medium, small


def seed_groups(engine: sa.Engine, reseed: bool, seed_value: int = 15) -> None:
    """Groups among the open tickets, each of one category, with specifics no two share."""
    with engine.begin() as conn:
        if conn.scalar(sa.select(sa.func.count()).select_from(TicketGroup)):
            if not reseed:
                return
            conn.execute(sa.update(Ticket).where(Ticket.group_id.is_not(None)).values(group_id=None))
            conn.execute(sa.text("DELETE FROM group_exclusions"))
            conn.execute(sa.text("DELETE FROM ticket_groups"))
    rng = random.Random(seed_value)
    now = utcnow()
    t0 = time.perf_counter()
    with engine.begin() as conn:
        free: dict[str, list[int]] = {}
        for ticket_id, label in conn.execute(
            sa.select(Ticket.id, Ticket.label).where(Ticket.status == "open", Ticket.merged_into_id.is_(None), Ticket.label != NOISE)
        ):
            free.setdefault(label, []).append(ticket_id)
        for ids in free.values():
            rng.shuffle(ids)
        labels = sorted(free)
        next_id = (conn.scalar(sa.select(sa.func.max(TicketGroup.id))) or 0) + 1
        groups, members, moved = [], [], []
        wave = 0
        for kind, (count, fewest, most) in enumerate(SIZES):
            for _ in range(count):
                label = rng.choices(labels, [len(free[lb]) for lb in labels])[0]
                size = min(rng.randint(fewest, most), len(free[label]))
                if size < 2:
                    continue
                wave += 1
                shared = {"wave": wave, "month": rng.randint(1, 4), "payout": rng.choice(PAYOUTS)} if label != "certificate_pending" else {
                    "wave": wave, "platform": rng.choice(PLATFORMS)}
                ids = [free[label].pop() for _ in range(size)]
                surge = kind == 0
                groups.append(dict(id=next_id, label=label, key=specifics_key(shared), shared=shared, name=None, status="open",
                                   merged_into_id=None, size=0, first_ticket_at=now - timedelta(hours=6 if surge else 48),
                                   last_ticket_at=now - timedelta(minutes=5), centroid={}, surge_since=now - timedelta(hours=2) if surge else None,
                                   surge_alerted_at=None, assignee_id=None, created_at=now, updated_at=now))  # fmt: skip
                members += [{"t": t, "g": next_id} for t in ids]
                if surge:  # a surge's members arrived within the last six hours
                    moved += [{"t": t, "at": now - timedelta(minutes=rng.randint(1, 360))} for t in ids]
                next_id += 1
        conn.execute(sa.insert(TicketGroup.__table__), groups)
        tickets = Ticket.__table__
        if moved:
            conn.execute(sa.update(tickets).where(tickets.c.id == sa.bindparam("t")).values(created_at=sa.bindparam("at"), last_message_at=sa.bindparam("at")), moved)
        conn.execute(sa.update(tickets).where(tickets.c.id == sa.bindparam("t")).values(group_id=sa.bindparam("g")), members)
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('ticket_groups', 'id'), (SELECT max(id) FROM ticket_groups))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    print(f"seeded {len(groups):,} groups with {len(members):,} members in {time.perf_counter() - t0:.1f} s")


def _stand_in_api(app) -> str:
    """The groups API as the groups branch writes it, for a checkout that does not have it yet."""
    from flask import jsonify

    from triage import db, groups

    def listing():
        found = groups.list_groups(db.get_session(), min_size=app.config["SETTINGS"].group_min_size)
        return jsonify(groups=[g.as_dict() for g in found])

    def one(group_id: int):
        return jsonify(groups.group_detail(db.get_session(), group_id).as_dict())

    app.add_url_rule("/_bench/api/v1/groups", "bench_groups", listing)
    app.add_url_rule("/_bench/api/v1/groups/<int:group_id>", "bench_group", one)
    return "/_bench/api/v1/groups"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--reseed-groups", action="store_true")
    args = parser.parse_args()

    app = bench_app(args.url)
    app.add_url_rule("/_bench/empty", "bench_empty", lambda: "")
    engine = app.extensions["triage.engine"]
    seed_groups(engine, args.reseed_groups)
    maker = app.extensions["triage.sessionmaker"]
    with maker() as s:
        agent = ensure_user(s, "bench_agent", "agent", capacity=1_000_000)
        supervisor = ensure_user(s, "bench_supervisor", "supervisor")
        s.commit()
        token = new_token(s, supervisor, ["tickets:read"])
        s.commit()
        agent_id, supervisor_id = agent.id, supervisor.id
        total = s.scalar(sa.select(sa.func.count()).select_from(Ticket))
        n_groups, in_groups = s.execute(sa.select(sa.func.count(), sa.func.sum(TicketGroup.size))).one()
        surge = s.execute(sa.select(TicketGroup.id, TicketGroup.size).where(TicketGroup.surge_since.is_not(None)).order_by(TicketGroup.size.desc()).limit(1)).one()
        medium = s.execute(sa.select(TicketGroup.id, TicketGroup.size).where(TicketGroup.size.between(15, 40)).order_by(TicketGroup.id).limit(1)).one()
        member = s.scalar(sa.select(Ticket.id).where(Ticket.group_id == surge.id, Ticket.status == "open").order_by(Ticket.id).limit(1))
        loner = s.scalar(sa.select(Ticket.id).where(Ticket.group_id.is_(None), Ticket.status == "open", Ticket.message_count == 1).order_by(Ticket.id).limit(1))
    print(f"{engine.dialect.name}: {total:,} tickets, {n_groups:,} groups holding {int(in_groups or 0):,} active tickets; "
          f"biggest surge #{surge.id} ({surge.size}), a medium group #{medium.id} ({medium.size}); "
          f"{args.iterations} iterations per route after {args.warmup} warm-up")

    clients = logged_in_clients(app, agent=agent_id, supervisor=supervisor_id)
    clients["api"] = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    api = "/api/v1/groups"
    if api not in {rule.rule for rule in app.url_map.iter_rules()}:
        api = _stand_in_api(app)
        print(f"  (no GET /api/v1/groups in this checkout: measuring {api}, the same service calls and JSON without the token check)")
    routes = [
        ("empty request (baseline)", "agent", "/_bench/empty"),
        ("ticket page, no group (baseline)", "agent", f"/tickets/{loner}"),
        ("ticket page, surge member", "agent", f"/tickets/{member}"),
        ("dashboard with surges", "supervisor", "/supervisor/"),
        ("group list page", "supervisor", "/groups"),
        (f"group page, surge of {surge.size}", "supervisor", f"/groups/{surge.id}"),
        (f"group page, {medium.size} members", "supervisor", f"/groups/{medium.id}"),
        ("GET /api/v1/groups", "api", api),
        ("GET /api/v1/groups/<surge>", "api", f"{api}/{surge.id}"),
    ]
    results = []
    for name, role, path in routes:
        client = clients[role]
        headers = bearer if role == "api" else {}
        times = []
        for i in range(args.warmup + args.iterations):
            t0 = time.perf_counter()
            response = client.get(path, headers=headers)
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
            size = len(response.get_data())
            response.close()
            if i >= args.warmup:
                times.append(elapsed)
        p50, p95, p99 = summary(times)
        results.append((name, p50, p95, p99, size))
        print(f"  {name:<34} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms   ({size / 1024:6.1f} KiB)", flush=True)
    base = results[1][2]
    print(f"\np95 against the ticket page of a ticket in no group ({base:.1f} ms), and the target (100 ms):")
    for name, _p50, p95, _p99, _size in results[2:]:
        print(f"  {name:<34} {p95 / base:5.2f}x   {'ok' if p95 <= 100 else 'OVER'}")


if __name__ == "__main__":
    main()
