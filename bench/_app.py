"""Shared helpers of the benchmarks: an app on a bench database, bench users, percentiles."""
from __future__ import annotations

import secrets
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from triage import create_app  # noqa: E402
from triage.models import ApiToken, User  # noqa: E402
from triage.settings import Settings  # noqa: E402
from triage.users import create_user  # noqa: E402


def bench_settings(url: str, **overrides) -> Settings:
    return Settings(
        database_url=url,
        secret_key="bench-" + secrets.token_hex(8),
        instance_path=Path(tempfile.mkdtemp(prefix="triage-bench-")),
        session_cookie_secure=False,
        log_level="WARNING",
        **overrides,
    )


def bench_app(url: str):
    app = create_app(bench_settings(url))
    app.config["WTF_CSRF_ENABLED"] = False  # the in-process bench posts forms without a token
    return app


def ensure_user(session, username: str, role: str = "agent", capacity: int = 5) -> User:
    """A bench team member (created once, password random: the benches log in by session or token)."""
    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        user = create_user(session, username, secrets.token_urlsafe(16), role=role, on_shift=True)
        session.flush()
    user.capacity, user.active = capacity, True
    return user


def logged_in_clients(app, **user_ids: int) -> dict:
    """A test client per role, each with a logged-in Flask-Login session for that user id
    and its login on the server (triage.logins), as the login form would leave them."""
    from triage import db, logins

    with app.app_context():
        s = db.get_session()
        keys = {role: logins.start_session(s, s.get(User, user_id)) for role, user_id in user_ids.items()}
        s.commit()
    clients = {}
    for role, user_id in user_ids.items():
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = str(user_id)
            sess["_fresh"] = True
            sess["login_key"] = keys[role]
        clients[role] = client
    return clients


def new_token(session, user: User, scopes: list[str]) -> str:
    """An API token for `user` (the same SHA-256 scheme as `triage users token`)."""
    from triage.users import create_api_token

    return create_api_token(session, user, scopes, name="bench")


def run_threads(threads: list) -> float:
    """Start every thread, wait for all of them, and return the wall time in seconds."""
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values_ms: list[float]) -> tuple[float, float, float]:
    return percentile(values_ms, 50), percentile(values_ms, 95), percentile(values_ms, 99)


__all__ = ["ApiToken", "bench_app", "bench_settings", "ensure_user", "new_token", "summary", "percentile", "run_threads"]
