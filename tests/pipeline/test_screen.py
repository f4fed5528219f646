"""Screening: records enter the store whatever characters they carry; what cannot enter
(a rejected input, a record without text, author or time) is quarantined, once per input."""
from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from builders import T0, FixedClassifier, record
from triage.models import Contact, IngestRun, Message, QuarantinedInput, Ticket
from triage.pipeline import PipelineConfig, ingest_record, process_batch
from triage.records import Rejected

CONFIG = PipelineConfig()
HALF = "\ud83d"  # the first half of an emoji's UTF-16 pair, alone (as a JSON escape "\ud83d" reads)
LOW = "\udce9"  # a lone low surrogate: what Python's surrogateescape makes of a stray byte 0xE9


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_bad_records_are_quarantined_and_the_rest_go_on(session):
    items = [
        record(text="   "),
        record(channel="whatsapp"),
        record(author=""),
        record(sent_at=None),
        record(text="Saldo pelatihan saya masih sisa, bisa dicairkan?"),
    ]
    outcomes = process_batch(session, items, FixedClassifier("unspent_voucher"), CONFIG, source="t")
    assert [o.kind for o in outcomes] == ["quarantined"] * 4 + ["new"]
    reasons = session.scalars(sa.select(QuarantinedInput.reason).order_by(QuarantinedInput.id)).all()
    assert reasons[0] == "empty text"
    assert reasons[1].startswith("unknown channel 'whatsapp'")
    assert reasons[2] == "missing author"
    assert reasons[3] == "missing or invalid time"


def test_future_timestamp_is_clamped_and_noted(session):
    now = T0 + timedelta(days=1)
    future = record(sent_at=now + timedelta(days=30))
    outcome = process_batch(session, [future], FixedClassifier(), CONFIG, now=now)[0]
    message = session.get(Ticket, outcome.ticket_id).messages[0]
    assert message.sent_at == now
    assert message.meta["claimed_sent_at"].startswith("2026-12-21")


def test_nul_bytes_are_removed_and_noted(session):
    outcome = ingest_record(session, record(text="insentif\x00 belum", subject="a\x00b"), FixedClassifier(), CONFIG)
    session.commit()
    message = session.get(Ticket, outcome.ticket_id).messages[0]
    assert message.text == "insentif belum" and message.subject == "ab"
    assert message.meta["unstorable_characters"] == {"nul_removed": ["subject", "text"]}


def test_every_field_of_a_record_is_made_storable_and_the_change_noted(session):
    hostile = record(
        source_id=f"<id{HALF}\x00@x>",
        author=f"Bu{LOW}di\x00 <budi{HALF}@example.com>",
        author_name=f"Budi {HALF}\x00Santoso",
        subject=f"Insentif {HALF}belum\x00 masuk",
        text=f"Insentif saya belum masuk {HALF} \x00 padahal sudah {LOW} lama \ud83d\ude00",
        in_reply_to=f"<unknown{LOW}@x>",
        references=(f"<ref{HALF}@x>", "<plain@x>"),
        raw_ref=f"/tmp/in{LOW}box.mbox#\x003",
        meta={"tag": f"a{HALF}b", "nested": {f"k{LOW}": [f"v\x00{HALF}", 3, None, {"deep": "\x00"}]}},
        sent_at=T0,
    )
    outcome = process_batch(session, [hostile], FixedClassifier(), CONFIG, source="t")[0]
    session.commit()  # the commit is what failed: PostgreSQL and SQLite refuse these characters
    assert outcome.kind == "new"
    message = session.scalars(sa.select(Message)).one()
    assert message.text == "Insentif saya belum masuk \ufffd  padahal sudah \ufffd lama 😀"
    assert message.subject == "Insentif \ufffdbelum masuk"
    assert message.author == "budi\ufffd@example.com" and message.author_name == "Budi \ufffdSantoso"
    assert message.source_id.startswith("<id\ufffd@x>") and "\x00" not in message.source_id
    assert message.in_reply_to.startswith("<unknown\ufffd@x>")
    assert message.thread_refs[0].startswith("<ref\ufffd@x>") and message.thread_refs[1] == "<plain@x>"
    assert message.raw_ref == "/tmp/in\ufffdbox.mbox#3"
    assert message.meta["tag"] == "a\ufffdb"
    assert message.meta["nested"] == {"k\ufffd": ["v\ufffd", 3, None, {"deep": ""}]}
    noted = message.meta["unstorable_characters"]
    assert noted["nul_removed"] == ["author", "author_name", "meta", "raw_ref", "source_id", "subject", "text"]
    assert noted["surrogates_replaced"] == [
        "author", "author_name", "in_reply_to", "meta", "raw_ref", "references", "source_id", "subject", "text"
    ]
    contact = session.scalars(sa.select(Contact)).one()
    assert contact.handle == "budi\ufffd@example.com"
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket.subject == "Insentif \ufffdbelum masuk" and "\x00" not in ticket.preview


def test_ids_that_differ_only_in_unstorable_characters_stay_apart_and_replies_still_find_them(session):
    first = record(source_id=f"<a{HALF}@x>", author="a@example.com", sent_at=T0)
    second = record(source_id=f"<a{LOW}@x>", author="b@example.com", sent_at=T0 + timedelta(minutes=1))
    third = record(source_id="<a\x00@x>", author="c@example.com", sent_at=T0 + timedelta(minutes=2))
    # b's own reply, days later: only the id it names can find b's ticket (not the window)
    reply = record(in_reply_to=f"<a{LOW}@x>", author="b@example.com", sent_at=T0 + timedelta(days=4))
    outcomes = process_batch(session, [first, second, third, reply], FixedClassifier(), CONFIG)
    session.commit()
    assert [o.kind for o in outcomes] == ["new", "new", "new", "threaded"]
    assert outcomes[3].ticket_id == outcomes[1].ticket_id
    assert count(session, Message) == 4
    # A replay of the same hostile ids is a duplicate, not a fourth message.
    again = [record(source_id=s, author="a@example.com") for s in (f"<a{HALF}@x>", f"<a{LOW}@x>", "<a\x00@x>")]
    assert [o.kind for o in process_batch(session, again, FixedClassifier(), CONFIG)] == ["duplicate"] * 3


def test_a_record_that_fails_validation_is_quarantined_storably_with_the_whole_record(session):
    empty = record(source_id=f"<e{HALF}@x>", author=f"x{LOW}@example.com", text=" \x00 ", subject=f"s{HALF}")
    outcome = process_batch(session, [empty, record()], FixedClassifier(), CONFIG, source="t")
    session.commit()
    assert [o.kind for o in outcome] == ["quarantined", "new"]
    row = session.scalars(sa.select(QuarantinedInput)).one()
    assert row.reason == "empty text"
    payload = json.loads(row.payload)
    assert payload["author"] == "x\ufffd@example.com" and payload["subject"] == "s\ufffd"


def test_rejected_items_with_unstorable_reference_reason_and_payload_are_quarantined(session):
    items = [
        Rejected(f"/tmp/x{LOW}.json\x00#1", f"invalid comment id 'a{HALF}'", f'{{"text": "\x00{HALF}"}}'),
        Rejected("/tmp/y.jsonl:2", "invalid JSON", "x" * 30_000 + HALF),
        record(),
    ]
    outcomes = process_batch(session, items, FixedClassifier(), CONFIG, source="t")
    session.commit()
    assert [o.kind for o in outcomes] == ["quarantined", "quarantined", "new"]
    rows = session.scalars(sa.select(QuarantinedInput).order_by(QuarantinedInput.id)).all()
    assert rows[0].source_ref == "/tmp/x\ufffd.json#1" and rows[0].reason == "invalid comment id 'a\ufffd'"
    assert rows[0].payload == '{"text": "\ufffd"}'
    assert len(rows[1].payload) == 20_000
    assert count(session, Message) == 1


def test_the_same_bad_input_seen_again_is_one_row_with_a_count_and_the_last_sighting(session):
    runs = [IngestRun(source="t", status="ok"), IngestRun(source="t", status="ok")]
    session.add_all(runs)
    session.commit()
    bad = lambda: [Rejected("/tmp/a.jsonl:1", "invalid JSON", "{"), record(text="  ", source_id="<empty@x>", sent_at=T0)]
    first = process_batch(session, bad() + [Rejected("/tmp/a.jsonl:1", "invalid JSON", "{")], FixedClassifier(),
                          CONFIG, source="t", run_id=runs[0].id)
    session.commit()
    second = process_batch(session, bad(), FixedClassifier(), CONFIG, source="t", run_id=runs[1].id)
    session.commit()
    assert [o.kind for o in first + second] == ["quarantined"] * 5
    rows = session.scalars(sa.select(QuarantinedInput).order_by(QuarantinedInput.id)).all()
    assert [(r.source_ref, r.seen_count) for r in rows] == [("/tmp/a.jsonl:1", 3), ("email:<empty@x>", 2)]
    assert all(r.run_id == runs[1].id and r.last_seen_at >= r.created_at for r in rows)
    # Another payload under the same reference is another input; another source too.
    process_batch(session, [Rejected("/tmp/a.jsonl:1", "invalid JSON", "{{")], FixedClassifier(), CONFIG, source="t")
    process_batch(session, [Rejected("/tmp/a.jsonl:1", "invalid JSON", "{")], FixedClassifier(), CONFIG, source="u")
    session.commit()
    assert count(session, QuarantinedInput) == 4


def test_every_field_of_a_record_is_checked():
    """A field added to InboundRecord later must be named in the storable check, or this fails."""
    import dataclasses

    from triage import storable
    from triage.records import InboundRecord

    named = {*storable.TEXT_FIELDS, *storable.OPTIONAL_TEXT_FIELDS, *storable.CONTAINER_FIELDS, *storable.BINARY_FIELDS}
    assert {f.name for f in dataclasses.fields(InboundRecord)} - named == {"sent_at"}
