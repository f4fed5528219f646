"""Grouping as tickets arrive: same category and specifics within the window, or near-identical
wording by the classifier's own vectors; never back into a group a person took the ticket out of."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from builders import T0, FixedClassifier, record, user
from triage import groups, tickets
from triage.classifier import load_classifier
from triage.models import Ticket, TicketGroup
from triage.pipeline import PipelineConfig, process_batch
from triage.pipeline import grouping

CONFIG = PipelineConfig()
MODEL = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="module")
def model():
    return load_classifier(MODEL)


def complaint(text: str, who: str, minutes: float, **kw):
    return record(text=text, author=f"{who}@example.com", subject=None, sent_at=T0 + timedelta(minutes=minutes), **kw)


def ingest(session, records, classifier=None, config=CONFIG):
    outcomes = process_batch(session, records, classifier or FixedClassifier("missing_incentive"), config, now=max(r.sent_at for r in records))
    session.commit()
    return [session.get(Ticket, o.ticket_id) for o in outcomes]


def group_of(session, ticket):
    session.refresh(ticket, ["group_id"])
    return session.get(TicketGroup, ticket.group_id, populate_existing=True) if ticket.group_id else None


def test_same_specifics_join_one_group_and_other_specifics_do_not(session):
    made = ingest(session, [
        complaint("Insentif bulan ke-3 gelombang 48 belum masuk ke LinkAja", "a", 0),
        complaint("gel 48, insentif ketiga blm cair di linkaja", "b", 1),
        complaint("LinkAja gel 48 saya belum terima insentif", "c", 2),  # fewer specifics: joins the bigger group
        complaint("insentif ke-3 gelombang 47 LinkAja belum masuk", "d", 3),  # another wave: a near miss
        complaint("insentif ke-3 gelombang 48 belum masuk ke OVO", "e", 4),  # another payout channel
        complaint("insentif yang ke LinkAja belum masuk", "g", 5),  # one specific: only a group of exactly that
    ])
    first = group_of(session, made[0])
    assert [t.group_id for t in made[:3]] == [first.id] * 3
    assert len({t.group_id for t in made}) == 4 and first.id not in {t.group_id for t in made[3:]}
    assert group_of(session, made[5]).key == "payout=linkaja"
    assert first.size == 3 and first.key == "wave=48|month=3|payout=linkaja"
    assert first.first_ticket_at == T0 and first.last_ticket_at == T0 + timedelta(minutes=2)
    assert groups.group_name(first) == "Insentif belum masuk · gelombang 48 · bulan ke-3 · LinkAja"
    # a later batch joins the same group, and the size follows
    later = ingest(session, [complaint("insentif bulan ketiga gel 48 LinkAja kapan cair?", "f", 60)])
    assert later[0].group_id == first.id and group_of(session, later[0]).size == 4


def test_a_group_takes_members_only_within_the_window(session):
    config = PipelineConfig(group_window=timedelta(hours=10))
    first = ingest(session, [complaint("insentif gelombang 48 belum masuk", "a", 0)], config=config)[0]
    inside = ingest(session, [complaint("gel 48 insentif blm masuk", "b", 9 * 60)], config=config)[0]
    # ten hours after the last member joined: a new group, not the old one
    outside = ingest(session, [complaint("gelombang 48 belum cair", "c", 19 * 60 + 1)], config=config)[0]
    assert inside.group_id == first.group_id
    assert outside.group_id is not None and outside.group_id != first.group_id


def test_one_shared_specific_does_not_outweigh_a_conflicting_one(session):
    """"gelombang 48 · OVO" shares the wave with "gelombang 48 · LinkAja" but not the payout."""
    first = ingest(session, [complaint("insentif gelombang 48 belum masuk ke LinkAja", "a", 0)])[0]
    ingest(session, [complaint("insentif gelombang 50 ke OVO belum masuk", "b", 1)])
    other = ingest(session, [complaint("insentif gelombang 48 ke OVO belum masuk", "c", 2)])[0]
    assert other.group_id != first.group_id and group_of(session, other).key == "wave=48|payout=ovo"


def test_the_window_holds_within_one_batch_too(session):
    """An import of old mail: one batch spanning more than the window."""
    config = PipelineConfig(group_window=timedelta(hours=10))
    a, b, c = ingest(session, [
        complaint("insentif gelombang 48 belum masuk", "a", 0),
        complaint("gel 48 insentif blm masuk", "b", 9 * 60),
        complaint("gelombang 48 belum cair", "c", 19 * 60 + 1),
    ], config=config)
    assert a.group_id == b.group_id and c.group_id not in (None, a.group_id)


def test_a_category_groups_only_by_its_own_specifics(session):
    certificate = FixedClassifier("certificate_pending")
    a, b = ingest(session, [
        complaint("sertifikat belum terbit di Pijar Mahir, insentif gelombang 48", "a", 0),
        complaint("Pijar Mahir belum kirim sertifikat, gelombang 48, saldo OVO", "b", 1),  # OVO is no certificate specific
    ], certificate)
    assert a.group_id == b.group_id
    assert group_of(session, a).key == "wave=48|platform=pijar mahir"
    other_category = ingest(session, [complaint("Pijar Mahir gelombang 48 insentif belum masuk", "c", 2)])[0]
    assert other_category.group_id != a.group_id  # same specifics, other category


def test_not_this_problem_is_remembered_when_the_person_writes_again(session):
    a, b = ingest(session, [
        complaint("insentif gelombang 48 belum masuk", "a", 0),
        complaint("gelombang 48 insentif belum cair", "b", 1),
    ])
    group = group_of(session, a)
    groups.exclude_ticket(session, b, None)
    session.commit()
    again = ingest(session, [complaint("min gelombang 48 insentif saya gimana?", "b", 30)])[0]
    assert again.id == b.id and again.group_id is not None and again.group_id != group.id
    assert group_of(session, a).size == 1
    # a removal (not "not this problem") lets the next message bring it back
    c = ingest(session, [complaint("insentif gel 48 belum masuk juga", "c", 31)])[0]
    assert c.group_id == group.id
    groups.remove_from_group(session, c, None)
    session.commit()
    assert ingest(session, [complaint("gel 48 masih belum masuk min", "c", 40)])[0].group_id == group.id


def test_noise_resolved_and_our_own_replies_join_no_group(session):
    noise = ingest(session, [complaint("mantap prakerja gelombang 48", "a", 0)], FixedClassifier("noise"))[0]
    assert noise.status == "noise" and noise.group_id is None
    t = ingest(session, [complaint("insentif gelombang 48 belum masuk", "b", 1, source_id="<q@x>")])[0]
    tickets.resolve(session, t, user(session))
    session.commit()
    reply = complaint("gelombang 48 sudah kami proses", "bantuan", 2, direction="outbound", in_reply_to="<q@x>", meta={"not_complaint": "own"})
    ingest(session, [reply])
    assert session.scalar(sa.select(sa.func.count()).select_from(TicketGroup)) == 1
    assert group_of(session, t).size == 0


def test_grouping_can_be_switched_off(session):
    made = ingest(session, [complaint("insentif gelombang 48 belum masuk", "a", 0)], config=PipelineConfig(grouping=False))
    assert made[0].group_id is None and session.scalar(sa.select(sa.func.count()).select_from(TicketGroup)) == 0


def test_a_failing_grouping_keeps_the_batch_tickets(session, monkeypatch, caplog):
    def broken(self, arrivals):
        raise ValueError("bug")

    monkeypatch.setattr(grouping._Grouping, "run", broken)
    made = ingest(session, [complaint("insentif gelombang 48 belum masuk", "a", 0)])
    assert made[0] is not None and made[0].group_id is None
    assert "grouping skipped" in caplog.text


def test_near_identical_wording_groups_by_the_classifiers_vectors(session, model):
    made = ingest(session, [
        complaint("Aplikasi prakerja error terus tidak bisa login sejak pagi tadi, mohon segera diperbaiki", "a", 0),
        complaint("aplikasi prakerja error terus dari pagi, tidak bisa login. Mohon diperbaiki segera", "b", 1),
        complaint("Mohon segera diperbaiki, aplikasi prakerja error terus tidak bisa login dari tadi pagi", "c", 2),
        complaint("Ada orang mengaku petugas prakerja minta kode rahasia lewat telepon, apakah ini penipuan resmi?", "d", 3),
        complaint("error login", "e", 4),  # too short to tell
        # a cosine of 0.4 with the first: the same app, another problem
        complaint("Mohon segera diperbaiki, fitur unggah foto KTP di aplikasi prakerja tidak berfungsi sejak kemarin", "g", 5),
    ], model)
    assert [t.label for t in made[:4]] == ["other"] * 4 and made[5].label == "other"  # only the wording tells them apart
    group = group_of(session, made[0])
    assert made[1].group_id == made[2].group_id == group.id and group.size == 3
    assert group.key.startswith("text:") and set(group.centroid["terms"]) and group.centroid["n"] == 3
    assert made[3].group_id != group.id and made[4].group_id is None and made[5].group_id != group.id
    # the centroid is what a later batch compares with
    later = ingest(session, [complaint("tidak bisa login aplikasi prakerja, error terus sejak pagi. mohon diperbaiki", "f", 90)], model)[0]
    assert later.group_id == group.id
