"""Surges: a group whose share of its category's last 3 hours is far above its 14-day share, with a
minimum size; decided in the batch, ended by the scheduled job, mailed to supervisors hourly."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import T0, FixedClassifier, record
from triage import surges
from triage.models import AppOption, Ticket, TicketGroup
from triage.pipeline import PipelineConfig, process_batch

NOW = T0 + timedelta(days=14)
_people = itertools.count()


def complaints(text: str, n: int, start, spread: timedelta, label: str = "missing_incentive"):
    """n complaints of n different people, evenly spread from `start` over `spread`."""
    step = spread / max(n, 1)
    return [record(text=text, author=f"p{next(_people)}@example.com", subject=None, sent_at=start + step * i) for i in range(n)]


def ingest(session, records, label="missing_incentive", now=None, min_size=10):
    records = sorted(records, key=lambda r: r.sent_at)
    process_batch(session, records, FixedClassifier(label), PipelineConfig(surge_min_size=min_size), now=now or records[-1].sent_at)
    session.commit()


def group_with(session, key: str) -> TicketGroup:
    return session.scalars(sa.select(TicketGroup).where(TicketGroup.key == key).execution_options(populate_existing=True)).one()


def background(session, days: int = 14, per_day: int = 4):
    """Two weeks of ordinary incentive complaints, a different wave each day."""
    rows = []
    for day in range(days):
        rows += complaints(f"insentif gelombang {20 + day} belum masuk", per_day, T0 + timedelta(days=day), timedelta(hours=20))
    ingest(session, rows, now=T0 + timedelta(days=days))


def test_binomial_tail_matches_scipy():
    from scipy.stats import binom

    for n, p in itertools.product([1, 7, 40, 300, 5000], [1e-5, 0.01, 0.2, 0.5, 0.97]):
        for k in {0, 1, n // 4, int(n * p), int(n * p) + 1, n // 2, n}:
            assert surges.binomial_tail(k, n, p) == pytest.approx(binom.sf(k - 1, n, p), rel=1e-9, abs=1e-300)


def test_many_people_with_one_new_problem_within_hours_are_a_surge(session):
    background(session)
    surge = complaints("insentif bulan ke-3 gelombang 48 belum masuk ke LinkAja", 12, NOW, timedelta(hours=2))
    ingest(session, surge[:9])
    group = group_with(session, "wave=48|month=3|payout=linkaja")
    assert group.size == 9 and group.surge_since is None  # under the minimum size
    ingest(session, surge[9:])
    group = group_with(session, "wave=48|month=3|payout=linkaja")
    assert group.size == 12 and group.surge_since == surge[-1].sent_at
    # the background's daily groups never were
    assert session.scalar(sa.select(sa.func.count()).select_from(TicketGroup).where(TicketGroup.surge_since.is_not(None))) == 1


def test_a_quiet_categorys_five_similar_tickets_are_no_surge(session):
    """One certificate complaint a day, never about Pijar Mahir; then five in an hour: far beyond
    chance (p < 1e-5), but five people are no surge."""
    quiet = []
    for day in range(14):
        quiet += complaints(f"sertifikat belum terbit di {['Pintaria', 'Sekolahmu'][day % 2]}", 1, T0 + timedelta(days=day), timedelta(hours=1))
    ingest(session, quiet, label="certificate_pending", now=NOW)
    ingest(session, complaints("Pijar Mahir belum kirim sertifikat", 5, NOW, timedelta(hours=1)), label="certificate_pending", min_size=10)
    group = group_with(session, "platform=pijar mahir")
    assert group.size == 5 and group.surge_since is None
    assert surges.binomial_tail(5, 5, 1 / 16) < surges.START_P


def test_a_busy_categorys_normal_peak_is_no_surge(session):
    """Half of all incentive complaints name BNI every day; a peak hour with eight times the
    average inflow keeps that share, so BNI's group is no surge though its count is far above
    what its 14-day average rate predicts."""
    rows = []
    for day in range(14):
        start = T0 + timedelta(days=day)
        rows += complaints("insentif belum masuk ke rekening BNI", 20, start, timedelta(hours=20))
        rows += complaints(f"insentif gelombang {20 + day} belum masuk", 20, start, timedelta(hours=20))
    ingest(session, rows, now=NOW)
    peak = complaints("insentif belum masuk rekening BNI", 22, NOW, timedelta(hours=2))
    peak += complaints("insentif gelombang 60 belum masuk", 18, NOW, timedelta(hours=2))
    ingest(session, peak)
    assert group_with(session, "payout=bni").surge_since is None  # as the batch decided
    later = max(r.sent_at for r in peak) + timedelta(minutes=1)
    tests = {t.group_id: t for t in surges.decide(session, [group_with(session, "payout=bni").id], later)}
    bni = group_with(session, "payout=bni")
    assert bni.surge_since is None and tests[bni.id].arrived == 22 and tests[bni.id].tail > surges.END_P
    # the same 22 against a category that rarely names BNI would have been one
    assert surges.binomial_tail(22, 40, 1 / 30) < surges.START_P


def test_the_job_ends_a_surge_once_inflow_stops_and_closes_spent_groups(session, settings):
    background(session)
    surge = complaints("insentif bulan ke-3 gelombang 48 belum masuk ke LinkAja", 15, NOW, timedelta(hours=1))
    ingest(session, surge)
    group = group_with(session, "wave=48|month=3|payout=linkaja")
    assert group.surge_since is not None
    settings = settings.with_overrides(surge_min_size=10)
    still = surges.upkeep(session, settings, NOW + timedelta(hours=2))
    assert still.surges == 1 and group_with(session, group.key).surge_since is not None
    over = surges.upkeep(session, settings, NOW + timedelta(hours=5))  # nobody new for 4 hours
    assert over.surges == 0 and group_with(session, group.key).surge_since is None
    baseline = session.get(AppOption, surges.BASELINE_OPTION).value
    assert baseline["categories"]["missing_incentive"] > 50
    # resolved members and a quiet window: the group closes
    session.execute(sa.update(Ticket).where(Ticket.group_id == group.id).values(status="resolved"))
    session.commit()
    assert surges.upkeep(session, settings, NOW + timedelta(hours=80)).closed >= 1
    assert group_with(session, group.key).status == "closed"


def _alert_settings(settings, smtp_server, **kw):
    host, port, _ = smtp_server
    return settings.with_overrides(smtp_host=host, smtp_port=port, surge_alert_to=("spv1@prakerja.example", "spv2@prakerja.example"),
                                   surge_min_size=10, **kw)


def test_supervisors_get_one_alert_per_surge_per_hour(session, settings, smtp_server):
    _, _, inbox = smtp_server
    background(session)
    ingest(session, complaints("insentif bulan ke-3 gelombang 48 belum masuk ke LinkAja", 15, NOW, timedelta(hours=1)))
    settings = _alert_settings(settings, smtp_server)
    assert surges.upkeep(session, settings, NOW + timedelta(hours=1)).alerted == 1
    assert surges.upkeep(session, settings, NOW + timedelta(hours=1, minutes=50)).alerted == 0
    assert surges.upkeep(session, settings, NOW + timedelta(hours=2, minutes=1)).alerted == 1
    assert len(inbox.messages) == 2
    _, recipients, msg = inbox.messages[0]
    assert recipients == ["spv1@prakerja.example", "spv2@prakerja.example"]
    assert msg["Subject"] == "Lonjakan keluhan: Insentif belum masuk · gelombang 48 · bulan ke-3 · LinkAja (15 orang)"
    assert "sedang melonjak sejak" in msg.get_content()


def test_a_mail_server_that_is_away_costs_no_alert(session, settings, caplog):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    background(session)
    ingest(session, complaints("insentif bulan ke-3 gelombang 48 belum masuk ke LinkAja", 15, NOW, timedelta(hours=1)))
    settings = settings.with_overrides(smtp_host="127.0.0.1", smtp_port=closed_port, smtp_timeout_seconds=2,
                                       surge_alert_to=("spv@prakerja.example",), smtp_password="hunter2-secret")
    result = surges.upkeep(session, settings, NOW + timedelta(hours=1))
    assert result.surges == 1 and result.alerted == 0
    assert group_with(session, "wave=48|month=3|payout=linkaja").surge_alerted_at is None  # tried again next run
    assert "not sent" in caplog.text and "hunter2" not in caplog.text
