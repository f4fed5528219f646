"""Contacts: one person per channel and handle, whatever the case or the name around the address."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from builders import FixedClassifier, record
from triage.models import Contact
from triage.pipeline import PipelineConfig, ingest_record
from triage.pipeline.contacts import contact_handle

CONFIG = PipelineConfig()


@pytest.mark.parametrize(
    ("channel", "author", "handle"),
    [
        ("email", "Budi Santoso <Budi@Example.COM>", ("budi@example.com", "Budi Santoso")),
        ("email", "  budi@example.com ", ("budi@example.com", None)),
        ("instagram", " @Dewi_Ayu", ("dewi_ayu", None)),
    ],
)
def test_a_handle_is_the_address_or_username_in_lower_case(channel, author, handle):
    assert contact_handle(channel, author) == handle


def test_a_contact_stored_without_a_name_takes_the_first_name_it_is_given(session):
    ingest_record(session, record(author="budi@example.com"), FixedClassifier(), CONFIG)
    session.commit()
    named = record(author="Budi Santoso <BUDI@example.com>", text="Saldo masih sisa")
    ingest_record(session, named, FixedClassifier("unspent_voucher"), CONFIG)
    renamed = record(author="Pak Budi <budi@example.com>", text="Sertifikat belum terbit")
    ingest_record(session, renamed, FixedClassifier("certificate_pending"), CONFIG)
    session.commit()
    contacts = session.scalars(sa.select(Contact)).all()
    assert [(c.handle, c.display_name) for c in contacts] == [("budi@example.com", "Budi Santoso")]
