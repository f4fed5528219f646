"""Surges: groups whose inflow over the last hours is far above what their category and specifics
normally receive; decided in the pipeline's batch for the groups it touched, and by a scheduled
job that ends surges once inflow stops, closes spent groups and emails supervisors.

The test (README, "Surges"). For a group g of category c, over the surge window W (3 h) and the
14 days L before it:
    k    = members of g that arrived in the last W hours
    n    = tickets of c that arrived in the last W hours (n >= k)
    m, N = tickets of c with g's specifics (same key), and all tickets of c, that arrived in L
    p    = (m + 1) / (N + 2)   the share of c's tickets that normally carry g's specifics
           (Laplace's rule: a key never seen gets a small share, a category never seen one half)
Under "nothing unusual", each of the n recent tickets of c carries g's specifics with chance p,
so k ~ Binomial(n, p). g becomes a surge when P(X >= k) < 1e-4 and k >= the minimum size
(TRIAGE_SURGE_MIN_SIZE, 10); it stays one until P(X >= k) > 1e-2 or k falls under half the
minimum (hysteresis, so a surge does not flicker). Testing the share rather than a count against
the 14-day rate keeps a busy category's daily peak from looking like a surge (every key rises
with the category, their shares do not), and the minimum keeps a quiet category's five similar
tickets from being one. A group of near-identical wording has no specifics shared with other
groups: its m is its own members before the window. A rise of a whole category with no group
standing out is not a surge by this test (the dashboard's inflow chart shows it).
"""
from __future__ import annotations

import logging
import math
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any, Iterable, Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.groups import CLOSED, OPEN, TEXT_KEY_PREFIX, group_name, hourly_inflow, lock_grouping
from triage.i18n import Language, catalog
from triage.models import AppOption, Ticket, TicketGroup, utcnow
from triage.outbox_sender import open_smtp
from triage.settings import Settings

log = logging.getLogger(__name__)

SURGE_WINDOW = timedelta(hours=3)
LOOKBACK = timedelta(days=14)
START_P = 1e-4  # a group becomes a surge below this tail probability
END_P = 1e-2  # and stops being one above this one
BASELINE_OPTION = "surge_baseline"  # app_options row: the 14-day counts, recomputed hourly
BASELINE_MAX_AGE = timedelta(hours=1)
ALERT_EVERY = timedelta(hours=1)
CHUNK = 500


def _log_term(i: int, n: int, p: float) -> float:
    return math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * math.log(p) + (n - i) * math.log1p(-p)


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p).

    Summed term by term from the side of the mode where terms shrink, each term relative to the
    first one (its logarithm kept aside), so neither tiny tails underflow nor big n overflow.
    """
    if k <= 0:
        return 1.0
    if k > n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    if k > n * p:  # above the mean: the upper tail itself
        term, total, ratio = 1.0, 0.0, p / (1.0 - p)
        for i in range(k, n + 1):
            total += term
            if term < total * 1e-17:
                break
            term *= (n - i) / (i + 1) * ratio
        return min(1.0, math.exp(_log_term(k, n, p) + math.log(total)))
    term, total, ratio = 1.0, 0.0, (1.0 - p) / p  # below the mean: one minus the lower tail
    for i in range(k - 1, -1, -1):
        total += term
        if term < total * 1e-17:
            break
        term *= i / (n - i + 1) * ratio
    return max(0.0, 1.0 - math.exp(_log_term(k - 1, n, p) + math.log(total)))


@dataclass(frozen=True)
class Baseline:
    """Tickets per category and per (category, key) that arrived in the 14 days before the window."""

    computed_at: datetime
    categories: dict[str, int]
    keys: dict[str, int]  # "label|key" -> tickets

    def share(self, label: str, key: str, own_before: int) -> float:
        m = own_before if key.startswith(TEXT_KEY_PREFIX) else self.keys.get(f"{label}|{key}", 0)
        return (m + 1) / (self.categories.get(label, 0) + 2)


def compute_baseline(session: so.Session, now: datetime) -> Baseline:
    """Count the lookback's arrivals (one range scan of the created_at index) and keep them."""
    start, end = now - SURGE_WINDOW - LOOKBACK, now - SURGE_WINDOW
    arrived = sa.and_(Ticket.created_at >= start, Ticket.created_at < end, Ticket.merged_into_id.is_(None))
    categories = dict(session.execute(sa.select(Ticket.label, sa.func.count()).where(arrived).group_by(Ticket.label)).all())
    keys = {
        f"{label}|{key}": count
        for label, key, count in session.execute(
            sa.select(TicketGroup.label, TicketGroup.key, sa.func.count())
            .join(Ticket, Ticket.group_id == TicketGroup.id)
            .where(arrived, ~TicketGroup.key.startswith(TEXT_KEY_PREFIX))
            .group_by(TicketGroup.label, TicketGroup.key)
        )
    }
    baseline = Baseline(now, categories, keys)
    value = {"computed_at": now.isoformat(), "categories": categories, "keys": keys}
    row = session.get(AppOption, BASELINE_OPTION)
    if row is None:
        session.add(AppOption(key=BASELINE_OPTION, value=value))
    else:
        row.value = value
    return baseline


def current_baseline(session: so.Session, now: datetime) -> Baseline:
    """The stored baseline while it is under an hour old (by `now`), else a fresh one."""
    row = session.get(AppOption, BASELINE_OPTION)
    if row is not None:
        value = row.value or {}
        try:
            computed_at = datetime.fromisoformat(value["computed_at"])
        except (KeyError, TypeError, ValueError):
            computed_at = None
        if computed_at is not None and timedelta(0) <= now - computed_at < BASELINE_MAX_AGE:
            return Baseline(computed_at, dict(value.get("categories", {})), dict(value.get("keys", {})))
    return compute_baseline(session, now)


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _arrivals(session: so.Session, group_ids: Sequence[int], since: datetime, until: datetime) -> dict[int, int]:
    """Members of each group that arrived in [since, until) (a range of ix_tickets_group_created)."""
    counts: dict[int, int] = {}
    for chunk in _chunks(list(group_ids)):
        counts.update(
            session.execute(
                sa.select(Ticket.group_id, sa.func.count())
                .where(Ticket.group_id.in_(chunk), Ticket.created_at >= since, Ticket.created_at < until, Ticket.merged_into_id.is_(None))
                .group_by(Ticket.group_id)
            ).all()
        )
    return counts


@dataclass(frozen=True)
class SurgeTest:
    group_id: int
    arrived: int  # k
    category_arrived: int  # n
    share: float  # p
    tail: float  # P(X >= k)


def decide(session: so.Session, group_ids: Iterable[int], now: Optional[datetime] = None, *, min_size: int = 10) -> list[SurgeTest]:
    """Run the test on these open groups; set surge_since when one starts, clear it when it ends.

    Only a surge, or a group with at least `min_size` arrivals in the window, can change, so the
    others cost one count of their recent arrivals; returns the tests that ran.
    """
    now = now or utcnow()
    ids = sorted(set(group_ids))
    if not ids:
        return []
    window_start, until = now - SURGE_WINDOW, now + timedelta(microseconds=1)
    recent = _arrivals(session, ids, window_start, until)
    surging = {
        gid for chunk in _chunks(ids)
        for gid in session.scalars(sa.select(TicketGroup.id).where(TicketGroup.id.in_(chunk), TicketGroup.surge_since.is_not(None)))
    }  # fmt: skip
    ids = [gid for gid in ids if gid in surging or recent.get(gid, 0) >= min_size]  # the minimum size
    if not ids:
        return []
    groups = {
        g.id: g
        for chunk in _chunks(ids)
        for g in session.scalars(sa.select(TicketGroup).where(TicketGroup.id.in_(chunk), TicketGroup.status == OPEN))
    }
    worded = [g.id for g in groups.values() if g.key.startswith(TEXT_KEY_PREFIX)]
    before = _arrivals(session, worded, window_start - LOOKBACK, window_start) if worded else {}
    baseline = current_baseline(session, now)
    labels = sorted({g.label for g in groups.values()})
    recent_by_label = dict(
        session.execute(
            sa.select(Ticket.label, sa.func.count())
            .where(Ticket.created_at >= window_start, Ticket.created_at < until, Ticket.label.in_(labels), Ticket.merged_into_id.is_(None))
            .group_by(Ticket.label)
        ).all()
    )
    tests = []
    for group in groups.values():
        k = recent.get(group.id, 0)
        n = max(recent_by_label.get(group.label, 0), k)
        share = baseline.share(group.label, group.key, before.get(group.id, 0))
        tail = binomial_tail(k, n, share) if k else 1.0
        tests.append(SurgeTest(group.id, k, n, share, tail))
        if group.surge_since is None and tail < START_P:  # k >= min_size: only those were let through
            group.surge_since = now
            log.info("surge started: group %s (%s), %d of %d in %s, p=%.2g", group.id, group.label, k, n, SURGE_WINDOW, tail)
        elif group.surge_since is not None and (tail > END_P or k < math.ceil(min_size / 2)):
            group.surge_since = None
            log.info("surge ended: group %s (%s), %d in %s", group.id, group.label, k, SURGE_WINDOW)
    return tests


def active_surges(session: so.Session) -> list[TicketGroup]:
    """Open groups that are surges now, biggest first."""
    return list(
        session.scalars(
            sa.select(TicketGroup)
            .where(TicketGroup.status == OPEN, TicketGroup.surge_since.is_not(None))
            .order_by(TicketGroup.size.desc(), TicketGroup.id)
        )
    )


@dataclass(frozen=True)
class SurgeCard:
    """A surge as the top of the supervisors' dashboard shows it."""

    id: int
    name: str
    label: str
    size: int
    since: datetime  # when it became a surge
    first_ticket_at: datetime
    inflow: list[tuple[datetime, int]]  # members arrived per hour, oldest first


def board(session: so.Session, now: Optional[datetime] = None, *, hours: int = 24, language: Language = "id") -> list[SurgeCard]:
    """The open surges, biggest first, each with its arrivals per hour up to now over the last
    `hours` (one range scan of the (group_id, created_at) index for all of them)."""
    now = now or utcnow()
    found = active_surges(session)
    if not found:
        return []
    start = now - timedelta(hours=hours)
    arrivals: dict[int, list[datetime]] = {g.id: [] for g in found}
    for chunk in _chunks([g.id for g in found]):
        rows = session.execute(
            sa.select(Ticket.group_id, Ticket.created_at).where(Ticket.group_id.in_(chunk), Ticket.created_at >= start)
        )
        for group_id, at in rows:
            arrivals[group_id].append(at)
    return [
        SurgeCard(g.id, group_name(g, language), g.label, g.size, g.surge_since or now, g.first_ticket_at,
                  hourly_inflow(arrivals[g.id], now, hours, rolling=True))  # fmt: skip
        for g in found
    ]


@dataclass(frozen=True)
class Upkeep:
    decided: int
    surges: int
    closed: int
    alerted: int


def upkeep(
    session: so.Session, settings: Settings, now: Optional[datetime] = None, *, window: Optional[timedelta] = None
) -> Upkeep:
    """What the scheduled job does: a fresh baseline; the test again for every surge and every
    group with recent arrivals (so a surge ends when inflow stops); spent groups closed (no active
    member, nobody joined within the grouping window); the alert email for surges. Commits."""
    now = now or utcnow()
    window = window or timedelta(hours=settings.group_window_hours)
    lock_grouping(session)
    compute_baseline(session, now)
    candidates = session.scalars(
        sa.select(TicketGroup.id).where(
            TicketGroup.status == OPEN,
            sa.or_(TicketGroup.surge_since.is_not(None), TicketGroup.last_ticket_at >= now - SURGE_WINDOW),
        )
    ).all()
    tests = decide(session, candidates, now, min_size=settings.surge_min_size)
    closed = session.execute(
        sa.update(TicketGroup)
        .where(TicketGroup.status == OPEN, TicketGroup.size <= 0, TicketGroup.last_ticket_at < now - window)
        .values(status=CLOSED, surge_since=None, updated_at=now)
    ).rowcount
    session.commit()
    surges = active_surges(session)
    alerted = send_alerts(session, settings, surges, now) if settings.surge_alert_to else 0
    return Upkeep(len(tests), len(surges), closed, alerted)


def alert_message(group: TicketGroup, settings: Settings, now: datetime) -> EmailMessage:
    """The supervisors' email about one surge, in the interface's default language."""
    gettext = catalog("id").gettext
    name = group_name(group, "id")
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(settings.surge_alert_to)
    msg["Subject"] = gettext("Lonjakan keluhan: %(name)s (%(size)d orang)") % {"name": name, "size": group.size}
    msg["Date"] = format_datetime(now)
    domain = parseaddr(settings.smtp_from)[1].partition("@")[2] or "prakerja.example"
    msg["Message-ID"] = make_msgid(idstring=f"surge{group.id}", domain=domain)
    since = group.surge_since or now
    msg.set_content(
        gettext("Kelompok %(id)d, %(name)s, sedang melonjak sejak %(since)s UTC: %(size)d tiket aktif.")
        % {"id": group.id, "name": name, "since": since.strftime("%Y-%m-%d %H:%M"), "size": group.size}
        + "\n\n"
        + gettext("Buka kelompok di dasbor supervisor untuk menjawab semua anggotanya sekaligus.")
        + "\n"
    )
    return msg


def send_alerts(session: so.Session, settings: Settings, surges: Sequence[TicketGroup], now: datetime) -> int:
    """Email each surge not alerted within the hour; a mail server that refuses is tried next run."""
    due = [g for g in surges if g.surge_alerted_at is None or now - g.surge_alerted_at >= ALERT_EVERY]
    sent = 0
    for group in due:
        try:
            _send(settings, alert_message(group, settings, now))
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("surge alert for group %s not sent: %s", group.id, type(exc).__name__)
            break  # the server is away: the next run tries again
        group.surge_alerted_at = now
        session.commit()  # each alert recorded as soon as it is out
        sent += 1
    return sent


def _send(settings: Settings, msg: EmailMessage) -> None:
    with open_smtp(settings) as smtp:
        smtp.send_message(msg, to_addrs=list(settings.surge_alert_to))


def report(group: TicketGroup, language: Language = "id") -> dict[str, Any]:
    """A surge as /healthz and the CLI show it."""
    return {
        "id": group.id,
        "name": group_name(group, language),
        "label": group.label,
        "size": group.size,
        "since": group.surge_since.isoformat() if group.surge_since else None,
    }
