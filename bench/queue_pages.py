"""Server-side latency of the hot pages at scale, each beside the bare SQL it runs.

    .venv/bin/python bench/queue_pages.py --url sqlite:////tmp/scale/bench.sqlite3 [--iterations 200]
    .venv/bin/python bench/queue_pages.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Run it on a database filled by bench/seed.py. Each route is rendered in-process by the
Flask app (test client, a logged-in agent or supervisor session): the page time is the
whole request (login lookup, housekeeping, queries, ORM, template). Its "bare" time is
every SQL statement that same request ran, captured from the engine and replayed on a raw
driver connection of the same pool, with the same parameters, fetching all rows: the
floor the page cannot go below. Page and bare alternate in one loop, so load from other
processes hits both alike. Then the slowest statement of each route is EXPLAINed.

Each page also has its CPU time (this thread's), which other processes' load does not
move: compare two builds by it when the machine is busy. Beside them, what no SQL work
can remove: the template rendering inside each request, and an empty request (a route that returns "" through the same app, session and client). Their
sum is the page's floor without any database; where it is already above 3x the bare SQL,
no query or index change can bring that page under 3x in this stack.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))  # the repo root: bench._app and triage
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import flask.templating  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench._app import bench_app, ensure_user, logged_in_clients, summary  # noqa: E402
from triage.models import ACTIVE_STATUSES, Ticket  # noqa: E402
from triage.queue import Cursor  # noqa: E402
from triage.history import WIB  # noqa: E402

DEEP_OFFSET = 20_000  # the deep page starts this many tickets into the active queue


@dataclass
class Capture:
    on: bool = False
    statements: list[tuple[str, object, bool]] = field(default_factory=list)


@dataclass
class Route:
    name: str
    method: str
    path: str
    role: str  # "agent" or "supervisor"
    after: object = None  # called (untimed) after each request, e.g. to release a claim


def _install_capture(engine: sa.Engine) -> Capture:
    capture = Capture()

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _record(conn, cursor, statement, parameters, context, executemany):
        if capture.on:
            capture.statements.append((statement, parameters, executemany))

    return capture


class RenderClock:
    """Time spent in Flask's template rendering, per request (wraps flask.templating._render)."""

    def __init__(self) -> None:
        self.ms = 0.0
        real = flask.templating._render

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.ms += (time.perf_counter() - t0) * 1000

        flask.templating._render = timed

    def take(self) -> float:
        ms, self.ms = self.ms, 0.0
        return ms


def replay(raw, statements) -> list[float]:
    """Run the captured statements on a raw DBAPI connection, then roll back; ms per statement."""
    times = []
    cur = raw.cursor()
    for statement, parameters, many in statements:
        t0 = time.perf_counter()
        if many:
            cur.executemany(statement, parameters)
        else:
            cur.execute(statement, parameters)
        if cur.description is not None:
            cur.fetchall()
        times.append((time.perf_counter() - t0) * 1000)
    cur.close()
    raw.rollback()
    return times


def explain(raw, dialect: str, statement: str, parameters) -> str:
    cur = raw.cursor()
    if dialect == "postgresql":
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
        lines = [r[0] for r in cur.fetchall()]
    else:
        cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        lines = [f"{'  ' * 0}{r[-1]}" for r in cur.fetchall()]
    cur.close()
    raw.rollback()
    return "\n".join("      " + line for line in lines)


def one_line(statement: str, width: int = 150) -> str:
    text = re.sub(r"\s+", " ", statement).strip()
    return text if len(text) <= width else text[: width - 3] + "..."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--search", default="peserta_4242", help="text for the searched queue (default: one contact)")
    parser.add_argument("--only", help="comma-separated route names")
    args = parser.parse_args()

    app = bench_app(args.url)
    app.add_url_rule("/_bench/empty", "bench_empty", lambda: "")  # the floor: app, session, client, nothing else
    render = RenderClock()
    engine = app.extensions["triage.engine"]
    dialect = engine.dialect.name
    capture = _install_capture(engine)
    maker = app.extensions["triage.sessionmaker"]
    with maker() as s:
        agent = ensure_user(s, "bench_agent", "agent", capacity=1_000_000)
        supervisor = ensure_user(s, "bench_supervisor", "supervisor")
        s.commit()
        agent_id, supervisor_id = agent.id, supervisor.id
        # Return claims left by an interrupted earlier run.
        s.execute(sa.update(Ticket).where(Ticket.assignee_id == agent_id, Ticket.status == "claimed").values(status="open", assignee_id=None, claimed_at=None))
        s.commit()
        counts = dict(s.execute(sa.select(Ticket.status, sa.func.count()).group_by(Ticket.status)).all())
        active = sa.select(Ticket.due_at, Ticket.id).where(Ticket.status.in_(ACTIVE_STATUSES), Ticket.merged_into_id.is_(None))
        deep = s.execute(active.order_by(Ticket.due_at, Ticket.id).offset(DEEP_OFFSET).limit(1)).first()
        deep = deep or s.execute(active.order_by(Ticket.due_at.desc(), Ticket.id.desc()).limit(1)).first()
        # A ticket page worth looking at: an open ticket with three messages.
        ticket_id = s.scalar(sa.select(Ticket.id).where(Ticket.status == "open", Ticket.message_count == 3).order_by(Ticket.id).limit(1))
    total = sum(counts.values())
    print(f"{dialect}: {total:,} tickets {counts}; {args.iterations} iterations per route after {args.warmup} warm-up")

    clients = logged_in_clients(app, agent=agent_id, supervisor=supervisor_id)

    def release_claim() -> None:
        with engine.begin() as conn:
            conn.execute(sa.update(Ticket).where(Ticket.assignee_id == agent_id, Ticket.status == "claimed").values(status="open", assignee_id=None, claimed_at=None))

    today = datetime.now(WIB).date()  # the report's days are WIB days
    routes = [
        Route("queue first page", "GET", "/", "agent"),
        Route("queue deep page", "GET", f"/?after={Cursor(deep.due_at, deep.id).encode()}", "agent"),
        Route("queue filtered", "GET", "/?label=certificate_pending&channel=email", "agent"),
        Route("queue searched", "GET", f"/?q={args.search}", "agent"),
        Route("ticket page", "GET", f"/tickets/{ticket_id}", "agent"),
        Route("take next", "POST", "/take-next", "agent", after=release_claim),
        Route("dashboard", "GET", "/supervisor/", "supervisor"),
        Route("report 7 days", "GET", f"/supervisor/report?from={today - timedelta(days=6)}&to={today}", "supervisor"),
        Route("report 92 days", "GET", f"/supervisor/report?from={today - timedelta(days=91)}&to={today}", "supervisor"),
    ]
    if args.only:
        wanted = set(args.only.split(","))
        routes = [r for r in routes if r.name in wanted]

    raw = engine.raw_connection()
    results = []
    for route in routes:
        client = clients[route.role]

        def request() -> None:
            response = client.open(route.path, method=route.method)
            if response.status_code not in (200, 302):
                raise SystemExit(f"{route.name}: HTTP {response.status_code}")
            response.close()

        for _ in range(args.warmup):
            request()
            if route.after:
                route.after()
        capture.statements.clear()
        capture.on = True
        request()
        capture.on = False
        statements = list(capture.statements)
        if route.after:
            route.after()
        page_ms, cpu_ms, bare_ms, render_ms, per_statement = [], [], [], [], [0.0] * len(statements)
        for _ in range(args.iterations):
            render.take()
            c0, t0 = time.thread_time(), time.perf_counter()
            request()
            page_ms.append((time.perf_counter() - t0) * 1000)
            cpu_ms.append((time.thread_time() - c0) * 1000)
            render_ms.append(render.take())
            if route.after:
                route.after()
            times = replay(raw, statements)
            bare_ms.append(sum(times))
            per_statement = [a + b for a, b in zip(per_statement, times)]
        slowest = sorted(range(len(statements)), key=lambda i: -per_statement[i])[:2]
        results.append((route, summary(page_ms), summary(bare_ms), len(statements), [(statements[i], per_statement[i] / args.iterations) for i in slowest], summary(render_ms), summary(cpu_ms)))
        p, b, r = results[-1][1], results[-1][2], results[-1][5]
        print(f"  {route.name:<18} page p50/p95/p99 {p[0]:7.1f} {p[1]:7.1f} {p[2]:7.1f} ms | bare SQL ({len(statements):2d} statements) {b[0]:7.1f} {b[1]:7.1f} {b[2]:7.1f} ms | p95 ratio {p[1] / b[1]:4.1f}x | template p95 {r[1]:5.1f} ms", flush=True)

    empty_client = clients["agent"]
    empty_ms = []
    for i in range(args.warmup + args.iterations):
        t0 = time.perf_counter()
        empty_client.get("/_bench/empty").close()
        if i >= args.warmup:
            empty_ms.append((time.perf_counter() - t0) * 1000)
    empty = summary(empty_ms)
    print(f"  {'empty request':<18} p50/p95/p99 {empty[0]:7.2f} {empty[1]:7.2f} {empty[2]:7.2f} ms (same app, session and client; no SQL, no template)")

    print("\nSlowest statements per route (mean ms) and their plans:")
    for route, _p, _b, _n, slow, _r, _c in results:
        print(f"\n  [{route.name}]")
        for (statement, parameters, many), mean in slow:
            if many or not statement.lstrip().upper().startswith("SELECT"):
                print(f"    {mean:6.2f} ms  {one_line(statement)}")
                continue
            print(f"    {mean:6.2f} ms  {one_line(statement)}")
            print(explain(raw, dialect, statement, parameters))
    raw.close()
    print("\nSummary (ms):  route | page p50 p95 p99 | bare p50 p95 p99 | p95 page/bare | floor without SQL (empty request + template, p95) and its ratio to bare")
    for route, p, b, _n, _slow, r, _c in results:
        floor = empty[1] + r[1]
        print(f"  {route.name:<18} | {p[0]:6.1f} {p[1]:6.1f} {p[2]:6.1f} | {b[0]:6.1f} {b[1]:6.1f} {b[2]:6.1f} | {p[1] / b[1]:4.1f}x | {floor:5.1f} = {floor / b[1]:4.1f}x")
    # The request's own CPU time (this thread's): what the code costs, whatever else the
    # machine runs. Wall times above swing with other processes' load; compare builds by this.
    print("\nPage CPU time (ms, this process's thread only):  route | p50 p95 p99")
    for route, *_rest, c in results:
        print(f"  {route.name:<18} | {c[0]:6.2f} {c[1]:6.2f} {c[2]:6.2f}")


if __name__ == "__main__":
    main()
