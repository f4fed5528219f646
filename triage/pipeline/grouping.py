"""Grouping: the batch's open complaints join the group of people with the same problem.

Runs inside the store step, in the batch's transaction, on the tickets the batch worked out in
memory, before they are written: a new ticket is inserted with its group, and an existing one
gets it in the update the batch writes anyway (deciding after the write and updating each ticket
again cost a second write of every ticket: +38% per message on PostgreSQL, where that update
rewrites every index of the row). A ticket joins an open group of its
category that took a member within the window (TRIAGE_GROUP_WINDOW_HOURS) and that it was never
taken out of ("not this problem"):
- with specifics (the entity extractor's wave, incentive month, platform, payout channel, OTP;
  which ones count is the category's, taxonomy.Category.specifics): the biggest (then oldest) group whose
  specifics include all of the ticket's, when it names two or more ("gelombang 48 · LinkAja"
  joins "gelombang 48 · bulan ke-3 · LinkAja"; "gelombang 47" never joins "gelombang 48"), or
  exactly its own when it names one; else a new group of exactly its own;
- without: the group whose centroid (the mean of its members' word TF-IDF vectors, its
  strongest terms) is nearest to the ticket's own vector, the one the classifier computed for
  it, when the cosine reaches SIMILARITY; else a new group of its own wording. Messages of fewer
  than MIN_TEXT_TERMS words say too little to be near-duplicates and stay out.
After the store, the surge test runs for the groups that gained members (triage.surges). Sizes
follow by trigger. A failure here leaves the batch's tickets stored, ungrouped, and is logged.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Optional, Sequence

import numpy as np
import scipy.sparse as sp
import sqlalchemy as sa
import sqlalchemy.orm as so

from triage import surges
from triage.classifier.prediction import WordVector
from triage.groups import OPEN, TEXT_KEY_PREFIX, key_parts, lock_grouping, parse_key, specifics_key, specifics_of
from triage.models import ACTIVE_STATUSES, GroupExclusion, Ticket, TicketGroup
from triage.pipeline.classify import is_complaint
from triage.pipeline.item import Item, PipelineConfig
from triage.pipeline.new_ticket import AnyTicket
from triage.pipeline.queries import chunks
from triage.taxonomy import BY_LABEL, NOISE
from triage.transactions import is_infrastructure_error, savepoint

log = logging.getLogger(__name__)

SIMILARITY = 0.5  # cosine of word vectors from which wording counts as near-identical
MIN_TEXT_TERMS = 6  # distinct words a message needs before its wording can group it
# A ticket naming one specific only ("GoPay") joins a group of exactly that: "akun GoPay saya
# terblokir" is not one of "GoPay · OTP tidak masuk" (scenario bench: precision 0.68 -> see README).
MIN_PARTS_TO_JOIN_WIDER = 2
CENTROID_TERMS = 30  # strongest terms a group's centroid keeps
NAME_TERMS = 3  # words a wording group's name shows
MAX_TEXT_CANDIDATES = 2000  # most recent open wording groups compared per category


@dataclass
class Arrival:
    """A ticket the batch opened or continued, as the grouping sees it."""

    ticket: AnyTicket
    at: datetime  # its newest message in the batch
    words: Optional[WordVector]
    founding_id: str  # the newest message's id: a wording group founded by it is keyed by it
    label: str = ""
    parts: dict[str, str] = field(default_factory=dict)  # its specifics as the key spells them
    specifics: dict[str, Any] = field(default_factory=dict)


@dataclass
class Candidate:
    """An open group a ticket may join, read at the start of the step or founded in it."""

    id: Optional[int]
    label: str
    key: str
    size: int
    last_at: datetime
    parts: dict[str, str] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    centroid: dict[str, float] = field(default_factory=dict)
    folded: int = 0  # members folded into the centroid
    joined: list[Arrival] = field(default_factory=list)
    founder: Optional[Arrival] = None  # set for a group this batch founds

    def rank(self) -> tuple[int, float]:
        """Bigger first; between equals the older, so members do not drift to a newcomer."""
        return self.size, -(self.id if self.id is not None else float("inf"))

    def takes(self, arrival: Arrival, window: timedelta) -> bool:
        return self.last_at >= arrival.at - window


def assign_groups(session: so.Session, arrivals: Sequence[tuple[Item, AnyTicket]], config: PipelineConfig) -> list[int]:
    """Give the batch's tickets their groups (new groups are inserted now, the tickets' group_id
    set for the store to write); the ids of the groups that grew. Nothing is written before the
    one INSERT of new groups at the end, so a failure leaves every ticket as it was."""
    if not config.grouping or not arrivals:
        return []
    latest = _latest(arrivals)
    try:
        lock_grouping(session)
        return _Grouping(session, config).run(latest)
    except Exception as exc:  # a bug in grouping must never cost the batch its tickets
        if is_infrastructure_error(exc):
            raise
        log.exception("grouping skipped for a batch of %d tickets", len(latest))
        return []


def decide_surges(session: so.Session, grown: Sequence[int], config: PipelineConfig, now: datetime) -> None:
    """The surge test for the groups the batch's stored tickets joined."""
    if not grown:
        return
    try:
        with savepoint(session):
            surges.decide(session, grown, now, min_size=config.surge_min_size)
    except Exception as exc:  # the same: the tickets stay, the next batch or the job decides
        if is_infrastructure_error(exc):
            raise
        log.exception("surge test skipped for %d groups", len(grown))


def _latest(pairs: Sequence[tuple[Item, AnyTicket]]) -> list[Arrival]:
    """One arrival per ticket: its newest complaint in the batch."""
    found: dict[int, Arrival] = {}
    for item, ticket in pairs:
        if item.prediction is None or not is_complaint(item.record):
            continue
        at = item.record.sent_at
        known = found.get(id(ticket))
        if known is None or at >= known.at:  # type: ignore[operator]
            words = item.prediction.words or (known.words if known else None)
            found[id(ticket)] = Arrival(ticket, at, words, f"{item.record.channel}:{item.record.source_id}")  # type: ignore[arg-type]
    return list(found.values())


class _Grouping:
    def __init__(self, session: so.Session, config: PipelineConfig) -> None:
        self.session, self.window = session, config.group_window
        self.by_parts: dict[tuple[str, str, str], list[Candidate]] = {}  # (label, name, value) -> spec groups
        self.text: dict[str, list[Candidate]] = {}  # label -> wording groups
        self.founded: list[Candidate] = []
        self.excluded: set[tuple[int, int]] = set()

    def run(self, arrivals: list[Arrival]) -> list[int]:
        waiting = self._waiting(arrivals)
        if not waiting:
            return []
        earliest = min(a.at for a in waiting) - self.window
        stored = [a.ticket.id for a in waiting if isinstance(a.ticket, Ticket)]
        self.excluded = set(self._read(sa.select(GroupExclusion.ticket_id, GroupExclusion.group_id), GroupExclusion.ticket_id, stored))
        spec = [a for a in waiting if a.parts]
        worded = [a for a in waiting if not a.parts and a.words is not None and _distinct_words(a.words) >= MIN_TEXT_TERMS]
        if spec:
            self._load_spec_groups({a.label for a in spec}, earliest)
        for arrival in sorted(spec, key=lambda a: a.at):
            self._join_by_specifics(arrival)
        if worded:
            self._join_by_wording(worded, earliest)
        return self._write()

    def _read(self, query: sa.Select, column: sa.ColumnElement, values: list) -> list[sa.Row]:
        rows: list[sa.Row] = []
        for chunk in chunks(sorted(values)):
            rows += self.session.execute(query.where(column.in_(chunk))).all()
        return rows

    def _waiting(self, arrivals: list[Arrival]) -> list[Arrival]:
        """The active complaints of the batch not already in an open group of their category."""
        current = {a.ticket.group_id for a in arrivals if a.ticket.group_id is not None}
        groups = {g.id: g for g in self._read(sa.select(TicketGroup.id, TicketGroup.label, TicketGroup.status), TicketGroup.id, list(current))}
        waiting = []
        for arrival in arrivals:
            ticket = arrival.ticket
            if ticket.status not in ACTIVE_STATUSES or ticket.merged_into_id is not None or ticket.label not in BY_LABEL or ticket.label == NOISE:
                continue
            group = groups.get(ticket.group_id)  # type: ignore[arg-type]
            if group is not None and group.status == OPEN and group.label == ticket.label:
                continue  # a member writing again
            arrival.label = ticket.label
            arrival.specifics = specifics_of(ticket.label, ticket.entities or {})
            arrival.parts = key_parts(arrival.specifics)
            waiting.append(arrival)
        return waiting

    def _excluded(self, arrival: Arrival, candidate: Candidate) -> bool:
        return candidate.id is not None and isinstance(arrival.ticket, Ticket) and (arrival.ticket.id, candidate.id) in self.excluded

    # -- specifics ---------------------------------------------------------------------------

    def _load_spec_groups(self, labels: set[str], earliest: datetime) -> None:
        rows = self.session.execute(
            sa.select(TicketGroup.id, TicketGroup.label, TicketGroup.key, TicketGroup.size, TicketGroup.last_ticket_at).where(
                TicketGroup.status == OPEN,
                TicketGroup.label.in_(sorted(labels)),
                ~TicketGroup.key.startswith(TEXT_KEY_PREFIX),
                TicketGroup.last_ticket_at >= earliest,
            )
        )
        for row in rows:
            self._index(Candidate(row.id, row.label, row.key, row.size, row.last_ticket_at, parts=parse_key(row.key)))

    def _index(self, candidate: Candidate) -> None:
        for name, value in candidate.parts.items():
            self.by_parts.setdefault((candidate.label, name, value), []).append(candidate)

    def _join_by_specifics(self, arrival: Arrival) -> None:
        """The biggest group whose specifics include all of the ticket's, else a new one."""
        lists = [self.by_parts.get((arrival.label, name, value), []) for name, value in arrival.parts.items()]
        shortest = min(lists, key=len)
        exact_only = len(arrival.parts) < MIN_PARTS_TO_JOIN_WIDER
        best: Optional[Candidate] = None
        for candidate in shortest:
            if (
                all(candidate.parts.get(name) == value for name, value in arrival.parts.items())
                and (not exact_only or len(candidate.parts) == len(arrival.parts))
                and candidate.takes(arrival, self.window)
                and not self._excluded(arrival, candidate)
                and (best is None or candidate.rank() > best.rank())
            ):
                best = candidate
        if best is None:
            best = Candidate(None, arrival.label, specifics_key(arrival.specifics), 0, arrival.at, parts=dict(arrival.parts),
                             shared=dict(arrival.specifics), founder=arrival)  # fmt: skip
            self.founded.append(best)
            self._index(best)
        self._join(best, arrival)

    def _join(self, candidate: Candidate, arrival: Arrival) -> None:
        candidate.joined.append(arrival)
        candidate.size += 1
        candidate.last_at = max(candidate.last_at, arrival.at)

    # -- wording -----------------------------------------------------------------------------

    def _join_by_wording(self, worded: list[Arrival], earliest: datetime) -> None:
        """Cosine of each ticket's word vector against the open wording groups' centroids (one
        sparse product for the batch), then against the groups the batch founds before it."""
        worded.sort(key=lambda a: a.at)
        rows = []
        for label in sorted({a.label for a in worded}):
            rows += self.session.execute(
                sa.select(TicketGroup.id, TicketGroup.label, TicketGroup.key, TicketGroup.size, TicketGroup.last_ticket_at, TicketGroup.centroid)
                .where(
                    TicketGroup.status == OPEN,
                    TicketGroup.label == label,
                    TicketGroup.key.startswith(TEXT_KEY_PREFIX),
                    TicketGroup.last_ticket_at >= earliest,
                )
                .order_by(TicketGroup.last_ticket_at.desc())
                .limit(MAX_TEXT_CANDIDATES)
            ).all()
        terms = worded[0].words.terms  # type: ignore[union-attr]
        vocabulary = _vocabulary(terms)
        stored = [
            Candidate(r.id, r.label, r.key, r.size, r.last_ticket_at, centroid=dict((r.centroid or {}).get("terms", {})),
                      folded=int((r.centroid or {}).get("n", 1)))  # fmt: skip
            for r in rows
        ]
        batch = _matrix([(a.words.indices, a.words.weights) for a in worded], len(terms))  # type: ignore[union-attr]
        against_stored = _close_enough(batch @ _centroid_matrix(stored, vocabulary, len(terms)).T)
        against_batch = _close_enough(batch @ batch.T)
        founders: dict[int, Candidate] = {}  # row of a ticket that founded a group -> its group
        for row, arrival in enumerate(worded):
            best, score = None, 0.0
            for col, cosine in _row(against_stored, row):
                candidate = stored[col]
                if cosine > score and candidate.label == arrival.label and candidate.takes(arrival, self.window) and not self._excluded(arrival, candidate):
                    best, score = candidate, cosine
            for col, cosine in _row(against_batch, row):
                candidate = founders.get(col)  # type: ignore[assignment]
                if candidate is not None and cosine > score and candidate.label == arrival.label and candidate.takes(arrival, self.window):
                    best, score = candidate, cosine
            if best is None:
                best = Candidate(None, arrival.label, _wording_key(arrival), 0, arrival.at, founder=arrival)
                founders[row] = best
                self.founded.append(best)
            self._join(best, arrival)
            if best not in self.text.setdefault(arrival.label, []):
                self.text[arrival.label].append(best)

    # -- writing -----------------------------------------------------------------------------

    def _write(self) -> list[int]:
        """Insert the new groups; set each joining ticket's group (the store writes it with the
        ticket, and the size triggers count it); each grown group's last arrival and centroid."""
        new_rows = []
        for c in self.founded:
            centroid = _folded_centroid(c)
            shared = c.shared if c.parts else {"terms": _name_terms(centroid.get("terms", {}))}
            new_rows.append(dict(
                label=c.label, key=c.key, shared=shared, name=None, status=OPEN, merged_into_id=None, size=0,
                first_ticket_at=c.founder.at, last_ticket_at=c.last_at, centroid=centroid, surge_since=None,  # type: ignore[union-attr]
                surge_alerted_at=None, assignee_id=None, created_at=c.founder.at, updated_at=c.founder.at,  # type: ignore[union-attr]
            ))  # fmt: skip
        for candidate, group_id in zip(self.founded, _insert_groups(self.session, new_rows)):
            candidate.id = group_id
        grown = [c for c in {id(c): c for c in [*self.founded, *self._stored_grown()]}.values() if c.joined]
        for candidate in grown:
            for arrival in candidate.joined:
                arrival.ticket.group_id = candidate.id
        existing = [c for c in grown if c.founder is None]
        if existing:
            groups = TicketGroup.__table__
            self.session.execute(
                sa.update(groups).where(groups.c.id == sa.bindparam("g")).values(last_ticket_at=sa.bindparam("at"), updated_at=sa.bindparam("at")),
                [{"g": c.id, "at": c.last_at} for c in existing],
            )
            worded = [(c, _folded_centroid(c)) for c in existing if c.key.startswith(TEXT_KEY_PREFIX)]
            if worded:  # the centroid moves with its members, and the words of the name with it
                self.session.execute(
                    sa.update(groups).where(groups.c.id == sa.bindparam("g")).values(centroid=sa.bindparam("c"), shared=sa.bindparam("s")),
                    [{"g": c.id, "c": centroid, "s": {"terms": _name_terms(centroid["terms"])}} for c, centroid in worded],
                )
            for obj in list(self.session.identity_map.values()):  # objects the plain UPDATE changed underneath
                if isinstance(obj, TicketGroup) and obj.id in {c.id for c in existing}:
                    self.session.expire(obj)
        return [c.id for c in grown]  # type: ignore[misc]

    def _stored_grown(self) -> list[Candidate]:
        seen = [c for lists in self.by_parts.values() for c in lists] + [c for lists in self.text.values() for c in lists]
        return [c for c in seen if c.founder is None and c.joined]


def _wording_key(arrival: Arrival) -> str:
    """A wording group's key: its first member's message, as a short digest (the ticket of a
    new member has no id yet)."""
    return TEXT_KEY_PREFIX + hashlib.sha256(arrival.founding_id.encode()).hexdigest()[:20]


def _close_enough(similarity: sp.spmatrix) -> sp.csr_matrix:
    """Only the pairs whose cosine reaches SIMILARITY (most pairs share a common word or two)."""
    similarity = similarity.tocsr()
    similarity.data[similarity.data < SIMILARITY] = 0.0
    similarity.eliminate_zeros()
    return similarity


def _row(matrix: sp.csr_matrix, row: int) -> zip:
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return zip(matrix.indices[start:end].tolist(), matrix.data[start:end].tolist())


def _distinct_words(words: WordVector) -> int:
    return sum(1 for term in words.terms[words.indices].tolist() if " " not in term)


_vocabularies: dict[int, tuple[Any, dict[str, int]]] = {}


def _vocabulary(terms: Any) -> dict[str, int]:
    """Term -> column of the model's word block (built once per model)."""
    cached = _vocabularies.get(id(terms))
    if cached is None or cached[0] is not terms:
        _vocabularies.clear()
        cached = _vocabularies[id(terms)] = (terms, {term: i for i, term in enumerate(terms.tolist())})
    return cached[1]


def _matrix(rows: list[tuple[Any, Any]], width: int) -> sp.csr_matrix:
    indptr = np.cumsum([0] + [len(indices) for indices, _ in rows])
    indices = np.concatenate([np.asarray(i, dtype=np.int64) for i, _ in rows]) if rows else np.zeros(0, dtype=np.int64)
    data = np.concatenate([np.asarray(w, dtype=np.float64) for _, w in rows]) if rows else np.zeros(0)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), width))


def _centroid_matrix(candidates: list[Candidate], vocabulary: dict[str, int], width: int) -> sp.csr_matrix:
    rows = []
    for candidate in candidates:
        pairs = sorted((vocabulary[t], w) for t, w in candidate.centroid.items() if t in vocabulary)
        weights = np.array([w for _, w in pairs], dtype=np.float64)
        norm = float(np.sqrt((weights * weights).sum())) or 1.0
        rows.append((np.array([i for i, _ in pairs], dtype=np.int64), weights / norm))
    return _matrix(rows, width)


def _folded_centroid(candidate: Candidate) -> dict[str, Any]:
    """The mean of the old centroid (weighted by the members in it) and the new members' vectors,
    cut to its strongest terms; spec groups keep none."""
    vectors = [a.words.as_dict() for a in candidate.joined if a.words is not None and not a.parts]
    if not vectors:
        return {"n": candidate.folded, "terms": candidate.centroid} if candidate.centroid else {}
    total: dict[str, float] = {t: w * candidate.folded for t, w in candidate.centroid.items()}
    for vector in vectors:
        for term, weight in vector.items():
            total[term] = total.get(term, 0.0) + weight
    n = candidate.folded + len(vectors)
    strongest = sorted(total.items(), key=lambda tw: -tw[1])[:CENTROID_TERMS]
    return {"n": n, "terms": {t: round(w / n, 5) for t, w in strongest}}


def _name_terms(weights: dict[str, float]) -> list[str]:
    """A wording group's strongest single words (no placeholder tokens the normalizer put in)."""
    ranked = sorted(weights.items(), key=lambda tw: -tw[1])
    return [t for t, _ in ranked if " " not in t and not t.endswith("token") and not t.isdigit() and len(t) > 2][:NAME_TERMS]


def _insert_groups(session: so.Session, rows: list[dict]) -> list[int]:
    """One executemany for the new groups; their ids in the order of the rows."""
    if not rows:
        return []
    table = TicketGroup.__table__
    if session.get_bind().dialect.name == "sqlite":
        # As the store numbers new tickets: SQLite has one writer and does not promise the order
        # of the ids a multi-row INSERT returns.
        last = session.scalar(sa.select(sa.func.max(table.c.id))) or 0
        ids = list(range(last + 1, last + 1 + len(rows)))
        session.execute(sa.insert(table), [dict(row, id=i) for row, i in zip(rows, ids)])
        return ids
    return list(session.scalars(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
