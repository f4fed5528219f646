"""A seen id with other content: a correction in the sender's ticket, or another sender's own message."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from builders import T0, FixedClassifier, record
from triage.models import Contact, Message, Ticket
from triage.pipeline import PipelineConfig, process_batch
from triage.tickets import merge

CONFIG = PipelineConfig(thread_window=timedelta(hours=72))
ORIGINAL = "Insentif saya belum masuk padahal sertifikat sudah terbit."
CORRECTED = "Maaf, ralat: insentif bulan ketiga yang belum masuk, bulan pertama dan kedua sudah."


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def store(session, *records, classifier=None):
    outcomes = process_batch(session, list(records), classifier or FixedClassifier(), CONFIG)
    session.commit()
    return outcomes


def messages(session, *where):
    return session.scalars(sa.select(Message).where(*where).order_by(Message.id)).all()


def test_same_sender_new_text_is_a_correction_in_the_original_ticket(session):
    [first] = store(session, record(source_id="<m1@example.com>", text=ORIGINAL))
    [again] = store(session, record(source_id="<m1@example.com>", text=CORRECTED, author="Budi <BUDI@example.com>"))
    assert (again.kind, again.ticket_id, again.revision) == ("threaded", first.ticket_id, "correction")
    original, correction = messages(session)
    assert original.text == ORIGINAL and correction.text == CORRECTED
    assert correction.ticket_id == first.ticket_id
    assert correction.source_id.startswith("<m1@example.com>#rev-") and len(correction.source_id) == len("<m1@example.com>#rev-") + 12
    assert correction.meta["revision"] == "correction" and correction.meta["revision_of"] == "<m1@example.com>"
    assert correction.meta["threaded_by"] == "correction"
    assert session.get(Ticket, first.ticket_id).message_count == 2


def test_an_edited_instagram_comment_is_marked_edit(session):
    store(session, record(channel="instagram", author="sinta_99", subject=None, source_id="1790", text="saldo sisa 300rb"))
    [edit] = store(session, record(channel="instagram", author="@Sinta_99", subject=None, source_id="1790", text="saldo sisa 350rb min"))
    assert edit.revision == "edit"
    assert messages(session)[1].meta["revision"] == "edit"


def test_identical_refetch_and_a_refetched_correction_are_duplicates(session):
    store(session, record(source_id="<m2@example.com>", text=ORIGINAL))
    store(session, record(source_id="<m2@example.com>", text=CORRECTED))
    again = store(
        session,
        record(source_id="<m2@example.com>", text=ORIGINAL),
        record(source_id="<m2@example.com>", text=CORRECTED),
        record(source_id="<m2@example.com>", text=CORRECTED + "\r\n"),  # the same correction over IMAP
    )
    assert [o.kind for o in again] == ["duplicate", "duplicate", "duplicate"]
    assert count(session, Message) == 2


@pytest.mark.parametrize(
    "refetched",
    [
        ORIGINAL.replace(" ", "  ") + "\r\n\r\n",  # line endings and spacing of another carrier
        ORIGINAL + "\x00",  # a NUL the store drops
        ORIGINAL.replace("sudah", "sudah\u200b"),  # an invisible character
        "\ufeff" + ORIGINAL + " \u20ac\u20ac\u20ac",  # a decoder's stand-ins for bytes it could not read
    ],
)
def test_a_parser_that_reads_the_same_mail_a_little_differently_is_not_a_correction(session, refetched):
    store(session, record(source_id="<m3@example.com>", text=ORIGINAL))
    [outcome] = store(session, record(source_id="<m3@example.com>", text=refetched))
    assert outcome.kind == "duplicate"


def test_mojibake_of_a_stored_mail_is_not_a_correction(session):
    text = "Saya sudah kirim ulasan “bintang 5” tapi sertifikat belum terbit – mohon dicek"
    store(session, record(source_id="<m4@example.com>", text=text))
    garbled = text.encode("utf-8").decode("latin-1")
    [outcome] = store(session, record(source_id="<m4@example.com>", text=garbled))
    assert outcome.kind == "duplicate"


def test_another_sender_reusing_an_id_gets_a_ticket_of_their_own(session):
    [first] = store(session, record(source_id="<m5@example.com>", author="budi@example.com", text=ORIGINAL))
    [other] = store(
        session,
        record(source_id="<m5@example.com>", author="Penipu <mallory@example.net>", text="Tolong ganti rekening saya",
               in_reply_to="<m5@example.com>"),
    )
    assert other.kind == "new" and other.ticket_id != first.ticket_id and other.revision is None
    stored = messages(session, Message.author == "mallory@example.net")[0]
    assert stored.source_id != "<m5@example.com>" and stored.source_id.startswith("<m5@example.com>#")
    assert stored.meta["id_reused_from"] == "<m5@example.com>"
    assert "revision" not in stored.meta
    mallory = session.get(Ticket, other.ticket_id)
    assert mallory.contact.handle == "mallory@example.net"
    assert [m.author for m in session.get(Ticket, first.ticket_id).messages] == ["budi@example.com"]
    # The same message again is a duplicate; the original sender's refetch too.
    again = store(
        session,
        record(source_id="<m5@example.com>", author="mallory@example.net", text="Tolong ganti rekening saya"),
        record(source_id="<m5@example.com>", author="budi@example.com", text=ORIGINAL),
    )
    assert [o.kind for o in again] == ["duplicate", "duplicate"]
    assert count(session, Message) == 2


def test_another_sender_threads_into_their_own_ticket_by_contact_and_category(session):
    [own] = store(session, record(source_id="<own@example.net>", author="sari@example.net", text="insentif belum masuk"))
    store(session, record(source_id="<m6@example.com>", author="budi@example.com", text=ORIGINAL))
    [reused] = store(session, record(source_id="<m6@example.com>", author="sari@example.net", text="masih belum masuk juga"))
    assert (reused.kind, reused.ticket_id) == ("threaded", own.ticket_id)


def test_the_same_content_from_another_sender_is_not_a_new_message(session):
    # A renamed Instagram account: the same comment id and text under a new username.
    store(session, record(channel="instagram", author="old_name", subject=None, source_id="1791", text="saldo sisa"))
    [outcome] = store(session, record(channel="instagram", author="new_name", subject=None, source_id="1791", text="saldo sisa"))
    assert outcome.kind == "duplicate"


def test_a_correction_follows_the_original_into_the_ticket_it_was_merged_into(session):
    [a] = store(session, record(source_id="<m7@example.com>", author="budi@example.com", text=ORIGINAL))
    [b] = store(session, record(source_id="<m8@example.com>", author="budi@example.com", text="sertifikat",
                                sent_at=T0 + timedelta(days=5)), classifier=FixedClassifier("certificate_pending"))
    merge(session, session.get(Ticket, a.ticket_id), session.get(Ticket, b.ticket_id), None)
    session.commit()
    [fix] = store(session, record(source_id="<m7@example.com>", author="budi@example.com", text=CORRECTED))
    assert (fix.revision, fix.ticket_id) == ("correction", b.ticket_id)


def test_original_and_correction_in_one_batch(session):
    outcomes = store(
        session,
        record(source_id="<m9@example.com>", text=CORRECTED, sent_at=T0),  # its Date says earlier
        record(source_id="<m9@example.com>", text=ORIGINAL, sent_at=T0 + timedelta(minutes=1)),
        record(source_id="<m9@example.com>", text=ORIGINAL, sent_at=T0 + timedelta(minutes=1)),
        record(source_id="<m9@example.com>", author="eve@example.org", text="akun saya diblokir"),
    )
    assert [o.kind for o in outcomes] == ["new", "threaded", "duplicate", "new"]
    assert outcomes[1].revision == "correction" and outcomes[1].ticket_id == outcomes[0].ticket_id
    assert outcomes[3].ticket_id != outcomes[0].ticket_id
    assert count(session, Message) == 3 and count(session, Contact) == 2


def test_several_corrections_each_stored_once(session):
    texts = [ORIGINAL, CORRECTED, CORRECTED + " Terima kasih.", ORIGINAL]
    kinds = [store(session, record(source_id="<m10@example.com>", text=t))[0].kind for t in texts]
    assert kinds == ["new", "threaded", "threaded", "duplicate"]
    assert len({m.source_id for m in messages(session)}) == 3


def test_our_own_reply_seen_again_with_other_text_stays_a_duplicate(session):
    [first] = store(session, record(source_id="<p1@example.com>", author="budi@example.com"))
    reply = dict(source_id="<out-1@prakerja.example>", author="bantuan@prakerja.example", direction="outbound",
                 in_reply_to="<p1@example.com>")
    store(session, record(text="Halo Budi, mohon cek rekening.", **reply))
    [again] = store(session, record(text="Halo Budi, mohon cek rekening.\n\n> kutipan dari server", **reply))
    assert again.kind == "duplicate"
    assert count(session, Message) == 2


def test_a_participant_reusing_the_id_of_our_reply_gets_a_ticket_of_their_own(session):
    [first] = store(session, record(source_id="<p2@example.com>", author="budi@example.com"))
    store(session, record(source_id="<out-2@prakerja.example>", author="bantuan@prakerja.example", direction="outbound",
                          in_reply_to="<p2@example.com>", text="Halo Budi, mohon cek rekening."))
    [reused] = store(session, record(source_id="<out-2@prakerja.example>", author="mallory@example.net",
                                     text="Ganti rekening saya ke nomor ini"))
    assert reused.kind == "new" and reused.ticket_id != first.ticket_id
    assert messages(session, Message.author == "mallory@example.net")[0].meta["id_reused_from"] == "<out-2@prakerja.example>"


def test_a_message_stored_before_content_hashes_is_compared_by_its_text(session):
    store(session, record(source_id="<old@example.com>", text=ORIGINAL))
    message = messages(session)[0]
    message.meta = {k: v for k, v in message.meta.items() if k != "content_hash"}
    session.commit()
    assert "content_hash" not in messages(session)[0].meta
    assert store(session, record(source_id="<old@example.com>", text=ORIGINAL + "\r\n"))[0].kind == "duplicate"
    assert store(session, record(source_id="<old@example.com>", text=CORRECTED))[0].revision == "correction"


def test_a_long_id_still_gets_a_derived_id_that_fits(session):
    long_id = "<" + "x" * 600 + "@example.com>"
    store(session, record(source_id=long_id, text=ORIGINAL))
    [fix] = store(session, record(source_id=long_id, text=CORRECTED))
    assert fix.revision == "correction"
    assert all(len(m.source_id) <= 512 for m in messages(session))
    assert store(session, record(source_id=long_id, text=CORRECTED))[0].kind == "duplicate"


def test_the_replay_lookup_is_one_query_per_chunk(session, engine):
    store(session, *[record(source_id=f"<q{i}@example.com>", author=f"p{i}@example.com") for i in range(30)])
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        again = [record(source_id=f"<q{i}@example.com>", author=f"p{i}@example.com", text=f"ralat {i}") for i in range(30)]
        ingest = store(session, *again)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert {o.revision for o in ingest} == {"correction"}
    lookups = [s for s in statements if "FROM messages" in s and "source_id IN" in s]
    # the ids, the derived ids of the ones whose content differs, and the originals' tickets
    assert len(lookups) <= 3, lookups
