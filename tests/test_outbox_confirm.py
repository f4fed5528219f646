"""The recovery with the support mailbox (triage/outbox_recovery.py), on real servers: a reply
left in doubt (`sending`, its sender gone) is settled by looking for its Message-ID in the
stored messages and then in the mailbox (Dovecot), never resent when its copy exists."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import FixedClassifier, ticket, user
from dovecot import free_port
from smtp import Inbox, smtp_server
from triage import outbox, outbox_sender
from triage.ingest import runner
from triage.ingest.imap.sent_copies import mailbox_lookup
from triage.ingest.imap.source import FolderFetch
from triage.models import AuditEvent, Message, OutboxReply, Ticket, utcnow
from triage.pipeline import PipelineConfig
from triage.settings import ImapAccount, SettingsError, load_settings


@pytest.fixture
def support(dovecot):
    """A fresh support mailbox: its Dovecot user, and the account that reads it."""
    name = f"salinan{uuid.uuid4().hex[:10]}"
    loaded = load_settings({  # as an operator configures it: our sending address reads as outbound here too
        "TRIAGE_SECRET_KEY": "x" * 40, "TRIAGE_SMTP_FROM": "Prakerja <bantuan@prakerja.example>",
        "TRIAGE_IMAP_ACCOUNTS": json.dumps([{"name": "support", "host": "127.0.0.1", "port": dovecot.port, "username": name,
                                             "security": "plain"}]),
        "TRIAGE_IMAP_PASSWORD_SUPPORT": dovecot.password, "TRIAGE_OUTBOX_BCC": f"{name}@prakerja.example",
        "TRIAGE_OUTBOX_BCC_ACCOUNT": "support",
    })
    return name, loaded.imap_accounts[0]


def _configured(settings, account, port, folder="INBOX"):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=port, smtp_from="Prakerja <bantuan@prakerja.example>",
                                   smtp_timeout_seconds=5, outbox_rate=1000.0, imap_accounts=(account,),
                                   outbox_bcc=f"{account.username}@prakerja.example", outbox_bcc_account="support",
                                   outbox_bcc_folder=folder)


def _in_doubt(session, settings) -> OutboxReply:
    """A reply a killed sender left in `sending`, its claim expired."""
    agent = user(session, display_name="Agen Satu")
    t = ticket(session, author="Peserta <p1@example.com>", subject="Insentif belum masuk", source_id="<orig-1@mail.example.com>")
    row = outbox.enqueue_email_reply(session, t, agent, "Halo, mohon cek rekening BNI.", settings)
    session.flush()
    row.status, row.holder, row.attempts = "sending", "sender:dead:1", 1
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    return row


def _copy(row, settings) -> bytes:
    return outbox.email_message(row, settings).as_bytes()


def _send(session, settings):
    return outbox_sender.send_due(session, settings, "test-sender", confirm=mailbox_lookup(settings))


def _outbound(session, row):
    return session.scalars(sa.select(Message.source_id).where(Message.ticket_id == row.ticket_id, Message.direction == "outbound")).all()


def test_a_reply_whose_copy_is_in_the_mailbox_is_finished_not_resent(session, settings, dovecot, support):
    name, account = support
    with smtp_server(Inbox()) as (_, port, inbox):
        settings = _configured(settings, account, port)
        row = _in_doubt(session, settings)
        dovecot.append(name, _copy(row, settings))
        summary = _send(session, settings)
    assert inbox.messages == []
    assert (summary.confirmed, summary.in_doubt) == (1, 0)
    session.expire_all()
    assert session.get(OutboxReply, row.id).status == "sent"
    assert _outbound(session, row) == [row.message_id]
    assert session.get(Ticket, row.ticket_id).first_response_at is not None
    assert session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("outbox.%"))).all() == ["outbox.queued", "outbox.confirmed"]


def test_a_copy_the_ingester_stored_first_counts_as_found_and_is_not_stored_twice(session, sessionmaker, settings, dovecot, support):
    name, account = support
    with smtp_server(Inbox()) as (_, port, inbox):
        settings = _configured(settings, account, port, folder="Terkirim")  # the mailbox never asked: found in the table
        row = _in_doubt(session, settings)
        dovecot.append(name, _copy(row, settings))
        read = runner.ingest(sessionmaker, FolderFetch(account, "INBOX", settings.imap), FixedClassifier(), PipelineConfig())
        assert (read.outbound, read.new_tickets) == (1, 0)  # our own reply, on the participant's ticket
        summary = _send(session, settings)
    assert inbox.messages == []
    assert summary.confirmed == 1
    session.expire_all()
    assert session.get(OutboxReply, row.id).status == "sent"
    assert _outbound(session, row) == [row.message_id]  # once: the ingester's
    assert session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_a_reply_whose_copy_is_not_there_is_resent_once_and_delivers_its_copy(session, settings, dovecot, support):
    name, account = support
    with smtp_server(Inbox()) as (_, port, inbox):
        settings = _configured(settings, account, port)
        row = _in_doubt(session, settings)
        summary = _send(session, settings)
    assert (summary.confirmed, summary.in_doubt, summary.sent) == (0, 1, 1)
    (_, rcpt_tos, message), = inbox.messages
    assert rcpt_tos == ["p1@example.com", settings.outbox_bcc] and message["Message-ID"] == row.message_id
    assert "Bcc" not in message  # the envelope alone names the copy: the participant never sees it
    session.expire_all()
    assert session.get(OutboxReply, row.id).status == "sent" and _outbound(session, row) == [row.message_id]


def test_the_copy_is_looked_for_in_the_configured_folder_only(session, settings, dovecot, support):
    name, account = support
    with smtp_server(Inbox()) as (_, port, inbox):
        settings = _configured(settings, account, port, folder="Salinan")
        row = _in_doubt(session, settings)
        dovecot.append(name, _copy(row, settings), folder="Salinan")
        assert _send(session, settings).confirmed == 1
    assert inbox.messages == []


def test_a_mailbox_that_cannot_be_asked_leaves_the_reply_in_doubt_for_the_next_run(session, settings, support, caplog):
    _, account = support
    away = ImapAccount(name="support", host="127.0.0.1", port=free_port(), username=account.username,
                       password=account.password, security="plain")
    with smtp_server(Inbox()) as (_, port, inbox):
        settings = _configured(settings, away, port)
        row = _in_doubt(session, settings)
        summary = _send(session, settings)
    assert inbox.messages == [] and (summary.confirmed, summary.in_doubt) == (0, 0)
    session.expire_all()
    waiting = session.get(OutboxReply, row.id)
    assert (waiting.status, waiting.last_error) == ("sending", "unconfirmed")
    assert "kotak surat dukungan" in outbox.error_text(waiting.last_error)
    assert account.password not in caplog.text


def test_the_bcc_needs_the_account_that_reads_it_and_makes_our_address_outbound():
    base = {"TRIAGE_SECRET_KEY": "x" * 40, "TRIAGE_OUTBOX_BCC": "salinan@prakerja.example",
            "TRIAGE_IMAP_ACCOUNTS": '[{"name": "support", "host": "imap.example", "username": "salinan"}]'}
    with pytest.raises(SettingsError, match="TRIAGE_OUTBOX_BCC_ACCOUNT"):
        load_settings(base)
    settings = load_settings({**base, "TRIAGE_OUTBOX_BCC_ACCOUNT": "support"})
    assert settings.outbox_bcc_account == "support" and settings.outbox_bcc_folder == "INBOX"
    assert settings.imap_accounts[0].support_addresses == ("bantuan@prakerja.example",)
    assert load_settings({"TRIAGE_SECRET_KEY": "x" * 40}).outbox_bcc == ""
