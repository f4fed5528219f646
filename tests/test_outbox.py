"""The outbox and its sender against a real SMTP server on loopback: headers fixed when a reply
is queued, retries while the server is down, permanent refusals, two senders, in-doubt rows."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from builders import ticket, user
from smtp import Inbox, free_port, smtp_server
from triage import outbox, outbox_sender, replies
from triage.db import writer_engine
from triage.models import AuditEvent, Lease, Message, OutboxReply, Ticket, utcnow


def _at(settings, port, **more):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=port, smtp_from="Prakerja <bantuan@prakerja.example>",
                                   smtp_timeout_seconds=5, outbox_rate=1000.0, **more)


def _queued(session, settings, n=1, **kw):
    agent = user(session, display_name="Agen Satu")
    rows = []
    for i in range(n):
        t = ticket(session, author=f"Peserta {i} <p{i}@example.com>", subject="Insentif belum masuk",
                   source_id=f"<orig-{i}@mail.example.com>", references=(f"<older-{i}@mail.example.com>",))
        rows.append(outbox.enqueue_email_reply(session, t, agent, f"Halo Peserta {i}, mohon cek rekening BNI.", settings, **kw))
    session.commit()
    return rows


def _send(session, settings, holder="test-sender", **kw):
    return outbox_sender.send_due(session, settings, holder, **kw)


def _row(session, reply_id) -> OutboxReply:
    return session.get(OutboxReply, reply_id, populate_existing=True)


def _due_now(session):
    """The backoff has passed (instead of waiting for it)."""
    session.execute(sa.update(OutboxReply).where(OutboxReply.status == "pending").values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()


def test_headers_are_fixed_when_queued_and_sent_as_they_are(session, settings):
    with smtp_server() as (_, port, inbox):
        settings = _at(settings, port)
        [row] = _queued(session, settings)
        assert row.status == "pending" and row.message_id.endswith("@prakerja.example>") and inbox.messages == []
        fixed = (row.message_id, row.recipient, row.subject, row.in_reply_to, list(row.references))
        assert fixed[1:] == ("p0@example.com", "Re: Insentif belum masuk", "<orig-0@mail.example.com>",
                             ["<older-0@mail.example.com>", "<orig-0@mail.example.com>"])
        summary = _send(session, settings)

    assert summary.sent == 1 and len(inbox.messages) == 1
    mail_from, rcpts, msg = inbox.messages[0]
    assert (mail_from, rcpts) == ("bantuan@prakerja.example", ["p0@example.com"])
    assert (msg["Message-ID"], msg["To"], msg["Subject"], msg["In-Reply-To"], msg["References"].split()) == (
        fixed[0], fixed[1], fixed[2], fixed[3], fixed[4])
    assert msg.get_content().strip() == "Halo Peserta 0, mohon cek rekening BNI."
    row = _row(session, row.id)
    assert (row.status, row.attempts, row.holder, row.last_error) == ("sent", 1, None, None) and row.sent_at is not None
    out = session.scalars(sa.select(Message).where(Message.direction == "outbound")).one()
    assert (out.source_id, out.ticket_id, out.in_reply_to) == (fixed[0], row.ticket_id, "<orig-0@mail.example.com>")
    t = session.get(Ticket, row.ticket_id, populate_existing=True)
    assert t.first_response_at is not None and t.message_count == 2 and t.status == "open"
    actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.ticket_id == t.id).order_by(AuditEvent.id)).all()
    assert actions == ["outbox.queued", "ticket.replied"]


def test_a_reply_to_a_reply_keeps_one_re_and_a_dot_line_survives(session, settings):
    t = ticket(session, subject="RE: saldo", source_id="<x@y>")
    agent = user(session)
    with smtp_server() as (_, port, inbox):
        settings = _at(settings, port)
        row = outbox.enqueue_email_reply(session, t, agent, "baris satu\n.\n.baris titik", settings, resolve_after=True)
        session.commit()
        _send(session, settings)
    assert row.subject == "RE: saldo"
    assert inbox.messages[0][2].get_content().splitlines() == ["baris satu", ".", ".baris titik"]
    assert session.get(Ticket, t.id, populate_existing=True).status == "resolved"  # resolve_after: resolved as it went out


def test_a_server_that_is_down_keeps_the_reply_queued_with_its_error_then_sends_it(session, settings):
    settings = _at(settings, free_port(), outbox_retry_seconds=30)  # nobody listens there
    first, second = _queued(session, settings, 2)
    before = utcnow()
    summary = _send(session, settings)
    assert (summary.sent, summary.retried) == (0, 1) and summary.stopped_by.startswith("unreachable")
    a, b = _row(session, first.id), _row(session, second.id)
    assert (a.status, a.attempts, a.holder) == ("pending", 1, None)
    assert a.last_error == "unreachable: ConnectionRefusedError"
    assert a.next_attempt_at >= before + timedelta(seconds=30)  # the backoff
    assert (b.status, b.attempts, b.holder) == ("pending", 0, None)  # not tried: the run stopped at the first
    assert session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.direction == "outbound")) == 0
    assert _send(session, settings).sent == 0  # nothing due before the backoff passed

    with smtp_server(port=settings.smtp_port) as (_, _, inbox):
        _due_now(session)
        assert _send(session, settings).sent == 2
    assert sorted(inbox.message_ids()) == sorted([first.message_id, second.message_id])  # the ids fixed at queueing
    assert _row(session, first.id).attempts == 2 and _row(session, first.id).last_error is None


def test_a_permanent_refusal_fails_at_once_with_the_servers_reason(session, settings):
    with smtp_server(Inbox(refuse_rcpt="550 5.1.1 No such user here")) as (_, port, inbox):
        settings = _at(settings, port)
        [row] = _queued(session, settings)
        summary = _send(session, settings)
    row = _row(session, row.id)
    assert (summary.failed, row.status, row.attempts) == (1, "failed", 1)
    assert row.last_error == "rejected: 550 5.1.1 No such user here" and inbox.messages == []
    failed = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "outbox.failed")).one()
    assert failed.ticket_id == row.ticket_id and failed.detail["outbox_id"] == row.id
    assert "menolak balasan ini" in outbox.error_text(row.last_error)

    assert outbox.retry_failed(session, None) == 1  # an operator queues it again
    session.commit()
    assert (_row(session, row.id).status, _row(session, row.id).attempts) == ("pending", 0)


def test_a_refusal_for_now_is_retried_until_the_attempts_run_out(session, settings):
    with smtp_server(Inbox(refuse_data="451 4.3.0 Try again later")) as (_, port, inbox):
        settings = _at(settings, port, outbox_max_attempts=2)
        [row] = _queued(session, settings)
        assert _send(session, settings).retried == 1
        assert (_row(session, row.id).status, _row(session, row.id).last_error) == ("pending", "refused_for_now: 451 4.3.0 Try again later")
        _due_now(session)
        assert _send(session, settings).failed == 1
    assert (_row(session, row.id).status, _row(session, row.id).attempts) == ("failed", 2) and inbox.messages == []


def test_the_login_password_is_never_stored_or_logged(session, settings, caplog):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    secret = "s3cret-smtp-pass"
    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port, auth_require_tls=False,
                            authenticator=lambda *a: AuthResult(success=False, handled=False))
    controller.start()
    try:
        settings = _at(settings, port, smtp_user="bantuan", smtp_password=secret)
        [row] = _queued(session, settings)
        with caplog.at_level(logging.DEBUG, logger="triage"):
            summary = _send(session, settings)
    finally:
        controller.stop()
    row = _row(session, row.id)
    assert summary.retried == 1 and row.last_error == "login: 535"
    assert secret not in caplog.text and secret not in (row.last_error or "")


def test_two_senders_never_take_the_same_row(engine, settings):
    writer = so.sessionmaker(writer_engine(engine), expire_on_commit=False)
    with writer() as s:
        rows = _queued(s, _at(settings, 1), 60)
    with writer() as s:  # a reservation is exclusive
        taken = outbox_sender.reserve(s, "a", 10, utcnow() + timedelta(minutes=1))
        assert len(taken) == 10 and not set(taken) & set(outbox_sender.reserve(s, "b", 100, utcnow() + timedelta(minutes=1)))
        s.execute(sa.update(OutboxReply).values(holder=None, next_attempt_at=utcnow()))
        s.commit()
    with smtp_server() as (_, port, inbox):
        senders, summaries = [], []

        def run(name):
            with writer() as s:
                summaries.append(_send(s, _at(settings, port, outbox_batch_size=3), holder=name))

        senders = [threading.Thread(target=run, args=(name,)) for name in ("sender-a", "sender-b")]
        for th in senders:
            th.start()
        for th in senders:
            th.join(60)
    received = inbox.message_ids()
    assert sorted(received) == sorted(r.message_id for r in rows) and set(received.values()) == {1}
    assert sum(s.sent for s in summaries) == 60 and all(s.sent for s in summaries)  # both worked, none twice
    with writer() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.direction == "outbound")) == 60


def test_a_row_left_sending_by_a_dead_sender_is_resent_with_the_same_message_id(session, settings):
    with smtp_server() as (_, port, inbox):
        settings = _at(settings, port)
        dead, alive = _queued(session, settings, 2)
        past = utcnow() - timedelta(seconds=1)
        session.execute(sa.update(OutboxReply).values(status="sending", attempts=1, next_attempt_at=past))
        session.execute(sa.update(OutboxReply).where(OutboxReply.id == dead.id).values(holder="host:1:dead/outbox:send"))
        session.execute(sa.update(OutboxReply).where(OutboxReply.id == alive.id).values(holder="host:2:live/outbox:send"))
        session.add(Lease(name="outbox:send", holder="host:2:live/outbox:send", expires_at=utcnow() + timedelta(minutes=1)))
        session.commit()
        summary = _send(session, settings)
    assert (summary.in_doubt, summary.sent) == (1, 1)
    assert list(inbox.message_ids()) == [dead.message_id]  # the same Message-ID again
    assert _row(session, dead.id).status == "sent" and _row(session, dead.id).attempts == 2
    assert _row(session, alive.id).status == "sending"  # its holder's lease is live: still its own
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "outbox.in_doubt")).one()
    assert event.detail == {"outbox_id": dead.id, "message_id": dead.message_id, "holder": "host:1:dead/outbox:send"}


def test_the_sender_keeps_to_its_rate(session, settings):
    waits: list[float] = []
    clock = [0.0]
    pacer = outbox_sender.Pacer(50.0, clock=lambda: clock[0], sleep=lambda s: (waits.append(s), clock.__setitem__(0, clock[0] + s)))
    with smtp_server() as (_, port, inbox):
        settings = _at(settings, port)
        _queued(session, settings, 5)
        assert _send(session, settings, pacer=pacer).sent == 5
    assert waits == pytest.approx([0.02] * 4)  # the first at once, then one every 1/50 s


def test_instagram_answers_wait_in_the_by_hand_list_until_posted(session, settings):
    t = ticket(session, channel="instagram", author="sinta_99", subject=None, source_id="ig-1", raw_ref="https://www.instagram.com/p/ABC/")
    agent = user(session)
    row = outbox.enqueue_instagram_answer(session, t, agent, "Halo @sinta_99, ...", resolve_after=True)
    session.commit()
    with smtp_server() as (_, port, inbox):
        assert _send(session, _at(settings, port)).sent == 0  # the sender never takes them
    [todo] = outbox.to_post_by_hand(session)
    assert (todo.id, todo.ticket_id, todo.body, todo.comment_url) == (row.id, t.id, "Halo @sinta_99, ...", "https://www.instagram.com/p/ABC/")
    with pytest.raises(replies.ReplyError):
        outbox.enqueue_email_reply(session, t, agent, "halo", settings)

    outbox.mark_posted(session, row.id, agent)
    session.commit()
    with pytest.raises(replies.ReplyError):  # a second agent marking it too records nothing more
        outbox.mark_posted(session, row.id, agent)
    session.rollback()
    assert outbox.to_post_by_hand(session) == []
    out = session.scalars(sa.select(Message).where(Message.direction == "outbound")).one()
    assert out.source == "instagram" and out.meta["posted_by_hand"] is True and out.text == "Halo @sinta_99, ..."
    t = session.get(Ticket, t.id, populate_existing=True)
    assert t.first_response_at is not None and t.status == "resolved" and _row(session, row.id).status == "sent"
    assert "outbox.posted" in session.scalars(sa.select(AuditEvent.action).where(AuditEvent.ticket_id == t.id)).all()


def test_a_reply_the_server_accepted_from_a_sender_that_died_before_recording_it_is_recorded_once(session, settings):
    with smtp_server() as (_, port, inbox):
        settings = _at(settings, port)
        [row] = _queued(session, settings)
        accepted = utcnow() - timedelta(seconds=5)  # the server's 250, then the sender died
        session.execute(sa.update(OutboxReply).values(status="accepted", attempts=1, updated_at=accepted))
        session.commit()
        assert _send(session, settings).sent == 0 and _send(session, settings).sent == 0
    assert inbox.messages == []  # not sent again
    [out] = session.scalars(sa.select(Message).where(Message.direction == "outbound")).all()  # recorded once
    assert out.source_id == row.message_id and out.sent_at == accepted
    assert (_row(session, row.id).status, _row(session, row.id).sent_at) == ("sent", accepted)
    t = session.get(Ticket, row.ticket_id, populate_existing=True)
    assert t.first_response_at == accepted and t.message_count == 2
    assert session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "ticket.replied")).all() == ["ticket.replied"]


def test_a_sender_whose_reservation_ran_out_and_was_taken_does_not_send(session, settings):
    with smtp_server() as (_, port, inbox):
        settings = _at(settings, port)
        [row] = _queued(session, settings)
        assert outbox_sender.reserve(session, "slow", 1, utcnow() - timedelta(seconds=1)) == [row.id]  # ran out at once
        assert outbox_sender.reserve(session, "other", 1, utcnow() + timedelta(minutes=1)) == [row.id]
        summary = outbox_sender.SendSummary()
        with outbox_sender.Mailer(settings) as mailer:  # the slow one goes on with the row it had
            outbox_sender.send_row(session, mailer, _row(session, row.id), "slow", settings, summary)
    assert summary.lost == 1 and inbox.messages == []  # its mail never saw its end: discarded
    assert (_row(session, row.id).status, _row(session, row.id).holder, _row(session, row.id).attempts) == ("pending", "other", 0)
