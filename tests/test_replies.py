"""Ready replies and answers: a threaded email reply through a real SMTP server, Instagram by hand."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from builders import ticket, user
from triage import replies
from triage.models import Message, ReadyReply


def _smtp_settings(settings, smtp_server):
    host, port, _inbox = smtp_server
    return settings.with_overrides(smtp_host=host, smtp_port=port, smtp_from="Prakerja <bantuan@prakerja.example>")


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


def test_email_reply_is_sent_threaded_and_stored(session, settings, smtp_server):
    _, _, inbox = smtp_server
    t = ticket(
        session,
        author="Budi <budi@example.com>",
        subject="Insentif belum masuk",
        source_id="<orig-1@mail.example.com>",
        references=("<older@mail.example.com>",),
    )
    agent = user(session)
    answer = replies.send_email_reply(session, t, agent, "Halo Budi, mohon cek rekening BNI Anda.", _smtp_settings(settings, smtp_server))
    session.commit()

    assert len(inbox.messages) == 1
    mail_from, rcpts, msg = inbox.messages[0]
    assert rcpts == ["budi@example.com"] and mail_from == "bantuan@prakerja.example"
    assert msg["Subject"] == "Re: Insentif belum masuk"
    assert msg["In-Reply-To"] == "<orig-1@mail.example.com>"
    assert msg["References"].split() == ["<older@mail.example.com>", "<orig-1@mail.example.com>"]
    assert msg.get_content().strip() == "Halo Budi, mohon cek rekening BNI Anda."
    stored = session.scalars(sa.select(Message).where(Message.direction == "outbound")).one()
    assert stored.source_id == msg["Message-ID"] == answer.message.source_id
    assert stored.ticket_id == t.id and stored.in_reply_to == "<orig-1@mail.example.com>"
    assert t.first_response_at is not None and t.message_count == 2


def test_reply_to_a_reply_keeps_one_re(session, settings, smtp_server):
    t = ticket(session, subject="RE: saldo", source_id="<x@y>")
    msg = replies.build_email_reply(t, "ok", settings, t.created_at)
    assert msg["Subject"] == "RE: saldo"


def test_failed_smtp_stores_nothing(session, settings):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    t = ticket(session)
    agent = user(session)
    with pytest.raises(replies.ReplyError):
        replies.send_email_reply(session, t, agent, "halo", settings.with_overrides(smtp_host="127.0.0.1", smtp_port=closed_port, smtp_timeout_seconds=2))
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.direction == "outbound")) == 0


def test_instagram_answer_is_recorded_not_sent(session):
    t = ticket(session, channel="instagram", author="sinta_99", subject=None, source_id="ig-1", raw_ref="https://www.instagram.com/p/ABC/")
    agent = user(session)
    assert replies.instagram_comment_url(t) == "https://www.instagram.com/p/ABC/"
    with pytest.raises(replies.ReplyError):
        replies.send_email_reply(session, t, agent, "halo", None)  # type: ignore[arg-type]
    replies.mark_instagram_answered(session, t, agent, "Halo @sinta_99, ...")
    session.commit()
    out = session.scalars(sa.select(Message).where(Message.direction == "outbound")).one()
    assert out.source == "instagram" and out.meta["posted_by_hand"] is True
    assert t.first_response_at is not None
