"""N agents pressing take-next in a loop over real HTTP (gunicorn on 127.0.0.1): claims/s, p95, doubles.

    .venv/bin/python bench/take_next.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench [--agents 50 --seconds 60]
    .venv/bin/python bench/take_next.py --url sqlite:////tmp/scale/bench.sqlite3 --agents 1,2,4,8,16 --seconds 20

Each agent has its own API token and loops: POST /api/v1/take-next, then POST
/api/v1/tickets/<id>/resolve (so it stays under its capacity). A double assignment is a
ticket handed to two agents: counted both from the ids the agents received and from the
database (two `ticket.claimed` audit events for one ticket during the run). Any answer
other than 200/204 or a failed connection is an error. With a list of agent counts, the
runs go one after the other on the same server (SQLite: where do errors start?).
Resolves the tickets it claims: run it on a bench database only.
"""
from __future__ import annotations

import argparse
import collections
import sys
import threading
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))  # the repo root: bench._app and triage

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench._app import bench_app, ensure_user, new_token, run_threads, summary  # noqa: E402
from bench.server import gunicorn  # noqa: E402
from triage.models import AuditEvent  # noqa: E402


def make_agents(url: str, count: int) -> list[str]:
    app = bench_app(url)
    maker = app.extensions["triage.sessionmaker"]
    tokens = []
    with maker() as s:
        for i in range(1, count + 1):
            user = ensure_user(s, f"bench_tn_{i:02d}", "agent", capacity=5)
            s.flush()
            tokens.append(new_token(s, user, ["tickets:read", "tickets:write"]))
        s.commit()
    app.extensions["triage.engine"].dispose()
    return tokens


def run(base: str, tokens: list[str], seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    claims: list[tuple[int, int]] = []  # (agent, ticket id)
    take_ms: list[float] = []
    resolve_ms: list[float] = []
    errors: collections.Counter = collections.Counter()
    empty = 0

    def agent(index: int, token: str) -> None:
        nonlocal empty
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            try:
                response = http.post(base + "/api/v1/take-next", timeout=60)
            except requests.RequestException as exc:
                with lock:
                    errors[f"take-next {type(exc).__name__}"] += 1
                continue
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code == 204:
                with lock:
                    empty += 1
                time.sleep(0.05)
                continue
            if response.status_code != 200:
                with lock:
                    errors[f"take-next HTTP {response.status_code}"] += 1
                continue
            ticket_id = response.json()["id"]
            with lock:
                take_ms.append(elapsed)
                claims.append((index, ticket_id))
            t0 = time.perf_counter()
            try:
                done = http.post(base + f"/api/v1/tickets/{ticket_id}/resolve", timeout=60)
                status = done.status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            with lock:
                if status == 200:
                    resolve_ms.append((time.perf_counter() - t0) * 1000)
                else:
                    errors[f"resolve {status}"] += 1

    threads = [threading.Thread(target=agent, args=(i, t)) for i, t in enumerate(tokens)]
    wall = run_threads(threads)
    per_ticket = collections.Counter(ticket_id for _agent, ticket_id in claims)
    return {
        "claims": len(claims),
        "claims_per_s": len(claims) / wall,
        "take_ms": summary(take_ms),
        "resolve_ms": summary(resolve_ms),
        "double_from_responses": sum(1 for n in per_ticket.values() if n > 1),
        "errors": dict(errors),
        "empty": empty,
        "wall": wall,
    }


def doubles_in_database(url: str, since_id: int) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        twice = (
            sa.select(AuditEvent.ticket_id)
            .where(AuditEvent.id > since_id, AuditEvent.action == "ticket.claimed")
            .group_by(AuditEvent.ticket_id)
            .having(sa.func.count() > 1)
            .subquery()
        )
        found = conn.scalar(sa.select(sa.func.count()).select_from(twice))
    engine.dispose()
    return found or 0


def last_audit_id(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    engine.dispose()
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--agents", default="50", help="agent count, or a comma-separated list of counts")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (threads: 4 each)")
    args = parser.parse_args()
    counts = [int(n) for n in args.agents.split(",")]
    tokens = make_agents(args.url, max(counts))
    with gunicorn(args.url, workers=args.workers) as base:
        print(f"gunicorn {args.workers} workers x 4 threads at {base}; {args.url.split('://')[0]}", flush=True)
        for n in counts:
            since = last_audit_id(args.url)
            result = run(base, tokens[:n], args.seconds)
            doubles = doubles_in_database(args.url, since)
            t, r = result["take_ms"], result["resolve_ms"]
            print(
                f"  {n:>3} agents, {result['wall']:.0f} s: {result['claims']:,} claims = {result['claims_per_s']:,.1f} claims/s | "
                f"take-next p50/p95/p99 {t[0]:.1f}/{t[1]:.1f}/{t[2]:.1f} ms | resolve p50/p95 {r[0]:.1f}/{r[1]:.1f} ms | "
                f"double assignments: {result['double_from_responses']} (responses), {doubles} (database) | "
                f"errors: {sum(result['errors'].values())} {result['errors'] or ''} | nothing to take: {result['empty']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
