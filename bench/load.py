"""A bounded load test of mixed agent and supervisor traffic over HTTP on 127.0.0.1.

    .venv/bin/python bench/load.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench [--agents 20 --supervisors 3 --seconds 60]

Starts gunicorn (gunicorn.conf.py) on the bench database, logs every user in through the
login form (CSRF token and all), then runs for a fixed time: each agent opens the queue,
opens a ticket from it, takes the next ticket and resolves it (think time 0.2-0.6 s);
each supervisor opens the dashboard and downloads a CSV export (think time 1-2 s).
Redirects are not followed: each request is timed alone. Prints requests, errors,
p50/p95/p99 per route and throughput. An equivalent of a headless locust run, with no
extra dependency. Resolves the tickets it takes: run it on a bench database only.
"""
from __future__ import annotations

import argparse
import collections
import random
import re
import sys
import threading
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))  # the repo root: bench._app and triage

import requests  # noqa: E402

from bench._app import bench_app, ensure_user, run_threads, summary  # noqa: E402
from bench.server import gunicorn  # noqa: E402
from triage.users import set_password  # noqa: E402

PASSWORD = "bench-load-password-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TICKET_LINK = re.compile(r'href="/tickets/(\d+)"')
EXPORTS = ("backlog", "channels", "flow", "agents", "confidence", "ingest")


def make_users(url: str, agents: int, supervisors: int) -> list[tuple[str, str]]:
    app = bench_app(url)
    maker = app.extensions["triage.sessionmaker"]
    people = [(f"bench_load_agent{i:02d}", "agent") for i in range(1, agents + 1)]
    people += [(f"bench_load_super{i:02d}", "supervisor") for i in range(1, supervisors + 1)]
    with maker() as s:
        for name, role in people:
            user = ensure_user(s, name, role, capacity=5)
            set_password(s, user, PASSWORD)
        s.commit()
    app.extensions["triage.engine"].dispose()
    return people


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter = collections.Counter()

    def call(self, http: requests.Session, route: str, method: str, url: str, **kw) -> requests.Response | None:
        t0 = time.perf_counter()
        try:
            response = http.request(method, url, allow_redirects=False, timeout=60, **kw)
        except requests.RequestException as exc:
            with self.lock:
                self.errors[f"{route}: {type(exc).__name__}"] += 1
            return None
        elapsed = (time.perf_counter() - t0) * 1000
        with self.lock:
            self.times[route].append(elapsed)
            if response.status_code >= 400:
                self.errors[f"{route}: HTTP {response.status_code}"] += 1
        return response


def login(base: str, name: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    token = CSRF.search(http.get(base + "/login", timeout=30).text).group(1)
    response = http.post(base + "/login", data={"username": name, "password": PASSWORD, "csrf_token": token}, allow_redirects=False, timeout=30)
    if response.status_code != 302:
        raise SystemExit(f"login of {name} failed: HTTP {response.status_code}")
    page = http.get(base + "/", timeout=60).text
    return http, CSRF.search(page).group(1)


def agent_loop(base: str, name: str, rec: Recorder, deadline: float, rng: random.Random) -> None:
    http, token = login(base, name)
    while time.monotonic() < deadline:
        page = rec.call(http, "GET / (queue)", "GET", base + "/")
        ids = TICKET_LINK.findall(page.text) if page is not None and page.status_code == 200 else []
        if ids:
            rec.call(http, "GET /tickets/<id>", "GET", base + f"/tickets/{rng.choice(ids)}")
        taken = rec.call(http, "POST /take-next", "POST", base + "/take-next", data={"csrf_token": token})
        location = taken.headers.get("Location", "") if taken is not None else ""
        found = re.search(r"/tickets/(\d+)$", location)
        if found:
            rec.call(http, "POST /tickets/<id>/resolve", "POST", base + f"/tickets/{found.group(1)}/resolve", data={"csrf_token": token})
        time.sleep(rng.uniform(0.2, 0.6))


def supervisor_loop(base: str, name: str, rec: Recorder, deadline: float, rng: random.Random) -> None:
    http, _token = login(base, name)
    while time.monotonic() < deadline:
        rec.call(http, "GET /supervisor/ (dashboard)", "GET", base + "/supervisor/")
        rec.call(http, "GET /supervisor/export/<t>.csv", "GET", base + f"/supervisor/export/{rng.choice(EXPORTS)}.csv")
        time.sleep(rng.uniform(1, 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--supervisors", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    people = make_users(args.url, args.agents, args.supervisors)
    rec = Recorder()
    with gunicorn(args.url, workers=args.workers) as base:
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=agent_loop if role == "agent" else supervisor_loop, args=(base, name, rec, deadline, random.Random(i)))
            for i, (name, role) in enumerate(people)
        ]
        wall = run_threads(threads)
    total = sum(len(v) for v in rec.times.values())
    print(f"{args.url.split('://')[0]}: {args.agents} agents + {args.supervisors} supervisors for {wall:.0f} s, gunicorn {args.workers} workers x 4 threads")
    print(f"  {total:,} requests, {total / wall:,.1f} requests/s, errors: {sum(rec.errors.values())} {dict(rec.errors) or ''}")
    print(f"  {'route':<32} {'requests':>8} {'p50':>8} {'p95':>8} {'p99':>8} ms")
    for route in sorted(rec.times):
        p50, p95, p99 = summary(rec.times[route])
        print(f"  {route:<32} {len(rec.times[route]):>8} {p50:8.1f} {p95:8.1f} {p99:8.1f}")


if __name__ == "__main__":
    main()
