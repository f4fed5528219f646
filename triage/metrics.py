"""Prometheus metrics: figures read from the database at scrape time, plus this process's
classification latency.

The database figures are the same for every web worker and scheduler, so they are
collected on demand rather than counted in one process's memory.
"""
from __future__ import annotations

from typing import Callable, Iterator

import sqlalchemy as sa
import sqlalchemy.orm as so
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from triage import drift
from triage.models import ACTIVE_STATUSES, IngestRun, Ticket, TicketGroup, utcnow

CLASSIFY_SECONDS = Histogram(
    "triage_classify_seconds_per_message",
    "Classifier time per message, measured per batch",
    buckets=(0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05),
)


class StoreCollector(Collector):
    def __init__(self, sessionmaker: Callable[[], so.Session]) -> None:
        self.sessionmaker = sessionmaker

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        with self.sessionmaker() as session:
            tickets = GaugeMetricFamily("triage_tickets", "Tickets by status and category", labels=["status", "label"])
            for status, label, count in session.execute(
                sa.select(Ticket.status, Ticket.label, sa.func.count()).group_by(Ticket.status, Ticket.label)
            ):
                tickets.add_metric([status, label], count)
            yield tickets
            oldest = session.scalar(sa.select(sa.func.min(Ticket.created_at)).where(Ticket.status.in_(ACTIVE_STATUSES)))
            age = GaugeMetricFamily("triage_oldest_open_ticket_age_seconds", "Age of the oldest open ticket")
            age.add_metric([], (utcnow() - oldest).total_seconds() if oldest else 0.0)
            yield age
            runs = CounterMetricFamily("triage_ingest_runs", "Ingest runs by source and status", labels=["source", "status"])
            messages = CounterMetricFamily(
                "triage_ingest_messages", "Messages read by ingest runs, by outcome", labels=["source", "outcome"]
            )
            requests = CounterMetricFamily("triage_ingest_requests", "Requests made by ingest runs", labels=["source"])
            totals = session.execute(
                sa.select(
                    IngestRun.source,
                    IngestRun.status,
                    sa.func.count(),
                    sa.func.sum(IngestRun.new_tickets),
                    sa.func.sum(IngestRun.threaded),
                    sa.func.sum(IngestRun.duplicates),
                    sa.func.sum(IngestRun.quarantined),
                    sa.func.sum(IngestRun.requests),
                ).group_by(IngestRun.source, IngestRun.status)
            ).all()
            by_source: dict[str, list[int]] = {}
            for source, status, count, new, threaded, duplicates, quarantined, reqs in totals:
                runs.add_metric([source, status], count)
                acc = by_source.setdefault(source, [0, 0, 0, 0, 0])
                for i, value in enumerate((new, threaded, duplicates, quarantined, reqs)):
                    acc[i] += int(value or 0)
            for source, (new, threaded, duplicates, quarantined, reqs) in by_source.items():
                for outcome, value in (("new", new), ("threaded", threaded), ("duplicate", duplicates), ("quarantined", quarantined)):
                    messages.add_metric([source, outcome], value)
                requests.add_metric([source], reqs)
            yield runs
            yield messages
            yield requests
            yield from self._surges(session)
            yield from self._drift(session)

    def _surges(self, session: so.Session) -> Iterator[GaugeMetricFamily]:
        """The surges now (triage.surges), and each surge group's active members."""
        rows = session.execute(
            sa.select(TicketGroup.id, TicketGroup.label, TicketGroup.size).where(
                TicketGroup.status == "open", TicketGroup.surge_since.is_not(None)
            )
        ).all()
        active = GaugeMetricFamily("triage_surges_active", "Groups that are surges now", labels=["label"])
        per_label: dict[str, int] = {}
        for _, label, _ in rows:
            per_label[label] = per_label.get(label, 0) + 1
        for label, count in sorted(per_label.items()):
            active.add_metric([label], count)
        yield active
        sizes = GaugeMetricFamily("triage_surge_group_size", "Active members of each surge group", labels=["group", "label"])
        for group_id, label, size in rows:
            sizes.add_metric([str(group_id), label], size)
        yield sizes


    def _drift(self, session: so.Session) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        """Agents' corrections of the classifier (triage.drift): all relabels by from/to, and per
        category the last 7 days' tickets the model labeled, corrected, and the rate."""
        relabels = CounterMetricFamily(
            "triage_classifier_corrections", "Tickets relabeled by agents, by the label moved from and to",
            labels=["from_label", "to_label"],
        )
        for from_label, to_label, count in drift.corrections(session):
            relabels.add_metric([from_label, to_label], count)
        yield relabels
        recent = drift.recent(session)
        labeled = GaugeMetricFamily("triage_classifier_labeled_7d", "Tickets of the last 7 days by the model's label", labels=["label"])
        corrected = GaugeMetricFamily(
            "triage_classifier_corrected_7d", "Tickets of the last 7 days an agent relabeled, by the model's label", labels=["label"]
        )
        rate = GaugeMetricFamily(
            "triage_classifier_correction_rate_7d", "Share of the last 7 days' tickets agents relabeled, by the model's label",
            labels=["label"],
        )
        for label, cell in recent.items():
            labeled.add_metric([label], cell.labeled)
            corrected.add_metric([label], cell.corrected)
            rate.add_metric([label], cell.rate or 0.0)
        yield labeled
        yield corrected
        yield rate


def render(sessionmaker: Callable[[], so.Session]) -> bytes:
    """The exposition text: database figures and this process's default metrics."""
    from prometheus_client import REGISTRY

    registry = CollectorRegistry()
    registry.register(StoreCollector(sessionmaker))
    return generate_latest(registry) + generate_latest(REGISTRY)
