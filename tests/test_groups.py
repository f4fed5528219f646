"""Groups as supervisors and agents see them: the list, one group, the member line, and the
changes people make (remove, "not this problem", merge, rename, assign); sizes kept right by
the database whatever changes a member."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import T0, ticket, user
from triage import groups, tickets
from triage.models import AuditEvent, GroupExclusion, Ticket, TicketGroup


def make_group(session, label="missing_incentive", members=0, shared=None, at=T0, **values):
    """A group with `members` new open member tickets of the group's category."""
    shared = {"wave": 48, "month": 3, "payout": "LinkAja"} if shared is None else shared
    group = TicketGroup(label=label, key=groups.specifics_key(shared), shared=shared, first_ticket_at=at, last_ticket_at=at, **values)
    session.add(group)
    session.flush()
    made = [ticket(session, label, author=f"p{group.id}x{i}@example.com", sent_at=at + timedelta(minutes=i)) for i in range(members)]
    for t in made:
        t.group_id = group.id
    session.commit()
    session.refresh(group)
    return group, made


def size_of(session, group):
    session.refresh(group, ["size"])
    return group.size


def test_size_counts_active_members_through_every_change(session):
    group, (a, b, c, d) = make_group(session, members=4)
    boss = user(session, "boss", role="supervisor")
    assert size_of(session, group) == 4
    tickets.resolve(session, a, boss)
    session.commit()
    assert size_of(session, group) == 3
    tickets.reopen(session, a, boss)
    tickets.mark_noise(session, b, boss)  # leaves the group as it changes category
    session.commit()
    assert size_of(session, group) == 3
    tickets.merge(session, c, d, boss)  # c is closed as merged into d
    session.commit()
    assert size_of(session, group) == 2
    session.execute(sa.update(Ticket).where(Ticket.id == d.id).values(status="resolved"))  # a bulk write too
    session.commit()
    assert size_of(session, group) == 1


def test_a_relabelled_ticket_leaves_its_group(session):
    group, (a, b) = make_group(session, members=2)
    agent = user(session)
    tickets.relabel(session, a, "payment_account", agent)
    session.commit()
    assert a.group_id is None and size_of(session, group) == 1
    tickets.relabel(session, b, "missing_incentive", agent)  # the same label: stays
    session.commit()
    assert b.group_id == group.id


def test_list_groups_shows_real_patterns_surges_first_and_all_on_request(session):
    big, _ = make_group(session, members=6)
    surge, members = make_group(session, members=5, shared={"platform": "Pijar Mahir"}, label="certificate_pending", surge_since=T0)
    small, _ = make_group(session, members=2, shared={"wave": 50})
    closed, _ = make_group(session, members=5, shared={"wave": 51}, status="closed")
    listed = groups.list_groups(session, min_size=5)
    assert [g.id for g in listed] == [surge.id, big.id]
    first = listed[0]
    assert first.surge and first.size == 5 and first.tickets == sorted(t.id for t in members)
    assert first.name == "Sertifikat belum terbit · Pijar Mahir" and first.label == "certificate_pending"
    everything = groups.list_groups(session, include_all=True, min_size=5)
    assert {g.id for g in everything} == {big.id, surge.id, small.id, closed.id}
    assert first.as_dict()["surge_since"] == T0.isoformat()


def test_group_name_in_both_languages_and_a_supervisors_rename(session):
    group, _ = make_group(session, shared={"wave": 48, "month": 3, "payout": "LinkAja", "otp": True})
    assert groups.group_name(group) == "Insentif belum masuk · gelombang 48 · bulan ke-3 · LinkAja · OTP tidak masuk"
    assert groups.group_name(group, "en") == "Incentive not received · wave 48 · month 3 · LinkAja · OTP not received"
    from triage.i18n import catalog

    assert groups.group_name(group, catalog("en").gettext).startswith("Incentive not received · wave 48")
    boss = user(session, "boss", role="supervisor")
    groups.rename_group(session, group.id, "  LinkAja  gel 48  ", boss)
    session.commit()
    assert groups.group_name(group, "en") == "LinkAja gel 48"
    groups.rename_group(session, group.id, "", boss)
    assert groups.group_name(group).startswith("Insentif belum masuk · gelombang 48")
    actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "group.renamed")).all()
    assert len(actions) == 2


def test_group_detail_lists_members_shared_specifics_and_hourly_inflow(session):
    group, members = make_group(session, members=3)
    tickets.resolve(session, members[0], user(session, "boss", role="supervisor"))
    session.commit()
    detail = groups.group_detail(session, group.id, now=T0 + timedelta(hours=2, minutes=30), hours=4)
    assert detail.group.size == 2 and detail.members_total == 3
    assert {m.ticket_id for m in detail.members} == {t.id for t in members}
    assert {m.status for m in detail.members} == {"open", "resolved"}
    assert detail.members[0].contact.endswith("@example.com")
    assert detail.group.shared == ["gelombang 48", "bulan ke-3", "LinkAja"]
    assert [count for _, count in detail.inflow] == [0, 3, 0, 0]  # hours 07, 08, 09, 10: all three arrived at 08
    assert detail.inflow[1][0] == T0
    assert groups.group_detail(session, 999_999) is None


def test_member_line_only_once_the_group_is_a_real_pattern(session):
    group, members = make_group(session, members=3)
    assert groups.member_line(session, members[0], min_size=4) is None
    more = ticket(session, author="late@example.com")
    more.group_id = group.id
    session.commit()
    line = groups.member_line(session, members[0], min_size=4)
    assert line.group_id == group.id and line.size == 4 and line.since == T0 and not line.surge
    assert line.name.startswith("Insentif belum masuk")
    assert groups.member_line(session, ticket(session, author="alone@example.com"), min_size=1) is None


def test_not_this_problem_takes_the_ticket_out_and_is_remembered(session):
    group, (a, b) = make_group(session, members=2)
    agent = user(session)
    assert groups.exclude_ticket(session, a, agent) == group.id
    session.commit()
    assert a.group_id is None and size_of(session, group) == 1
    assert session.get(GroupExclusion, (a.id, group.id)) is not None
    audit = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "group.ticket_excluded")).one()
    assert audit.ticket_id == a.id and audit.actor_id == agent.id and audit.detail == {"group": group.id}
    with pytest.raises(groups.GroupError):
        groups.exclude_ticket(session, a, agent)
    groups.remove_from_group(session, b, agent)
    session.commit()
    assert size_of(session, group) == 0 and session.get(GroupExclusion, (b.id, group.id)) is None


def test_merge_moves_members_and_exclusions_and_keeps_the_earliest_start(session):
    target, kept = make_group(session, members=2, at=T0 + timedelta(hours=2))
    source, moved = make_group(session, members=3, shared={"wave": 48})
    boss = user(session, "boss", role="supervisor")
    groups.exclude_ticket(session, moved[0], boss)
    session.commit()
    groups.merge_groups(session, source.id, target.id, boss)
    session.commit()
    assert size_of(session, target) == 4 and size_of(session, source) == 0
    assert source.status == "merged" and source.merged_into_id == target.id
    assert target.first_ticket_at == T0
    assert {t.id for t in session.scalars(sa.select(Ticket).where(Ticket.group_id == target.id))} == {t.id for t in kept + moved[1:]}
    assert session.get(GroupExclusion, (moved[0].id, target.id)) is not None
    other, _ = make_group(session, label="certificate_pending", shared={"platform": "Pintaria"})
    with pytest.raises(groups.GroupError):
        groups.merge_groups(session, other.id, target.id, boss)
    with pytest.raises(groups.GroupError):
        groups.merge_groups(session, source.id, target.id, boss)


def test_assign_group_to_an_active_member_of_the_team(session):
    group, _ = make_group(session)
    boss = user(session, "boss", role="supervisor")
    agent = user(session, "agen2")
    groups.assign_group(session, group.id, agent.id, boss)
    session.commit()
    assert group.assignee_id == agent.id
    agent.active = False
    with pytest.raises(groups.GroupError):
        groups.assign_group(session, group.id, agent.id, boss)
    audit = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "group.assigned")).one()
    assert audit.detail == {"group": group.id, "before": None, "after": agent.id}


def test_specifics_follow_the_category(session):
    entities = {"wave": 48, "month": 3, "platforms": ["Tokopedia"], "payout_channels": ["LinkAja", "OVO"], "topics": ["otp"]}
    assert groups.specifics_of("missing_incentive", entities) == {"wave": 48, "month": 3, "payout": "LinkAja", "otp": True}
    assert groups.specifics_of("certificate_pending", entities) == {"wave": 48, "platform": "Tokopedia"}
    assert groups.specifics_of("noise", entities) == {}
    assert groups.specifics_key({"payout": "LinkAja", "wave": 48}) == "wave=48|payout=linkaja"
    assert groups.parse_key("wave=48|payout=linkaja") == {"wave": "48", "payout": "linkaja"}
    assert groups.parse_key("text:12") == {}
