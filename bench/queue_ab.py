"""The queue pages of two builds, request by request in turn, on one database.

    git worktree add /tmp/before <commit>   # with its own .venv (make install there)
    .venv/bin/python bench/queue_ab.py --url sqlite:////tmp/bench.sqlite3 --before /tmp/before [--requests 400]

Why in turn: on a shared or virtual machine the speed of a core drifts by 2x within a
minute, and even a thread's CPU time moves with it, so two builds timed one after the
other differ by more than what they do. Here each build runs in its own process (its own
tree, venv and imports) and serves one request at a time while the other waits; the
order swaps every pair (ABBA). Both see the same moments of the machine, so their p50 and
p95 compare. Each process renders in-process through the Flask test client, as
bench/queue_pages.py does, logged in as an agent with unlimited capacity.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
DEEP_OFFSET = 20_000  # as bench/queue_pages.py


def _worker(url: str) -> None:
    """Serve requests for the driver: a route name in on stdin, its times out on stdout."""
    import sqlalchemy as sa

    from bench._app import bench_app, ensure_user, logged_in_clients
    from triage.models import ACTIVE_STATUSES, Ticket
    from triage.queue import Cursor

    app = bench_app(url)
    with app.extensions["triage.sessionmaker"]() as s:
        agent_id = ensure_user(s, "bench_agent", "agent", capacity=1_000_000).id
        s.commit()
        active = sa.select(Ticket.due_at, Ticket.id).where(Ticket.status.in_(ACTIVE_STATUSES), Ticket.merged_into_id.is_(None))
        deep = s.execute(active.order_by(Ticket.due_at, Ticket.id).offset(DEEP_OFFSET).limit(1)).first()
    client = logged_in_clients(app, agent=agent_id)["agent"]
    paths = {
        "queue first page": "/",
        "queue deep page": f"/?after={Cursor(deep.due_at, deep.id).encode()}",
        "queue filtered": "/?label=certificate_pending&channel=email",
        "queue searched": "/?q=peserta_4242",
    }
    print(json.dumps(list(paths)), flush=True)
    for line in sys.stdin:
        path = paths[line.strip()]
        wall, cpu = time.perf_counter(), time.thread_time()
        response = client.get(path)
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        print(json.dumps([wall * 1000, cpu * 1000, len(response.data)]), flush=True)


class Build:
    def __init__(self, name: str, root: Path, url: str):
        python = root / ".venv" / "bin" / "python"
        env = {**os.environ, "PYTHONPATH": str(root)}
        self.name = name
        self.proc = subprocess.Popen([str(python), str(HERE), "--worker", "--url", url], cwd=root, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.routes = json.loads(self.proc.stdout.readline())

    def get(self, route: str) -> list[float]:
        self.proc.stdin.write(route + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--before", type=Path, help="the other build's tree (with .venv)")
    parser.add_argument("--after", type=Path, default=HERE.parent.parent, help="default: this tree")
    parser.add_argument("--requests", type=int, default=400, help="per route and build (default 400)")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--routes", default="", help="comma-separated words of the routes to run, e.g. searched,deep (default: all)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _worker(args.url)
    if args.before is None:
        parser.error("--before is required")
    before, after = Build("before", args.before.resolve(), args.url), Build("after", args.after.resolve(), args.url)
    try:
        print(f"before: {args.before}  after: {args.after}; {args.requests} requests per route and build, in turn (ABBA)")
        print(f"{'route':18s} {'build':6s} {'wall p50':>9s} {'wall p95':>9s} {'cpu p50':>8s} {'cpu p95':>8s} {'bytes':>7s}")
        words = [w for w in args.routes.split(",") if w]
        for route in [r for r in before.routes if not words or any(w in r for w in words)]:
            for _ in range(args.warmup):
                before.get(route), after.get(route)
            times: dict[str, list[list[float]]] = {"before": [], "after": []}
            for i in range(args.requests):
                pair = (before, after) if i % 2 == 0 else (after, before)
                for build in pair:
                    times[build.name].append(build.get(route))
            for name in ("before", "after"):
                wall, cpu = [t[0] for t in times[name]], [t[1] for t in times[name]]
                print(f"{route:18s} {name:6s} {_pct(wall, 50):9.2f} {_pct(wall, 95):9.2f} {_pct(cpu, 50):8.2f} {_pct(cpu, 95):8.2f} {int(times[name][-1][2]):7d}")
    finally:
        before.close()
        after.close()


if __name__ == "__main__":
    main()
