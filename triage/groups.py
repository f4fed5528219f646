"""Groups: many people's open tickets about one problem, and what supervisors and agents do with them.

The pipeline puts tickets into groups as they arrive (triage.pipeline.grouping); triage.surges
says which groups are surges. This module is what the pages, the API and the CLI call: the
list, one group's detail, a ticket's member line, and the changes a person makes (remove,
"not this problem", merge, rename, assign), each audited. Results are plain dataclasses
(`as_dict` gives JSON-ready values).

A group's size is its active members (open or claimed, not merged). Database triggers keep it
(triage.models.groups) on every write path, so no code here or elsewhere sets it by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Optional, Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from triage.i18n import Language, gettext_for
from triage.models import ACTIVE_STATUSES, AuditEvent, Contact, GroupExclusion, Ticket, TicketGroup, User, active_clause, utcnow
from triage.settings import DEFAULT_GROUP_MIN_SIZE
from triage.taxonomy import BY_LABEL, SPECIFICS, display_name

OPEN, CLOSED, MERGED = "open", "closed", "merged"
TEXT_KEY_PREFIX = "text:"  # a group of near-identical wording, without specifics
NAME_SEPARATOR = " · "
MAX_NAME_CHARS = 200
CHUNK = 500  # values per IN (...)


# PostgreSQL advisory lock taken by whatever decides membership or surges (the pipeline's
# grouping step, the surge job), so two ingest hosts never found the same group twice.
GROUPING_LOCK = 0x67726F7570  # "group"


class GroupError(ValueError):
    """A change that does not apply to the group or ticket as they stand."""


def lock_grouping(session: so.Session) -> None:
    """Serialize grouping decisions until the transaction ends (SQLite's one writer already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": GROUPING_LOCK})


# --- specifics: what tells one problem from another -----------------------------------------


def specifics_of(label: str, entities: Mapping[str, Any]) -> dict[str, Any]:
    """The specifics of a ticket that its category groups by (taxonomy: Category.specifics)."""
    cat = BY_LABEL.get(label)
    if cat is None or not entities:
        return {}
    found: dict[str, Any] = {}
    for name in cat.specifics:
        value = _entity_value(name, entities)
        if value is not None:
            found[name] = value
    return found


def _entity_value(name: str, entities: Mapping[str, Any]) -> Any:
    if name in ("wave", "month"):
        value = entities.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if name == "otp":
        topics = entities.get("topics") or []
        return True if isinstance(topics, list) and "otp" in topics else None
    listed = entities.get({"platform": "platforms", "payout": "payout_channels"}[name]) or []
    # The first one named: "pindah dari OVO ke GoPay" is about OVO's payout first.
    return listed[0] if isinstance(listed, list) and listed and isinstance(listed[0], str) else None


def key_parts(specifics: Mapping[str, Any]) -> dict[str, str]:
    """The specifics as the key spells them: name -> lowercase text, in the taxonomy's order."""
    return {name: str(int(specifics[name]) if name == "otp" else specifics[name]).lower() for name in SPECIFICS if name in specifics}


def specifics_key(specifics: Mapping[str, Any]) -> str:
    """A stable signature of specifics: "wave=48|month=3|payout=linkaja"."""
    return "|".join(f"{name}={value}" for name, value in key_parts(specifics).items())


def parse_key(key: str) -> dict[str, str]:
    """The parts of a specifics key (a text group's key has none)."""
    if not key or key.startswith(TEXT_KEY_PREFIX):
        return {}
    return dict(part.split("=", 1) for part in key.split("|") if "=" in part)


# --- names ------------------------------------------------------------------------------------


def _language_code(gettext) -> str:
    # A gettext that translates our own (Indonesian) words is the English catalog's, the one other.
    return "id" if gettext("gelombang %(n)d") == "gelombang %(n)d" else "en"


def shared_parts(shared: Mapping[str, Any], language: Language = "id") -> list[str]:
    """What members share, as words: ["gelombang 48", "bulan ke-3", "LinkAja"]."""
    gettext = gettext_for(language)
    parts: list[str] = []
    for name in SPECIFICS:
        value = shared.get(name)
        if value is None or value is False:
            continue
        if name == "wave":
            parts.append(gettext("gelombang %(n)d") % {"n": value})
        elif name == "month":
            parts.append(gettext("bulan ke-%(n)d") % {"n": value})
        elif name == "otp":
            parts.append(gettext("OTP tidak masuk"))
        else:
            parts.append(str(value))
    terms = shared.get("terms")
    if terms and isinstance(terms, list):
        parts.append(gettext("kata: %(words)s") % {"words": ", ".join(str(t) for t in terms[:4])})
    return parts


def derived_name(label: str, shared: Mapping[str, Any], language: Language = "id") -> str:
    """The name a group gets from its category and what its members share."""
    gettext = gettext_for(language)
    lang = language if isinstance(language, str) else _language_code(gettext)
    return NAME_SEPARATOR.join([display_name(label, lang), *shared_parts(shared, gettext)])[:MAX_NAME_CHARS]


def group_name(group: TicketGroup, language: Language = "id") -> str:
    """A supervisor's name for the group, else "Insentif belum masuk · gelombang 48 · LinkAja".

    `language` is a language code ("id", "en") or the gettext of the page's catalog.
    """
    return group.name or derived_name(group.label, group.shared or {}, language)


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSummary:
    id: int
    name: str
    label: str
    key: str
    status: str
    size: int  # active members
    surge: bool
    surge_since: Optional[datetime]
    since: datetime  # the first member's arrival
    last_ticket_at: datetime
    shared: list[str]  # what members share, in words
    assignee_id: Optional[int]
    renamed: bool
    tickets: list[int]  # the active members' ids

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(dict(vars(self)))  # shallow: asdict deep-copies every ticket id (60 ms for the API at 1 M)


@dataclass(frozen=True)
class Member:
    ticket_id: int
    channel: str
    contact: str  # the handle, unmasked: the caller masks it for agents
    contact_name: Optional[str]
    label: str
    status: str
    created_at: datetime
    assignee_id: Optional[int]
    due_at: Optional[datetime] = None


@dataclass(frozen=True)
class GroupDetail:
    group: GroupSummary
    members: list[Member]  # newest first, at most `member_limit`
    members_total: int  # every member, resolved ones too
    inflow: list[tuple[datetime, int]] = field(default_factory=list)  # members arrived per hour, oldest first
    merged_into_id: Optional[int] = None

    def as_dict(self) -> dict[str, Any]:
        out = self.group.as_dict()
        out.update(
            members=[_jsonable(dict(vars(m))) for m in self.members],
            members_total=self.members_total,
            inflow=[{"hour": hour.isoformat(), "count": count} for hour, count in self.inflow],
            merged_into=self.merged_into_id,
        )
        return out


@dataclass(frozen=True)
class MemberLine:
    """"Bagian dari kelompok: … · 312 orang sejak 09.10" on a member ticket's page."""

    group_id: int
    name: str
    size: int
    since: datetime
    surge: bool


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _active_members(session: so.Session, group_ids: Sequence[int]) -> dict[int, list[int]]:
    """Each group's active ticket ids, ascending: one row per group, its ids joined by the
    database from the members index (ix_tickets_group_active). A row per ticket cost 3x as much
    at 1 M tickets (412 groups, 14k ids: 30 ms against 10 ms), most of it building rows."""
    members: dict[int, list[int]] = {gid: [] for gid in group_ids}
    ids = sa.func.aggregate_strings(sa.cast(Ticket.id, sa.String), ",")
    for chunk in _chunks(list(group_ids)):
        rows = session.execute(sa.select(Ticket.group_id, ids).where(Ticket.group_id.in_(chunk), active_clause()).group_by(Ticket.group_id))
        for group_id, joined in rows:
            members[group_id] = sorted(map(int, joined.split(",")))
    return members


def _summary(group: TicketGroup, tickets: list[int], language: Language) -> GroupSummary:
    return GroupSummary(
        id=group.id,
        name=group_name(group, language),
        label=group.label,
        key=group.key,
        status=group.status,
        size=group.size,
        surge=group.surge_since is not None,
        surge_since=group.surge_since,
        since=group.first_ticket_at,
        last_ticket_at=group.last_ticket_at,
        shared=shared_parts(group.shared or {}, language),
        assignee_id=group.assignee_id,
        renamed=bool(group.name),
        tickets=tickets,
    )


def list_groups(
    session: so.Session,
    *,
    include_all: bool = False,
    now: Optional[datetime] = None,
    language: Language = "id",
    min_size: int = DEFAULT_GROUP_MIN_SIZE,
    limit: Optional[int] = None,
    assignee_id: Optional[int] = None,
    with_tickets: bool = True,
) -> list[GroupSummary]:
    """Open groups that are a real pattern (min_size active members), surges first, then the
    biggest; include_all adds closed, merged and small ones; assignee_id keeps those assigned to
    that agent (whatever their size); without `with_tickets` each summary's `tickets` is empty
    (a page that shows sizes only). `now` is accepted for callers that pin the clock; sizes and
    surges are read as stored."""
    query = sa.select(TicketGroup).order_by(
        TicketGroup.surge_since.is_(None), TicketGroup.size.desc(), TicketGroup.last_ticket_at.desc(), TicketGroup.id
    )
    if assignee_id is not None:
        query = query.where(TicketGroup.assignee_id == assignee_id, TicketGroup.status == OPEN)
    elif not include_all:
        query = query.where(TicketGroup.status == OPEN, TicketGroup.size >= min_size)
    if limit is not None:
        query = query.limit(limit)
    # The centroid (a wording group's strongest terms) is the grouping step's, never shown.
    groups = session.scalars(query.options(so.defer(TicketGroup.centroid)).execution_options(populate_existing=True)).all()
    members = _active_members(session, [g.id for g in groups]) if with_tickets else {}
    return [_summary(g, members.get(g.id, []), language) for g in groups]


@dataclass(frozen=True)
class MergeTarget:
    id: int
    name: str
    size: int


def merge_targets(session: so.Session, group: TicketGroup, *, language: Language = "id", limit: int = 50) -> list[MergeTarget]:
    """The open groups of the same category this one can be merged into, biggest first."""
    found = session.execute(
        sa.select(TicketGroup.id, TicketGroup.name, TicketGroup.label, TicketGroup.shared, TicketGroup.size)
        .where(TicketGroup.status == OPEN, TicketGroup.label == group.label, TicketGroup.id != group.id)
        .order_by(TicketGroup.size.desc(), TicketGroup.last_ticket_at.desc(), TicketGroup.id)
        .limit(limit)
    )
    return [MergeTarget(g.id, g.name or derived_name(g.label, g.shared or {}, language), g.size) for g in found]


def group_detail(
    session: so.Session,
    group_id: int,
    *,
    now: Optional[datetime] = None,
    language: Language = "id",
    hours: int = 48,
    member_limit: int = 500,
    rolling: bool = False,
) -> Optional[GroupDetail]:
    """One group: members with contact, label and status; what they share; arrivals per hour
    over the last `hours` (a sparkline; `rolling` as in hourly_inflow); since when; size; surge.
    None when there is no such group."""
    group = session.get(TicketGroup, group_id, populate_existing=True)
    if group is None:
        return None
    now = now or utcnow()
    rows = session.execute(
        sa.select(
            Ticket.id, Ticket.channel, Contact.handle, Contact.display_name, Ticket.label, Ticket.status,
            Ticket.created_at, Ticket.assignee_id, Ticket.merged_into_id, Ticket.due_at,
        )
        .join(Contact, Contact.id == Ticket.contact_id)
        .where(Ticket.group_id == group_id)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    ).all()
    members = [Member(r.id, r.channel, r.handle, r.display_name, r.label, r.status, r.created_at, r.assignee_id, r.due_at) for r in rows]
    active = sorted(r.id for r in rows if r.status in ACTIVE_STATUSES and r.merged_into_id is None)
    return GroupDetail(
        group=_summary(group, active, language),
        members=members[:member_limit],
        members_total=len(members),
        inflow=hourly_inflow([r.created_at for r in rows], now, hours, rolling=rolling),
        merged_into_id=group.merged_into_id,
    )


def hourly_inflow(arrivals: Iterable[datetime], now: datetime, hours: int, *, rolling: bool = False) -> list[tuple[datetime, int]]:
    """Arrivals per clock hour over the last `hours` hours up to now, oldest first (zeros kept).

    `rolling`: per hour counted back from now instead, so the last one is a whole hour (a chart
    of a clock hour just begun drops to nearly nothing, as if the inflow had stopped)."""
    end = now if rolling else now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=hours) if rolling else end - timedelta(hours=hours - 1)
    counts = [0] * hours
    for at in arrivals:
        index = int((at - start).total_seconds() // 3600)
        if 0 <= index < hours:
            counts[index] += 1
    return [(start + timedelta(hours=i), n) for i, n in enumerate(counts)]


def member_line(
    session: so.Session, ticket: Ticket, *, language: Language = "id", min_size: int = DEFAULT_GROUP_MIN_SIZE
) -> Optional[MemberLine]:
    """The group line of a member ticket's page, only once its open group is a real pattern."""
    if ticket.group_id is None:
        return None
    group = session.get(TicketGroup, ticket.group_id, populate_existing=True)
    if group is None or group.status != OPEN or group.size < min_size:
        return None
    return MemberLine(group.id, group_name(group, language), group.size, group.first_ticket_at, group.surge_since is not None)


# --- changes a person makes ------------------------------------------------------------------


def _audit(session: so.Session, actor: Optional[User], action: str, ticket_id: Optional[int] = None, **detail: Any) -> None:
    session.add(AuditEvent(actor_id=actor.id if actor else None, action=action, ticket_id=ticket_id, detail=detail))


def _group(session: so.Session, group_id: int) -> TicketGroup:
    group = session.get(TicketGroup, group_id)
    if group is None:
        raise GroupError(f"no group {group_id}")
    return group


def remove_from_group(session: so.Session, ticket: Ticket, actor: Optional[User]) -> int:
    """Take a ticket out of its group (a later message may group it again); returns the group id."""
    if ticket.group_id is None:
        raise GroupError("this ticket is in no group")
    group_id = ticket.group_id
    ticket.group_id = None
    session.flush()  # the size trigger runs now, so the group reads right in this transaction
    _audit(session, actor, "group.ticket_removed", ticket.id, group=group_id)
    return group_id


def exclude_ticket(session: so.Session, ticket: Ticket, actor: Optional[User]) -> int:
    """"Not this problem": take the ticket out of its group and never put it back into that one."""
    if ticket.group_id is None:
        raise GroupError("this ticket is in no group")
    group_id = ticket.group_id
    ticket.group_id = None
    if session.get(GroupExclusion, (ticket.id, group_id)) is None:
        session.add(GroupExclusion(ticket_id=ticket.id, group_id=group_id, user_id=actor.id if actor else None))
    session.flush()
    _audit(session, actor, "group.ticket_excluded", ticket.id, group=group_id)
    return group_id


def merge_groups(session: so.Session, source_id: int, target_id: int, actor: Optional[User]) -> TicketGroup:
    """Fold one group into another of the same category: its members and exclusions move over."""
    if source_id == target_id:
        raise GroupError("a group cannot be merged into itself")
    source, target = _group(session, source_id), _group(session, target_id)
    if source.status == MERGED or target.status == MERGED:
        raise GroupError("a merged group cannot be merged again; use the group it was merged into")
    if source.label != target.label:
        raise GroupError("only groups of one category can be merged")
    moved = session.execute(
        sa.update(Ticket).where(Ticket.group_id == source.id).values(group_id=target.id).execution_options(synchronize_session=False)
    ).rowcount
    excluded = session.scalars(sa.select(GroupExclusion.ticket_id).where(GroupExclusion.group_id == source.id)).all()
    already = set(session.scalars(sa.select(GroupExclusion.ticket_id).where(GroupExclusion.group_id == target.id)))
    session.add_all(GroupExclusion(ticket_id=t, group_id=target.id, user_id=actor.id if actor else None) for t in excluded if t not in already)
    target.first_ticket_at = min(target.first_ticket_at, source.first_ticket_at)
    target.last_ticket_at = max(target.last_ticket_at, source.last_ticket_at)
    if source.surge_since is not None and (target.surge_since is None or source.surge_since < target.surge_since):
        target.surge_since = source.surge_since
    source.status, source.merged_into_id, source.surge_since = MERGED, target.id, None
    session.flush()
    for ticket in session.identity_map.values():  # tickets already loaded follow the move
        if isinstance(ticket, Ticket) and ticket.group_id == source.id:
            session.expire(ticket, ["group_id"])
    session.refresh(target, ["size"])
    session.refresh(source, ["size"])
    _audit(session, actor, "group.merged", None, group=source.id, into=target.id, tickets=moved)
    return target


def rename_group(session: so.Session, group_id: int, name: Optional[str], actor: Optional[User]) -> TicketGroup:
    """Give the group a supervisor's name; an empty one goes back to the name its members earn."""
    group = _group(session, group_id)
    name = " ".join((name or "").split()) or None
    if name is not None and len(name) > MAX_NAME_CHARS:
        raise GroupError(f"the group name has {len(name)} characters, at most {MAX_NAME_CHARS}")
    before, group.name = group.name, name
    _audit(session, actor, "group.renamed", None, group=group.id, before=before, after=name)
    return group


def assign_group(session: so.Session, group_id: int, user_id: Optional[int], actor: Optional[User]) -> TicketGroup:
    """Let one agent answer the whole group (None: nobody besides the supervisors)."""
    group = _group(session, group_id)
    if user_id is not None:
        assignee = session.get(User, user_id)
        if assignee is None or not assignee.active:
            raise GroupError("assign the group to an active team member")
    before, group.assignee_id = group.assignee_id, user_id
    _audit(session, actor, "group.assigned", None, group=group.id, before=before, after=user_id)
    return group

