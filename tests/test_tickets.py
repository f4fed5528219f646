"""Agent actions on tickets: relabel feedback, notes, resolve/reopen, noise, merge, masking."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import T0, ticket, user
from triage import tickets
from triage.models import AuditEvent, LabelChange, Message, Ticket


def test_relabel_records_feedback_and_moves_the_due_time(session):
    t = ticket(session, "registration", 0.3, sent_at=T0)  # 72h SLA, needs review
    agent = user(session)
    assert t.needs_review
    change = tickets.relabel(session, t, "missing_incentive", agent)
    session.commit()
    assert change is not None
    row = session.scalars(sa.select(LabelChange)).one()
    assert (row.ticket_id, row.user_id, row.from_label, row.to_label) == (t.id, agent.id, "registration", "missing_incentive")
    assert t.label == "missing_incentive" and t.label_source == "agent" and not t.needs_review
    assert t.due_at == T0 + timedelta(hours=24)


def test_confirming_the_label_clears_review_without_feedback_row(session):
    t = ticket(session, "other", 0.2)
    agent = user(session)
    assert tickets.relabel(session, t, "other", agent) is None
    session.commit()
    assert not t.needs_review and t.label_source == "agent"
    assert session.scalar(sa.select(sa.func.count()).select_from(LabelChange)) == 0
    with pytest.raises(tickets.TicketError):
        tickets.relabel(session, t, "not_a_label", agent)


def test_resolve_reopen_and_noise(session):
    t = ticket(session)
    agent = user(session)
    tickets.resolve(session, t, agent)
    assert t.status == "resolved" and t.resolved_at is not None and t.assignee_id == agent.id
    with pytest.raises(tickets.TicketError):
        tickets.resolve(session, t, agent)
    tickets.reopen(session, t, agent)
    assert t.status == "open" and t.resolved_at is None
    tickets.mark_noise(session, t, agent)
    session.commit()
    assert t.status == "noise" and t.label == "noise"
    assert session.scalars(sa.select(LabelChange.to_label)).all() == ["noise"]


def test_merge_moves_messages_and_notes(session):
    agent = user(session)
    a = ticket(session, author="x@example.com", text="pesan pertama", sent_at=T0)
    b = ticket(session, "other", author="y@example.com", text="pesan kedua", sent_at=T0 + timedelta(hours=1))
    tickets.add_note(session, b, agent, "catatan di tiket kedua")
    session.commit()
    tickets.merge(session, b, a, agent)
    session.commit()
    session.expire_all()
    a, b = session.get(Ticket, a.id), session.get(Ticket, b.id)
    texts = [e.text for e in tickets.conversation(session, a)]
    assert texts == ["pesan pertama", "pesan kedua", "catatan di tiket kedua"]  # the note was written after both
    assert a.message_count == 2 and b.merged_into_id == a.id and b.status == "resolved"
    assert session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.ticket_id == b.id)) == 0
    with pytest.raises(tickets.TicketError):
        tickets.merge(session, a, a, agent)
    with pytest.raises(tickets.TicketError):
        tickets.reopen(session, b, agent)


def test_conversation_is_oldest_first_with_notes(session):
    agent = user(session)
    t = ticket(session, author="x@example.com", text="awal", sent_at=T0)
    ticket(session, author="x@example.com", text="susulan", sent_at=T0 + timedelta(hours=2))  # threads into t
    tickets.add_note(session, t, agent, "sudah dicek")
    session.commit()
    entries = tickets.conversation(session, t)
    assert [e.kind for e in entries] == ["inbound", "inbound", "note"]
    assert [e.text for e in entries][:2] == ["awal", "susulan"]


def test_reveal_is_audited(session):
    t = ticket(session)
    agent = user(session)
    tickets.record_reveal(session, t, agent)
    session.commit()
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "contact.revealed")).one()
    assert (event.actor_id, event.ticket_id) == (agent.id, t.id)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("hp saya 081234567890 ya", "hp saya 0812****7890 ya"),
        ("rek 1234-5678-90", "rek 1234-**78-90"),
        ("NIK 3201234567890001", "NIK 3201********0001"),
        ("gelombang 12 bulan 3, Rp 600.000", "gelombang 12 bulan 3, Rp 600.000"),
    ],
)
def test_mask_text(text, expected):
    assert tickets.mask_text(text) == expected


def test_mask_text_quick_check_misses_no_number():
    """mask_text skips texts without a _NUMBER_RUN: each of them must have no _LONG_NUMBER either."""
    pieces = ["0812", "3456", "7890", "+62", " ", "-", ".", "a", "Rp", "12", "\u0661\u0662\u0663\u0664", "\n"]
    rng = random.Random(8)
    masked = 0
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        if tickets._LONG_NUMBER.search(text):
            assert tickets._NUMBER_RUN.search(text), text
            masked += tickets.mask_text(text) != text
    assert masked > 1000


def test_mask_handle():
    assert tickets.mask_handle("budiman@example.com") == "bu***@example.com"
    assert tickets.mask_handle("bob@example.com") == "b***@example.com"


def test_mask_text_masks_an_address_in_text_like_the_contact_panel():
    line = "Pada Sen, 7 Des 2026 pukul 09.12 Rahma <rahma19@example.com> menulis: hp 081234567890"
    assert tickets.mask_text(line) == f"Pada Sen, 7 Des 2026 pukul 09.12 Rahma <{tickets.mask_handle('rahma19@example.com')}> menulis: hp 0812****7890"
    assert tickets.mask_text("kirim ke budi.s+prakerja@mail.example.co.id ya") == "kirim ke bu***@mail.example.co.id ya"
    assert tickets.mask_text("harga @ 5000, akun @sinta_99") == "harga @ 5000, akun @sinta_99"  # no address, nothing to mask
