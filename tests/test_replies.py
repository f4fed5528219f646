"""Ready replies and their placeholders; answers themselves go through the outbox (tests/test_outbox.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from builders import ticket, user
from triage import outbox, replies
from triage.models import Message, ReadyReply


def test_ready_reply_fills_placeholders_and_prefers_the_supervisors_edit(session):
    t = ticket(session, "certificate_pending", author="Sri Wahyuni <sri@example.com>")
    agent = user(session, display_name="Agen Satu")
    assert replies.render_ready_reply(session, t, agent).startswith("Halo Sri Wahyuni, agar sertifikat terbit")
    boss = user(session, "boss", role="supervisor")
    replies.save_ready_reply(session, "certificate_pending", "Yth. {name}, salam dari {agent} (tiket {ticket}).", boss)
    session.commit()
    assert replies.render_ready_reply(session, t, agent) == f"Yth. Sri Wahyuni, salam dari Agen Satu (tiket {t.id})."


def test_ready_reply_rejects_unknown_placeholders(session):
    boss = user(session, "boss", role="supervisor")
    with pytest.raises(ValueError, match="nik"):
        replies.save_ready_reply(session, "other", "Halo {name}, NIK {nik}", boss)
    with pytest.raises(ValueError):
        replies.save_ready_reply(session, "other", "Halo {name", boss)
    assert session.scalar(sa.select(sa.func.count()).select_from(ReadyReply)) == 0


def test_placeholders_fill_the_specifics_found_else_a_fallback(session):
    agent = user(session, display_name="Agen Satu")
    known = ticket(session, author="Ani <ani@example.com>", text="Insentif gelombang 48 bulan ke-3 belum masuk ke LinkAja, beli di Tokopedia")
    unknown = ticket(session, author="Budi <budi@example.com>", text="Insentif saya belum masuk")
    known.entities = {**known.entities, "month": 3}  # the incentive month, as the extractor stores it
    body = "{name}: insentif {month} untuk {wave} ke {payout} ({platform}), tiket {ticket} oleh {agent}"
    replies.check_placeholders(body)
    assert replies.fill(body, known, agent) == f"Ani: insentif bulan ke-3 untuk gelombang 48 ke LinkAja (Tokopedia), tiket {known.id} oleh Agen Satu"
    assert replies.fill(body, unknown, agent) == (
        f"Budi: insentif bulan ini untuk gelombang Anda ke rekening atau e-wallet Anda (platform pelatihan Anda), tiket {unknown.id} oleh Agen Satu"
    )
    assert set(replies.placeholders()) == set(replies.PLACEHOLDERS) == {"name", "agent", "ticket", "wave", "platform", "payout", "month"}


def test_instagram_answer_is_recorded_through_the_outbox(session):
    t = ticket(session, channel="instagram", author="sinta_99", subject=None, source_id="ig-1", raw_ref="https://www.instagram.com/p/ABC/")
    agent = user(session)
    assert replies.instagram_comment_url(t) == "https://www.instagram.com/p/ABC/"
    row = outbox.answer_on_instagram(session, t, agent, "Halo @sinta_99, ...")
    session.commit()
    out = session.scalars(sa.select(Message).where(Message.direction == "outbound")).one()
    assert out.source == "instagram" and out.meta["posted_by_hand"] is True and out.meta["outbox_id"] == row.id
    assert row.status == "sent" and t.first_response_at is not None
