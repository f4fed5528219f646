"""The first queue page: open tickets in due-time order, sender text as text."""
from __future__ import annotations

import re
from datetime import timedelta

from builders import T0, FixedClassifier, record
from triage.pipeline import PipelineConfig, process_batch


def _fill(sessionmaker, items):
    with sessionmaker() as session:
        for label, rec in items:
            process_batch(session, [rec], FixedClassifier(label), PipelineConfig())
        session.commit()


def test_queue_lists_open_tickets_by_due_time(client, sessionmaker):
    _fill(
        sessionmaker,
        [
            ("registration", record(author="a@example.com", text="cara daftar?", sent_at=T0)),  # due T0+72h
            ("missing_incentive", record(author="b@example.com", text="insentif belum", sent_at=T0 + timedelta(hours=10))),  # +34h
            ("unspent_voucher", record(author="c@example.com", text="saldo sisa", sent_at=T0 + timedelta(hours=1))),  # +49h
            ("noise", record(author="d@example.com", text="mantap", sent_at=T0)),
        ],
    )
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    order = re.findall(r'<td class="contact">([^<]+)</td>', html)
    assert order == ["b@example.com", "c@example.com", "a@example.com"]
    assert "Insentif belum masuk: SLA 24 jam" in html
    assert "mantap" not in html  # noise stays out of the queue


def test_queue_filters_by_category(client, sessionmaker):
    _fill(
        sessionmaker,
        [
            ("registration", record(author="a@example.com", text="cara daftar?")),
            ("missing_incentive", record(author="b@example.com", text="insentif belum")),
        ],
    )
    html = client.get("/?label=registration").get_data(as_text=True)
    assert "cara daftar?" in html and "insentif belum" not in html


def test_sender_text_is_escaped(client, sessionmaker):
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    _fill(sessionmaker, [("other", record(author=f'"{payload}" <x@example.com>', text=payload, subject=payload))])
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
