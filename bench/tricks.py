"""Each speed trick the web pages keep against the library's plain idiom, in one process.

    .venv/bin/python bench/tricks.py --url URL [--rounds 7 --block 24] [--only gettext,memo,upkeep,statements]

For every trick and every route it serves, requests with the trick (the code as it is) and
without it (the plain idiom, patched in) alternate request by request in ABBA order, so load
from other processes hits both alike. Printed per round: the median ms of each side
and the saving (1 - with/without); then the median over the rounds. A trick is worth keeping
when it saves at least 10% of its route on either database. The tricks measured: the
templates' one-call gettext over a per-request catalog (triage/web/templating.py) against
Flask-Babel's own; the memo of the queue counts and the dashboard history
(triage/web/cache.py); the throttle of take-next's claim upkeep (`cache.due`); statements
built once with their values as parameters (module-level selects, the queue listing's
per-shape cache) against selects built on every call.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))

import flask_babel  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import sqlalchemy.orm as so  # noqa: E402
from jinja2.ext import _gettext_alias  # noqa: E402

from bench._app import bench_app, ensure_user, logged_in_clients  # noqa: E402
from triage import claims, logins, queue, replies, tickets, users  # noqa: E402
from triage.models import ACTIVE_STATUSES, Message, Note, ReadyReply, Ticket, User  # noqa: E402
from triage.queue import Cursor  # noqa: E402
from triage.web import agent, supervisor  # noqa: E402

DEEP_OFFSET = 20_000


@contextmanager
def patched(*triples) -> Iterator[None]:
    """Set (object, attribute, value) for the block, then put the old values back."""
    old = [(obj, name, getattr(obj, name)) for obj, name, _v in triples]
    for obj, name, value in triples:
        setattr(obj, name, value)
    try:
        yield
    finally:
        for obj, name, value in old:
            setattr(obj, name, value)


# --- gettext: Flask-Babel's own installation (Jinja's newstyle wrappers, `_` resolving gettext)

def gettext_plain(app):
    env = app.jinja_env
    custom = dict(env.globals)

    @contextmanager
    def block() -> Iterator[None]:
        tr = flask_babel.get_translations
        env.install_gettext_callables(
            gettext=lambda s: tr().ugettext(s),
            ngettext=lambda s, p, n: tr().ungettext(s, p, n),
            newstyle=True,
            pgettext=lambda c, s: tr().upgettext(c, s),
            npgettext=lambda c, s, p, n: tr().unpgettext(c, s, p, n),
        )
        env.globals["_"] = _gettext_alias
        try:
            yield
        finally:
            env.globals.clear()
            env.globals.update(custom)

    return block


# --- memo and the upkeep throttle: computed on every view

def memo_plain(app):
    def compute(key, seconds, fn):
        return fn()

    return lambda: patched((agent, "memo", compute), (supervisor, "memo", compute))


def due_plain(app):
    return lambda: patched((agent, "due", lambda key, seconds: True))


# --- statements built per call (no lru_cache per shape, no module-level statements)

def _held_count(session, user_id):
    return session.execute(
        sa.select(sa.func.count()).select_from(Ticket).where(Ticket.assignee_id == user_id, Ticket.status == "claimed")
    ).scalar_one()


def _claim_first(session, user, now):
    """claims.claim_first with its statements built on every call."""
    skills = list(user.skills or [])
    query = (
        sa.select(Ticket.id)
        .where(Ticket.status == "open", Ticket.assignee_id.is_(None), Ticket.merged_into_id.is_(None))
        .order_by(Ticket.due_at, Ticket.id)
    )
    if skills:
        query = query.where(Ticket.label.in_(skills))
    claim = sa.update(Ticket).values(status="claimed", assignee_id=user.id, claimed_at=now, updated_at=now).execution_options(synchronize_session=False)
    if session.get_bind().dialect.name == "postgresql":
        ticket_id = session.scalar(query.limit(1).with_for_update(skip_locked=True, of=Ticket))
        if ticket_id is None:
            return None
        session.execute(claim.where(Ticket.id == ticket_id))
        return ticket_id
    while True:
        candidates = session.scalars(query.limit(claims.SQLITE_CANDIDATES)).all()
        if not candidates:
            return None
        for ticket_id in candidates:
            if session.execute(claim.where(Ticket.id == ticket_id, Ticket.status == "open", Ticket.assignee_id.is_(None))).rowcount == 1:
                return ticket_id


def _conversation(session, ticket):
    messages = session.execute(
        sa.select(
            Message.direction, Message.sent_at, Message.author_name, Message.author, Message.text, Message.subject,
            Message.meta["date_missing"].as_boolean(), Message.meta["author_unknown"].as_boolean(),
            Message.meta["revision"].as_string(), Message.meta["id_reused_from"].as_string(),
        )
        .where(Message.ticket_id == ticket.id)
        .order_by(Message.sent_at, Message.id)
    ).all()
    notes = session.execute(
        sa.select(Note.created_at, User.display_name, Note.text)
        .outerjoin(User, User.id == Note.author_id)
        .where(Note.ticket_id == ticket.id)
        .order_by(Note.created_at, Note.id)
    ).all()
    entries = [
        tickets.Entry(d, at, an or a, text, subj, bool(nt), bool(na), tickets._mark(rev, reused))
        for d, at, an, a, text, subj, nt, na, rev, reused in messages
    ]
    entries += [tickets.Entry("note", at, name or "", text) for at, name, text in notes]
    return sorted(entries, key=lambda e: (e.at, e.kind == "note"))


def _page_ticket(session, ticket_id):
    return session.execute(
        sa.select(Ticket)
        .options(so.joinedload(Ticket.contact), so.joinedload(Ticket.assignee), so.lazyload(Ticket.messages))
        .where(Ticket.id == ticket_id)
    ).unique().scalar_one_or_none()


def _contact_tickets(session, ticket, limit=20):
    return session.execute(
        sa.select(Ticket.id, Ticket.label, Ticket.status, Ticket.created_at)
        .where(Ticket.contact_id == ticket.contact_id, Ticket.id != ticket.id)
        .order_by(Ticket.created_at.desc())
        .limit(limit)
    ).all()


def _ready_replies(session):
    edited = dict(session.execute(sa.select(ReadyReply.label, ReadyReply.body)).all())
    return {c.label: edited.get(c.label, c.ready_reply) for c in replies.CATEGORIES}


def _active_members():
    return sa.select(User.id, User.display_name).where(User.active.is_(True)).order_by(User.username)


_session_user_kept = logins.session_user


def _session_user(*args, **kwargs):
    """The request's user through its login, the select built on this call."""
    with patched((logins, "_LOGIN", logins._login_statement())):
        return _session_user_kept(*args, **kwargs)


def statements_plain(app):
    return lambda: patched(
        (queue, "_listing", queue._listing.__wrapped__),
        (claims, "held_count", _held_count),
        (claims, "claim_first", _claim_first),
        (tickets, "conversation", _conversation),
        (tickets, "page_ticket", _page_ticket),
        (tickets, "contact_tickets", _contact_tickets),
        (replies, "ready_replies", _ready_replies),
        (users, "active_members", _active_members),
        (logins, "session_user", _session_user),
    )


@contextmanager
def nothing() -> Iterator[None]:
    yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--block", type=int, default=24, help="requests per side per round (dashboard: a fifth)")
    parser.add_argument("--only", help="comma-separated tricks")
    parser.add_argument("--routes", help="comma-separated route names")
    args = parser.parse_args()

    app = bench_app(args.url)
    engine = app.extensions["triage.engine"]
    maker = app.extensions["triage.sessionmaker"]
    with maker() as s:
        agent_id = ensure_user(s, "bench_agent", "agent", capacity=1_000_000).id
        supervisor_id = ensure_user(s, "bench_supervisor", "supervisor").id
        s.commit()
        s.execute(sa.update(Ticket).where(Ticket.assignee_id == agent_id, Ticket.status == "claimed").values(status="open", assignee_id=None, claimed_at=None))
        s.commit()
        total = s.scalar(sa.select(sa.func.count()).select_from(Ticket))
        active = sa.select(Ticket.due_at, Ticket.id).where(Ticket.status.in_(ACTIVE_STATUSES), Ticket.merged_into_id.is_(None))
        deep = s.execute(active.order_by(Ticket.due_at, Ticket.id).offset(DEEP_OFFSET).limit(1)).first()
        deep = deep or s.execute(active.order_by(Ticket.due_at.desc(), Ticket.id.desc()).limit(1)).first()
        ticket_id = s.scalar(sa.select(Ticket.id).where(Ticket.status == "open", Ticket.message_count == 3).order_by(Ticket.id).limit(1))
    print(f"{engine.dialect.name}: {total:,} tickets; {args.rounds} rounds x {args.block} requests per side (ABBA)", flush=True)

    clients = logged_in_clients(app, agent=agent_id, supervisor=supervisor_id)

    def release() -> None:
        with engine.begin() as conn:
            conn.execute(sa.update(Ticket).where(Ticket.assignee_id == agent_id, Ticket.status == "claimed").values(status="open", assignee_id=None, claimed_at=None))

    routes = {
        "queue": ("GET", "/", "agent", None),
        "queue deep": ("GET", f"/?after={Cursor(deep.due_at, deep.id).encode()}", "agent", None),
        "queue filtered": ("GET", "/?label=certificate_pending&channel=email", "agent", None),
        "queue rows": ("GET", "/queue/rows", "agent", None),
        "ticket": ("GET", f"/tickets/{ticket_id}", "agent", None),
        "take next": ("POST", "/take-next", "agent", release),
        "dashboard": ("GET", "/supervisor/", "supervisor", None),
    }
    # trick: (the plain idiom patched in, the routes it serves)
    tricks: dict[str, tuple] = {
        "gettext (custom _ vs Flask-Babel's)": (gettext_plain(app), ["queue", "queue deep", "queue filtered", "queue rows", "ticket", "dashboard"]),
        "memo": (memo_plain(app), ["queue", "dashboard"]),
        "upkeep throttle (due)": (due_plain(app), ["take next"]),
        "statements built once": (statements_plain(app), ["queue", "queue deep", "queue filtered", "queue rows", "ticket", "take next"]),
    }
    if args.only:
        wanted = args.only.split(",")
        tricks = {k: v for k, v in tricks.items() if any(k.startswith(w) for w in wanted)}

    def timed(route: str) -> tuple[float, float]:
        """Wall and this thread's CPU ms of one request (CPU: less disturbed by other processes,
        but on PostgreSQL it leaves out the server's share)."""
        method, path, role, after = routes[route]
        t0, c0 = time.perf_counter(), time.thread_time()
        response = clients[role].open(path, method=method)
        ms, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
        if response.status_code not in (200, 302):
            raise SystemExit(f"{route}: HTTP {response.status_code}")
        response.close()
        if after:
            after()
        return ms, cpu

    results = []
    for trick, (plain, served) in tricks.items():
        for route in served:
            if args.routes and route not in args.routes.split(","):
                continue
            block = max(4, args.block // 5) if route == "dashboard" else args.block
            for variant in (nothing, plain):  # warm both
                with variant():
                    for _ in range(3):
                        timed(route)
            rounds = []
            print(f"\n{trick} | {route}")
            for r in range(args.rounds):
                sides: dict[str, list[tuple[float, float]]] = {"with": [], "without": []}
                for i in range(block):  # one request each side in turn, ABBA
                    for side in (("with", "without") if i % 2 == 0 else ("without", "with")):
                        with nothing() if side == "with" else plain():
                            sides[side].append(timed(route))
                w = [statistics.median(x[k] for x in sides["with"]) for k in (0, 1)]
                wo = [statistics.median(x[k] for x in sides["without"]) for k in (0, 1)]
                rounds.append((w[0], wo[0], 1 - w[0] / wo[0], w[1], wo[1], 1 - w[1] / wo[1]))
                print(
                    f"  round {r + 1}: wall with {w[0]:7.2f} without {wo[0]:7.2f} ms saving {rounds[-1][2]:6.1%}"
                    f" | cpu with {w[1]:7.2f} without {wo[1]:7.2f} ms saving {rounds[-1][5]:6.1%}",
                    flush=True,
                )
            m = [statistics.median(x[k] for x in rounds) for k in range(6)]
            print(f"  median:  wall with {m[0]:7.2f} without {m[1]:7.2f} ms saving {m[2]:6.1%} | cpu with {m[3]:7.2f} without {m[4]:7.2f} ms saving {m[5]:6.1%}", flush=True)
            results.append((trick, route, m))

    print("\nSummary (medians over rounds): trick | route | wall with / without ms, saving | cpu with / without ms, saving")
    for trick, route, m in results:
        flag = "  >= 10%" if m[2] >= 0.10 else ""
        print(f"  {trick:<52} | {route:<14} | {m[0]:7.2f} {m[1]:7.2f} {m[2]:6.1%} | {m[3]:7.2f} {m[4]:7.2f} {m[5]:6.1%}{flag}")

if __name__ == "__main__":
    main()
