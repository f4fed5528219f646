"""Drafts (triage.drafts), one-time form keys (triage.submissions) and the never-answered check
before resolving (triage.tickets.never_answered), on the services alone."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import ticket, user
from triage import drafts, outbox, submissions, tickets
from triage.models import utcnow
from triage.models.workbench import Draft, FormSubmission
from triage.settings import Settings


def test_a_draft_is_kept_per_ticket_agent_and_box_and_replaced_when_typed_again(session):
    a, b = user(session, "agen1"), user(session, "agen2")
    t = ticket(session)
    drafts.save(session, t, a, "reply", "Halo, versi satu")
    drafts.save(session, t, a, "note", "catatan")
    drafts.save(session, t, b, "reply", "punya agen dua")
    session.commit()
    drafts.save(session, t, a, "reply", "Halo, versi dua\r\nbaris kedua")
    session.commit()
    assert {k: d.body for k, d in drafts.for_ticket(session, t, a).items()} == {"reply": "Halo, versi dua\nbaris kedua", "note": "catatan"}
    assert {k: d.body for k, d in drafts.for_ticket(session, t, b).items()} == {"reply": "punya agen dua"}


def test_an_empty_draft_removes_it_and_discard_removes_one_box(session):
    a = user(session)
    t = ticket(session)
    drafts.save(session, t, a, "reply", "Halo")
    drafts.save(session, t, a, "note", "catatan")
    session.commit()
    assert drafts.save(session, t, a, "reply", "  \n ") is None
    drafts.discard(session, t, a, "note")
    session.commit()
    assert drafts.for_ticket(session, t, a) == {}


def test_a_typed_draft_is_limited_like_its_box_but_a_refused_text_is_kept_whole(session):
    a = user(session)
    t = ticket(session)
    with pytest.raises(drafts.DraftError) as refused:
        drafts.save(session, t, a, "note", "x" * (tickets.NOTE_MAX_CHARS + 1))
    assert refused.value.params == {"length": tickets.NOTE_MAX_CHARS + 1, "limit": tickets.NOTE_MAX_CHARS}
    with pytest.raises(drafts.DraftError):
        drafts.save(session, t, a, "elsewhere", "x")
    kept = drafts.save(session, t, a, "note", "x" * 119_000, limit=None)
    session.commit()
    assert len(kept.body) == 119_000


def test_old_drafts_are_purged(session):
    a = user(session)
    t, u = ticket(session), ticket(session, author="sari@example.com", source_id="<other@example.com>")
    now = utcnow()
    drafts.save(session, t, a, "reply", "lama", now=now - timedelta(days=15))
    drafts.save(session, u, a, "reply", "baru", now=now - timedelta(days=1))
    session.commit()
    assert drafts.purge(session, 14, now) == 1
    session.commit()
    assert session.scalars(sa.select(Draft.body)).all() == ["baru"]


def test_a_note_over_the_limit_is_refused_not_cut(session):
    a = user(session)
    t = ticket(session)
    with pytest.raises(tickets.TicketError) as refused:
        tickets.add_note(session, t, a, "x" * 119_000)
    assert refused.value.reason == "the note is too long" and refused.value.params == {"length": 119_000, "limit": 10_000}
    assert tickets.add_note(session, t, a, "x" * 10_000).text == "x" * 10_000


def test_a_reply_over_the_limit_is_refused(session):
    a = user(session)
    t = ticket(session, author="Budi <budi@example.com>", source_id="<limit@example.com>")
    settings = Settings(database_url="sqlite://", secret_key="k")
    with pytest.raises(outbox.ReplyError) as refused:
        outbox.enqueue_email_reply(session, t, a, "x" * 10_001, settings)
    assert refused.value.params == {"length": 10_001, "limit": 10_000}


def test_a_form_key_is_used_once_a_refused_action_frees_it_and_old_keys_are_purged(session):
    a = user(session)
    t = ticket(session)
    assert submissions.first_use(session, "k1", a, "note", t.id)
    session.commit()
    assert not submissions.first_use(session, "k1", a, "note", t.id)
    session.rollback()
    assert submissions.first_use(session, "k2", a, "note", t.id)
    session.rollback()  # the action was refused: its key goes with it
    assert submissions.first_use(session, "k2", a, "note", t.id)
    assert submissions.first_use(session, None, a, "note", t.id) and submissions.first_use(session, "", a, "note", t.id)
    session.commit()
    old = utcnow() - timedelta(days=2)
    session.execute(sa.update(FormSubmission).where(FormSubmission.key == "k1").values(created_at=old))
    session.commit()
    assert submissions.purge(session) == 1
    session.commit()
    assert session.scalars(sa.select(FormSubmission.key)).all() == ["k2"]
    assert len({submissions.new_key() for _ in range(100)}) == 100


def test_never_answered_until_a_reply_is_queued_or_the_ticket_has_a_first_response(session):
    a = user(session)
    t = ticket(session, author="Budi <budi@example.com>", source_id="<never@example.com>")
    u = ticket(session, author="Sari <sari@example.com>", source_id="<answered@example.com>")
    assert tickets.never_answered(session, t) and tickets.never_answered(session, u)
    outbox.enqueue_email_reply(session, t, a, "Halo Budi", Settings(database_url="sqlite://", secret_key="k"))
    u.first_response_at = utcnow()
    session.commit()
    assert not tickets.never_answered(session, t) and not tickets.never_answered(session, u)


def test_the_claim_upkeep_job_purges_old_drafts_and_form_keys(sessionmaker, session):
    from builders import FixedClassifier
    from triage.jobs import JobContext, expire_and_assign

    a = user(session)
    t = ticket(session)
    long_ago = utcnow() - timedelta(days=30)
    drafts.save(session, t, a, "note", "lama", now=long_ago)
    drafts.save(session, t, a, "reply", "baru")
    submissions.first_use(session, "old-key", a, "note", t.id, now=long_ago)
    submissions.first_use(session, "new-key", a, "note", t.id)
    session.commit()
    expire_and_assign(JobContext(sessionmaker, FixedClassifier(), Settings(database_url="sqlite://", secret_key="k")))
    session.expire_all()
    assert session.scalars(sa.select(Draft.body)).all() == ["baru"]
    assert session.scalars(sa.select(FormSubmission.key)).all() == ["new-key"]
