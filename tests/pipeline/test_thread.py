"""Threading: a person's replies join the ticket of the message they answer, a person writing
again about the same category within the window joins their ticket, a reply reopens a resolved
one; another person's reply is that person's own ticket, with what it answers as context;
inside one batch too, where a record finds the ticket of one stored before it."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import T0, ByText, FixedClassifier, record
from triage.models import AuditEvent, Contact, Message, Ticket
from triage.pipeline import PipelineConfig, ingest_record, process_batch

CONFIG = PipelineConfig(thread_window=timedelta(hours=72))



def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_email_reply_threads_by_in_reply_to_even_with_another_label(session):
    first = record(source_id="<a@example.com>", author="x@example.com")
    ingest_record(session, first, FixedClassifier("missing_incentive"), CONFIG)
    reply = record(
        source_id="<b@example.com>",
        author="X <X@example.com>",
        in_reply_to="<a@example.com>",
        sent_at=first.sent_at + timedelta(days=10),
    )
    outcome = ingest_record(session, reply, FixedClassifier("payment_account"), CONFIG)
    assert outcome.kind == "threaded"
    assert count(session, Ticket) == 1
    assert "context" not in session.scalars(sa.select(Message).filter_by(source_id="<b@example.com>")).one().meta


def test_email_threads_by_references_when_in_reply_to_is_unknown(session):
    ingest_record(session, record(source_id="<root@example.com>"), FixedClassifier(), CONFIG)
    reply = record(
        source_id="<r2@example.com>",
        in_reply_to="<not-ours@example.com>",
        references=("<root@example.com>", "<not-ours@example.com>"),
    )
    assert ingest_record(session, reply, FixedClassifier("other"), CONFIG).kind == "threaded"


def test_an_email_reply_from_another_address_is_that_persons_own_ticket(session):
    first = ingest_record(session, record(source_id="<a@x>", author="ani@example.com"), FixedClassifier(), CONFIG)
    reply = record(source_id="<b@x>", author="Budi <budi@example.com>", in_reply_to="<a@x>", references=("<a@x>",))
    outcome = ingest_record(session, reply, FixedClassifier("certificate_pending"), CONFIG)
    assert outcome.kind == "new" and outcome.ticket_id != first.ticket_id
    ticket = session.get(Ticket, outcome.ticket_id)
    assert (ticket.contact.handle, ticket.label, ticket.message_count) == ("budi@example.com", "certificate_pending", 1)
    assert ticket.messages[0].meta["context"] == {"channel": "email", "source_id": "<a@x>"}
    assert session.get(Ticket, first.ticket_id).message_count == 1


def test_a_reply_under_someone_elses_comment_joins_the_repliers_recent_ticket(session):
    own = ingest_record(session, record(channel="instagram", source_id="100", author="rudi99", subject=None), FixedClassifier(), CONFIG)
    ingest_record(session, record(channel="instagram", source_id="200", author="dewi_ayu", subject=None), FixedClassifier(), CONFIG)
    answer = record(channel="instagram", source_id="201", author="@Rudi99", in_reply_to="200", subject=None)
    outcome = ingest_record(session, answer, FixedClassifier(), CONFIG)
    assert (outcome.kind, outcome.ticket_id) == ("threaded", own.ticket_id)
    message = session.scalars(sa.select(Message).filter_by(source_id="201")).one()
    assert message.meta["threaded_by"] == "same contact and category"
    assert message.meta["context"] == {"channel": "instagram", "source_id": "200"}


def test_instagram_replies_of_four_people_make_four_tickets_each_with_its_own_reason(session):
    """The case of issue 15: a comment and "me too" replies under it from three others."""
    parent = record(channel="instagram", source_id="300", author="ani", subject=None, text="insentif blm masuk min", sent_at=T0)
    replies = [
        record(channel="instagram", source_id=str(301 + i), author=who, in_reply_to="300", subject=None, text=text,
               sent_at=T0 + timedelta(minutes=10 * (i + 1)))
        for i, (who, text) in enumerate([("budi", "sama bgt, BNI aman tp blm masuk"), ("citra", "aku jg mimin!"),
                                         ("dodi", "sama min tolong dong"), ("ani", "min tolong dicek ya")])
    ]
    outcomes = process_batch(session, [parent, *replies], FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["new", "new", "new", "new", "threaded"]
    assert outcomes[4].ticket_id == outcomes[0].ticket_id  # ani's own follow-up
    session.commit()
    tickets = {t.contact.handle: t for t in session.scalars(sa.select(Ticket))}
    assert sorted(tickets) == ["ani", "budi", "citra", "dodi"]
    assert tickets["ani"].message_count == 2 and "pesan ke-2 dari orang ini" in tickets["ani"].due_explanation
    for who in ("budi", "citra", "dodi"):
        t = tickets[who]
        assert t.message_count == 1 and "pesan ke-" not in t.due_explanation
        assert t.messages[0].meta["context"] == {"channel": "instagram", "source_id": "300"}
    # "tolong" is ani's and dodi's, so only theirs are moved earlier for urgency.
    assert [who for who, t in sorted(tickets.items()) if "mendesak" in t.due_explanation] == ["ani", "dodi"]


def test_a_persons_reply_to_our_reply_on_their_ticket_threads_into_it(session):
    ani = ingest_record(session, record(source_id="<a@x>", author="ani@example.com", sent_at=T0), FixedClassifier(), CONFIG)
    ours = record(source_id="<o@x>", author="bantuan@prakerja.example", direction="outbound", in_reply_to="<a@x>",
                  sent_at=T0 + timedelta(hours=1))
    assert ingest_record(session, ours, FixedClassifier(), CONFIG).ticket_id == ani.ticket_id
    # days later and about something else: only the ticket's owner being its sender threads it
    again = record(source_id="<b@x>", author="ani@example.com", in_reply_to="<o@x>", sent_at=T0 + timedelta(days=5))
    outcome = ingest_record(session, again, FixedClassifier("payment_account"), CONFIG)
    assert (outcome.kind, outcome.ticket_id) == ("threaded", ani.ticket_id)
    assert "context" not in session.scalars(sa.select(Message).filter_by(source_id="<b@x>")).one().meta


def test_a_reply_finds_its_senders_own_ticket_among_what_it_answers(session):
    """Ani answers Budi's mail, whose thread holds her own: she continues her ticket, and
    Budi's mail, on his ticket, is her message's context."""
    ani = ingest_record(session, record(source_id="<1@x>", author="ani@example.com", sent_at=T0), FixedClassifier(), CONFIG)
    budi = record(source_id="<2@x>", author="budi@example.com", in_reply_to="<1@x>", references=("<1@x>",),
                  sent_at=T0 + timedelta(hours=1))
    again = record(source_id="<3@x>", author="ani@example.com", in_reply_to="<2@x>", references=("<1@x>", "<2@x>"),
                   sent_at=T0 + timedelta(days=5), text="Saldo saya")
    outcomes = process_batch(session, [budi, again], ByText({"Saldo": ("unspent_voucher", 0.9)}), CONFIG)
    assert [o.kind for o in outcomes] == ["new", "threaded"] and outcomes[1].ticket_id == ani.ticket_id
    message = session.scalars(sa.select(Message).filter_by(source_id="<3@x>")).one()
    assert message.meta["threaded_by"] == "reply" and message.meta["context"] == {"channel": "email", "source_id": "<2@x>"}


def test_our_replies_join_the_ticket_of_the_person_they_answer(session):
    ani = record(channel="instagram", source_id="400", author="ani", subject=None, sent_at=T0)
    budi = record(channel="instagram", source_id="401", author="budi", in_reply_to="400", subject=None, sent_at=T0 + timedelta(minutes=1))
    to_budi = record(channel="instagram", source_id="402", author="prakerja.go.id", in_reply_to="400", subject=None,
                     direction="outbound", text="@Budi halo kak, pastikan rekening BNI aktif", sent_at=T0 + timedelta(minutes=2))
    to_ani = record(channel="instagram", source_id="403", author="prakerja.go.id", in_reply_to="400", subject=None,
                    direction="outbound", text="Halo kak Ani, mohon cek DM", sent_at=T0 + timedelta(minutes=3))
    outcomes = process_batch(session, [ani, budi, to_budi, to_ani], FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["new", "new", "outbound", "outbound"]
    assert outcomes[2].ticket_id == outcomes[1].ticket_id and outcomes[3].ticket_id == outcomes[0].ticket_id
    session.commit()
    assert session.get(Ticket, outcomes[1].ticket_id).first_response_at == T0 + timedelta(minutes=2)
    assert session.get(Ticket, outcomes[0].ticket_id).first_response_at == T0 + timedelta(minutes=3)


def test_our_reply_mentioning_someone_who_replied_in_an_earlier_batch_joins_their_ticket(session):
    first = process_batch(session, [
        record(channel="instagram", source_id="500", author="ani", subject=None, sent_at=T0),
        record(channel="instagram", source_id="501", author="budi", in_reply_to="500", subject=None, sent_at=T0 + timedelta(minutes=1)),
    ], FixedClassifier(), CONFIG)
    session.commit()
    ours = [
        record(channel="instagram", source_id=str(502 + i), author="prakerja.go.id", in_reply_to="500", subject=None,
               direction="outbound", text=text, sent_at=T0 + timedelta(minutes=5 + i))
        for i, text in enumerate(["  @budi cek DM ya", "@nobody_here halo", "email ke @budi ya kak"])
    ]
    before_budi = record(channel="instagram", source_id="509", author="prakerja.go.id", in_reply_to="500", subject=None,
                         direction="outbound", text="@budi halo", sent_at=T0 + timedelta(seconds=30))
    outcomes = process_batch(session, [*ours, before_budi], FixedClassifier(), CONFIG)
    # Only a reply that starts with the mention answers that person, and only a reply of theirs
    # written before it; else it answers the comment's author.
    assert [o.ticket_id for o in outcomes] == [first[1].ticket_id] + [first[0].ticket_id] * 3


def test_our_email_reply_to_another_persons_reply_joins_that_persons_ticket(session):
    ingest_record(session, record(source_id="<a@x>", author="ani@example.com", sent_at=T0), FixedClassifier(), CONFIG)
    budi = ingest_record(session, record(source_id="<b@x>", author="budi@example.com", in_reply_to="<a@x>",
                                         sent_at=T0 + timedelta(hours=1)), FixedClassifier(), CONFIG)
    ours = record(source_id="<o@x>", author="bantuan@prakerja.example", direction="outbound", in_reply_to="<b@x>",
                  references=("<a@x>", "<b@x>"), sent_at=T0 + timedelta(hours=2))
    assert ingest_record(session, ours, FixedClassifier(), CONFIG).ticket_id == budi.ticket_id


def test_same_contact_same_category_within_window_threads(session):
    first = record(author="siti@example.com", sent_at=T0)
    ingest_record(session, first, FixedClassifier("missing_incentive"), CONFIG)
    again = record(author="SITI@example.com", sent_at=T0 + timedelta(hours=30))
    outcome = ingest_record(session, again, FixedClassifier("missing_incentive"), CONFIG)
    assert outcome.kind == "threaded"
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket.message_count == 2
    # The second message from the same person moves the deadline earlier, and says so.
    assert ticket.due_at == T0 + timedelta(hours=24 - 6)
    assert "pesan ke-2 dari orang ini −6 jam" in ticket.due_explanation


def test_same_contact_outside_window_or_other_category_opens_new_ticket(session):
    ingest_record(session, record(author="siti@example.com", sent_at=T0), FixedClassifier("missing_incentive"), CONFIG)
    late = record(author="siti@example.com", sent_at=T0 + timedelta(hours=73))
    assert ingest_record(session, late, FixedClassifier("missing_incentive"), CONFIG).kind == "new"
    other = record(author="siti@example.com", sent_at=T0 + timedelta(hours=74))
    assert ingest_record(session, other, FixedClassifier("registration"), CONFIG).kind == "new"
    assert count(session, Ticket) == 3
    assert count(session, Contact) == 1


def test_window_is_configurable(session):
    narrow = PipelineConfig(thread_window=timedelta(hours=1))
    ingest_record(session, record(author="a@example.com", sent_at=T0), FixedClassifier(), narrow)
    later = record(author="a@example.com", sent_at=T0 + timedelta(hours=2))
    assert ingest_record(session, later, FixedClassifier(), narrow).kind == "new"


def test_reply_to_a_resolved_ticket_reopens_it(session):
    first = record(source_id="<orig@example.com>")
    outcome = ingest_record(session, first, FixedClassifier(), CONFIG)
    ticket = session.get(Ticket, outcome.ticket_id)
    ticket.status = "resolved"
    ticket.resolved_at = T0 + timedelta(hours=1)
    session.commit()
    reply = record(source_id="<again@example.com>", in_reply_to="<orig@example.com>", sent_at=T0 + timedelta(days=5))
    assert ingest_record(session, reply, FixedClassifier(), CONFIG).kind == "threaded"
    session.commit()
    session.refresh(ticket)
    assert ticket.status == "open" and ticket.resolved_at is None
    assert session.scalar(sa.select(AuditEvent.action).where(AuditEvent.ticket_id == ticket.id)) == "ticket.reopened"


def test_thank_you_on_a_resolved_ticket_does_not_reopen_it(session):
    outcome = ingest_record(session, record(source_id="<o@example.com>"), FixedClassifier(), CONFIG)
    ticket = session.get(Ticket, outcome.ticket_id)
    ticket.status = "resolved"
    thanks = record(source_id="<t@example.com>", in_reply_to="<o@example.com>", text="Terima kasih, sudah masuk")
    ingest_record(session, thanks, FixedClassifier("noise", 0.95), CONFIG)
    assert ticket.status == "resolved"


def test_reply_in_the_same_batch_as_its_parent_threads(session):
    parent = record(source_id="<p@example.com>", sent_at=T0)
    child = record(source_id="<c@example.com>", in_reply_to="<p@example.com>", sent_at=T0 + timedelta(hours=1))
    outcomes = process_batch(session, [child, parent], FixedClassifier(), CONFIG)
    assert sorted(o.kind for o in outcomes) == ["new", "threaded"]
    assert count(session, Ticket) == 1


def test_same_contact_and_category_threads_inside_one_batch(session):
    first = record(author="siti@example.com", sent_at=T0)
    second = record(author="Siti <SITI@example.com>", sent_at=T0 + timedelta(hours=30))
    other = record(author="siti@example.com", sent_at=T0 + timedelta(hours=31), text="Saldo masih sisa")
    outcomes = process_batch(session, [second, other, first], ByText({"Saldo": ("unspent_voucher", 0.9)}), CONFIG)
    assert [o.kind for o in outcomes] == ["threaded", "new", "new"]
    ticket = session.get(Ticket, outcomes[2].ticket_id)
    assert outcomes[0].ticket_id == ticket.id and ticket.message_count == 2
    assert ticket.due_at == T0 + timedelta(hours=24 - 6)
    assert "pesan ke-2 dari orang ini −6 jam" in ticket.due_explanation


def test_a_reply_to_our_lone_reply_in_the_same_batch_is_the_repliers_own_ticket(session):
    """Our lone reply's ticket is nobody's case: the participant answering it gets their own
    ticket (their contact, their ready reply), with our reply as context."""
    ours = record(source_id="<us@x>", author="bantuan@prakerja.example", direction="outbound", sent_at=T0)
    theirs = record(source_id="<them@x>", in_reply_to="<us@x>", sent_at=T0 + timedelta(hours=1))
    outcomes = process_batch(session, [theirs, ours], FixedClassifier(), CONFIG)
    assert [o.kind for o in outcomes] == ["new", "outbound"]
    lone, ticket = session.get(Ticket, outcomes[1].ticket_id), session.get(Ticket, outcomes[0].ticket_id)
    assert lone.status == "resolved" and ticket.status == "open" and ticket.contact.handle == "budi@example.com"
    assert ticket.messages[0].meta["context"] == {"channel": "email", "source_id": "<us@x>"}


def test_replies_find_the_newest_message_they_name_across_stored_and_batch(session):
    first = ingest_record(session, record(source_id="<1@x>", author="a@example.com", sent_at=T0), FixedClassifier(), CONFIG)
    session.commit()
    other = record(source_id="<2@x>", author="a@example.com", text="Saldo masih sisa", sent_at=T0 + timedelta(hours=1))
    reply = record(source_id="<3@x>", author="a@example.com", references=("<1@x>", "<2@x>"), in_reply_to="<9@x>",
                   sent_at=T0 + timedelta(hours=2))
    outcomes = process_batch(session, [reply, other], ByText({"Saldo": ("unspent_voucher", 0.9)}), CONFIG)
    assert outcomes[0].kind == "threaded" and outcomes[0].ticket_id == outcomes[1].ticket_id != first.ticket_id


def test_a_reply_to_a_merged_ticket_joins_the_ticket_it_was_merged_into(session):
    a = ingest_record(session, record(source_id="<a@x>", author="a@example.com"), FixedClassifier(), CONFIG)
    b = ingest_record(session, record(source_id="<b@x>", author="b@example.com"), FixedClassifier(), CONFIG)
    session.get(Ticket, a.ticket_id).merged_into_id = b.ticket_id
    session.commit()
    outcomes = process_batch(session, [record(author="a@example.com", in_reply_to="<a@x>"), record(author="a@example.com")],
                             FixedClassifier(), CONFIG)
    # a's reply to a's own message goes to the surviving ticket (an agent made it a's case too);
    # the sender's merged ticket is no window candidate.
    assert [(o.kind, o.ticket_id) for o in outcomes] == [("threaded", b.ticket_id), ("new", outcomes[1].ticket_id)]
    assert outcomes[1].ticket_id not in (a.ticket_id, b.ticket_id)


def test_each_outcome_says_whether_its_ticket_was_noise_at_the_time(session):
    thanks = record(source_id="<t@x>", text="Mantap", sent_at=T0)
    ask = record(source_id="<a@x>", in_reply_to="<t@x>", sent_at=T0 + timedelta(hours=1))
    outcomes = process_batch(session, [thanks, ask], ByText({"Mantap": ("noise", 0.95)}), CONFIG)
    assert [(o.kind, o.noise) for o in outcomes] == [("new", True), ("threaded", False)]
    ticket = session.get(Ticket, outcomes[0].ticket_id)
    assert (ticket.status, ticket.label) == ("open", "missing_incentive")
