"""Replay a surge scenario through the real pipeline and score the groups and the surge flag.

Per surge (not pairwise): a surge's group is the group holding most of its members;
    recall    = the surge's members in that group / all the surge's members (also the ones the
                model labelled otherwise or that named nothing to group by)
    precision = the surge's members in that group / all members of that group, an hour after the
                surge's last member (when supervisors answer it; later the group keeps taking
                members for the window, shown as "week")
    problem precision counts as members, too, the background tickets of the surge's category that
                name all its specifics: the same problem by the grouping's definition, which no
                reading of the text can tell apart
The surge flag, over the groups that were ever flagged during the replay:
    precision = flagged groups most of whose members are one true surge's / flagged groups
    recall    = true surges whose group was flagged / true surges
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Optional, Sequence


def as_record(row: dict) -> Any:
    """The InboundRecord of a scenario row (its truth and intended label left out)."""
    from triage.records import InboundRecord

    return InboundRecord(**{k: v for k, v in row.items() if k not in ("truth", "label")})


@dataclass
class Flag:
    group_id: int
    at: datetime
    size: int


@dataclass
class Replay:
    seconds: float = 0.0
    messages: int = 0
    flags: dict[int, Flag] = field(default_factory=dict)  # group -> when it was first flagged


def replay(
    sessionmaker: Callable[[], Any],
    rows: Sequence[dict],
    classifier: Any,
    settings: Any,
    *,
    batch_minutes: int = 10,
    upkeep_minutes: int = 60,
) -> Replay:
    """Feed the rows in batches of `batch_minutes` of their time, each with that time as `now`,
    and the surge job every `upkeep_minutes`; note when each group is first flagged."""
    import time

    import sqlalchemy as sa

    from triage import surges
    from triage.jobs import pipeline_config
    from triage.models import TicketGroup
    from triage.pipeline import process_batch

    config = pipeline_config(settings)
    result = Replay()
    step, every = timedelta(minutes=batch_minutes), timedelta(minutes=upkeep_minutes)
    start = rows[0]["sent_at"]
    next_upkeep = start + every
    i = 0
    while i < len(rows):
        end = start + step
        batch = []
        while i < len(rows) and rows[i]["sent_at"] < end:
            batch.append(as_record(rows[i]))
            i += 1
        with sessionmaker() as session:
            began = time.perf_counter()
            if batch:
                process_batch(session, batch, classifier, config, now=end)
                session.commit()
                result.messages += len(batch)
            if end >= next_upkeep:
                surges.upkeep(session, settings, end)
                next_upkeep += every
            result.seconds += time.perf_counter() - began
            flagged = session.execute(
                sa.select(TicketGroup.id, TicketGroup.size).where(TicketGroup.surge_since.is_not(None))
            ).all()
            for group_id, size in flagged:
                result.flags.setdefault(group_id, Flag(group_id, end, size))
        start = end
    return result


@dataclass
class SurgeScore:
    truth: str
    people: int
    labelled: int  # members the model gave the surge's category
    group_id: Optional[int]
    in_group: int  # the surge's members in its group
    group_size: int  # the group's members an hour after the surge's last one
    same_problem: int  # of those, background tickets of the surge's category naming all its specifics
    week_size: int  # the group's members at the end of the week
    flagged_after: Optional[timedelta]  # from the surge's first member to the flag
    flagged_size: Optional[int]
    name: str = ""

    @property
    def recall(self) -> float:
        return self.in_group / self.people if self.people else 0.0

    @property
    def precision(self) -> float:
        return self.in_group / self.group_size if self.group_size else 0.0

    @property
    def labelled_recall(self) -> float:
        """Of the members the model gave the surge's category (grouping never crosses categories)."""
        return self.in_group / self.labelled if self.labelled else 0.0

    @property
    def problem_precision(self) -> float:
        """Counting as members the background tickets that are, by definition, the same problem."""
        return (self.in_group + self.same_problem) / self.group_size if self.group_size else 0.0

    @property
    def week_precision(self) -> float:
        return self.in_group / self.week_size if self.week_size else 0.0


@dataclass
class Score:
    surges: list[SurgeScore]
    near_misses: dict[str, dict[str, Any]]  # truth -> its members in any surge's group, and its own group flagged?
    flagged: list[tuple[int, str, bool]]  # group, name, a true surge's group?

    @property
    def flag_precision(self) -> float:
        return sum(1 for *_, ok in self.flagged if ok) / len(self.flagged) if self.flagged else 0.0

    @property
    def flag_recall(self) -> float:
        return sum(1 for s in self.surges if s.flagged_after is not None) / len(self.surges) if self.surges else 0.0


@dataclass(frozen=True)
class _Member:
    truth: str
    intended: str  # the row's label
    label: str  # the model's
    group_id: Optional[int]
    created: datetime
    parts: dict


def score(session: Any, rows: Sequence[dict], result: Replay, surges: Sequence[Any]) -> Score:
    """Score each surge's group an hour after its last member (when supervisors act on it), the
    flags raised during the replay, and where the near-misses went."""
    import sqlalchemy as sa

    from triage.groups import group_name, key_parts, specifics_of
    from triage.models import Message, Ticket, TicketGroup

    by_source = {r["source_id"]: r for r in rows}
    members: list[_Member] = []
    for source_id, label, group_id, created, entities in session.execute(
        sa.select(Message.source_id, Ticket.label, Ticket.group_id, Ticket.created_at, Ticket.entities).join(
            Ticket, Ticket.id == Message.ticket_id
        )
    ):
        row = by_source.get(source_id)
        if row is not None:
            parts = key_parts(specifics_of(row["label"], entities or {}))
            members.append(_Member(row["truth"], row["label"], label, group_id, created, parts))
    names = {g.id: group_name(g) for g in session.scalars(sa.select(TicketGroup))}
    scores, surge_groups = [], {}
    for surge in (s for s in surges if s.surge):
        mine = [m for m in members if m.truth == surge.truth]
        groups = Counter(m.group_id for m in mine if m.group_id is not None)
        group_id, in_group = groups.most_common(1)[0] if groups else (None, 0)
        cutoff = surge.ends + timedelta(hours=1)
        in_it = [m for m in members if group_id is not None and m.group_id == group_id]
        then = [m for m in in_it if m.created <= cutoff]
        wanted = dict(surge.specifics)
        alike = sum(
            1 for m in then
            if m.truth == "bg" and m.intended == surge.label and wanted and all(m.parts.get(k) == v for k, v in wanted.items())
        )  # fmt: skip
        flag = result.flags.get(group_id) if group_id is not None else None
        first = min(m.created for m in mine)
        scores.append(SurgeScore(surge.truth, len(mine), sum(m.label == surge.label for m in mine), group_id, in_group, len(then),
                                 alike, len(in_it), (flag.at - first) if flag else None, flag.size if flag else None,
                                 names.get(group_id, "")))  # fmt: skip
        if group_id is not None:
            surge_groups[group_id] = surge.truth
    near = {}
    for surge in (s for s in surges if not s.surge):
        mine = [m.group_id for m in members if m.truth == surge.truth]
        own = Counter(g for g in mine if g is not None).most_common(1)
        near[surge.truth] = {
            "people": len(mine),
            "in_a_surge_group": sum(1 for g in mine if g in surge_groups),
            "own_group_flagged": bool(own) and own[0][0] in result.flags and own[0][0] not in surge_groups,
        }
    # A flagged group is right when most of its members are one true surge's: the surge's own
    # group, or a part of the surge the model put in another category.
    truths_of = {}
    for m in members:
        if m.group_id in result.flags:
            truths_of.setdefault(m.group_id, Counter())[m.truth] += 1
    surge_truths = {s.truth for s in surges if s.surge}
    flagged = []
    for g in sorted(result.flags):
        top, count = truths_of.get(g, Counter({"": 0})).most_common(1)[0]
        flagged.append((g, names.get(g, ""), top in surge_truths and count * 2 > sum(truths_of[g].values())))
    return Score(scores, near, flagged)
