"""Answering a group: every member gets its own reply in its own channel and thread, each once;
progress while it goes out; bulk relabel, assign and resolve; who may do it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from builders import ticket, user
from smtp import smtp_server
from triage import group_send, outbox, outbox_sender
from triage.models import AuditEvent, LabelChange, Message, OutboxReply, Ticket, TicketGroup

BODY = "Halo {name}, insentif {wave} ke {payout} sedang diproses. Salam, {agent} (tiket {ticket})"


def _group(session, emails: int, instagram: int = 0, assignee=None, tag: str = "") -> tuple[TicketGroup, list[Ticket]]:
    group = TicketGroup(label="missing_incentive", key="wave=48|payout=linkaja", shared={"wave": 48}, assignee_id=assignee.id if assignee else None)
    session.add(group)
    session.flush()
    members = [
        ticket(session, author=f"Peserta {i} <p{i}{tag}@example.com>", subject=f"Insentif {i}", source_id=f"<m{i}{tag}@mail.example.com>",
               text=f"Insentif gelombang 48 belum masuk ke LinkAja ({i})")
        for i in range(emails)
    ] + [
        ticket(session, channel="instagram", author=f"ig_{i}{tag}", subject=None, source_id=f"ig-{i}{tag}",
               raw_ref=f"https://www.instagram.com/p/P{i}/", text=f"insentif gel 48 blm masuk ({i})")
        for i in range(instagram)
    ]
    for t in members:
        t.group_id = group.id
    outsider = ticket(session, author=f"Lain <lain{tag}@example.com>", source_id=f"<out{tag}@mail.example.com>")  # another problem
    session.commit()
    assert outsider.group_id is None
    return group, members


def _settings(settings, port):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=port, smtp_from="Prakerja <bantuan@prakerja.example>", outbox_rate=1000.0)


def test_a_group_of_50_gets_50_threaded_replies_each_once_and_is_resolved(session, settings):
    boss = user(session, "boss", "supervisor", display_name="Supervisor Satu")
    group, members = _group(session, 50)
    with smtp_server() as (_, port, inbox):
        settings = _settings(settings, port)
        send = group_send.send_to_group(session, group.id, BODY, boss, True, settings)
        session.commit()
        assert send.total == 50 and inbox.messages == []
        assert group_send.progress(session, send.id) == group_send.Progress(total=50, sent=0, pending=50, failed=0, to_post_by_hand=0)
        first = outbox_sender.send_due(session, settings, "job", max_rows=20)
        assert first.sent == 20 and group_send.progress(session, send.id).sent == 20  # visible while it goes out
        outbox_sender.send_due(session, settings, "job")
    progress = group_send.progress(session, send.id)
    assert (progress.sent, progress.pending, progress.finished) == (50, 0, True)

    assert len(inbox.messages) == 50 and set(inbox.message_ids().values()) == {1}
    by_recipient = {rcpts[0]: msg for _, rcpts, msg in inbox.messages}
    for i, t in enumerate(members):
        msg = by_recipient[f"p{i}@example.com"]  # each to its own participant, in its own thread
        assert msg["In-Reply-To"] == f"<m{i}@mail.example.com>" and msg["Subject"] == f"Re: Insentif {i}"
        assert msg.get_content().strip() == f"Halo Peserta {i}, insentif gelombang 48 ke LinkAja sedang diproses. Salam, Supervisor Satu (tiket {t.id})"
    statuses = session.execute(sa.select(Ticket.status, sa.func.count()).where(Ticket.group_id == group.id).group_by(Ticket.status)).all()
    assert statuses == [("resolved", 50)]
    replied = session.scalars(sa.select(AuditEvent.ticket_id).where(AuditEvent.action == "ticket.replied")).all()
    resolved = session.scalars(sa.select(AuditEvent.ticket_id).where(AuditEvent.action == "ticket.resolved")).all()
    assert sorted(replied) == sorted(resolved) == sorted(t.id for t in members)  # audited per ticket
    assert session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.direction == "outbound")) == 50


def test_instagram_members_wait_in_the_by_hand_list_and_count_in_the_progress(session, settings):
    boss = user(session, "boss", "supervisor")
    group, members = _group(session, 2, instagram=3)
    with smtp_server() as (_, port, inbox):
        settings = _settings(settings, port)
        send = group_send.send_to_group(session, group.id, BODY, boss, False, settings)
        session.commit()
        outbox_sender.send_due(session, settings, "job")
    assert group_send.progress(session, send.id) == group_send.Progress(total=5, sent=2, pending=0, failed=0, to_post_by_hand=3)
    todo = outbox.to_post_by_hand(session, group_send_id=send.id)
    assert [(q.ticket_id, q.comment_url) for q in todo] == [(t.id, f"https://www.instagram.com/p/P{i}/") for i, t in enumerate(members[2:])]
    assert todo[0].body.startswith("Halo @ig_0, insentif gelombang 48")
    outbox.mark_posted(session, todo[0].id, boss)
    session.commit()
    assert group_send.progress(session, send.id).to_post_by_hand == 2
    assert session.get(Ticket, members[2].id, populate_existing=True).status == "open"  # resolve=False leaves them open
    assert len(inbox.messages) == 2


def test_preview_fills_three_members_and_refuses_unknown_placeholders(session, settings):
    boss = user(session, "boss", "supervisor")
    group, members = _group(session, 4)
    shown = group_send.preview(session, group.id, "Halo {name}, {month} di {platform}.", boss)
    assert [p.ticket_id for p in shown] == [t.id for t in members[:3]]
    assert shown[0].text == "Halo Peserta 0, bulan ini di platform pelatihan Anda."  # fallbacks for what the message lacks
    with pytest.raises(ValueError, match="nik"):
        group_send.send_to_group(session, group.id, "Halo {name}, NIK {nik}", boss, False, settings)
    with pytest.raises(group_send.GroupError):
        group_send.send_to_group(session, group.id, "   ", boss, False, settings)
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxReply)) == 0


def test_only_a_supervisor_or_the_groups_agent_acts_on_the_group(session, settings):
    agent, other = user(session, "agen1"), user(session, "agen2")
    group, members = _group(session, 2, assignee=agent)
    with pytest.raises(group_send.NotAllowed):
        group_send.send_to_group(session, group.id, BODY, other, False, settings)
    with pytest.raises(group_send.NotAllowed):
        group_send.bulk_resolve(session, group.id, other)
    send = group_send.send_to_group(session, group.id, BODY, agent, False, settings)
    assert send.total == 2


def test_bulk_relabel_assign_and_resolve_go_through_the_single_ticket_actions(session, settings):
    boss, agent = user(session, "boss", "supervisor"), user(session, "agen1")
    group, members = _group(session, 3)
    assert group_send.bulk_assign(session, group.id, agent.id, boss) == 3
    session.commit()
    assert {(t.status, t.assignee_id) for t in members} == {("claimed", agent.id)}
    assert group_send.bulk_resolve(session, group.id, boss) == 3
    session.commit()
    assert {t.status for t in members} == {"resolved"}
    assert group_send.bulk_resolve(session, group.id, boss) == 0  # resolved tickets are members no longer
    other, relabelled = _group(session, 2, tag="b")
    assert group_send.bulk_relabel(session, other.id, "payment_account", boss) == 2
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(LabelChange)) == 2  # classifier feedback per ticket
    assert {t.label for t in relabelled} == {"payment_account"}
    for action, tickets in (("ticket.assigned", members), ("ticket.resolved", members), ("ticket.relabelled", relabelled)):
        audited = session.scalars(sa.select(AuditEvent.ticket_id).where(AuditEvent.action == action)).all()
        assert sorted(audited) == sorted(t.id for t in tickets), action
