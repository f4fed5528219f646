"""The queue's view model: each row's display fields, masked unless revealed, always escaped."""
from __future__ import annotations

from datetime import timedelta, timezone

from flask import render_template
from markupsafe import Markup

from triage.models import utcnow
from triage.queue import QueueItem
from triage.web import display

NOW = utcnow()
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def item(**overrides) -> QueueItem:
    values = dict(
        id=7, due_at=NOW + timedelta(hours=2), due_explanation="Insentif belum masuk: SLA 24 jam", label="missing_incentive",
        confidence=0.876, needs_review=False, channel="email", subject=None, preview="HP saya 0812-3456-7890 belum dapat",
        created_at=NOW - timedelta(hours=3), status="open", contact_name=None, contact_handle="budi.santoso@example.com",
        assignee_name=None,
    )
    values.update(overrides)
    return QueueItem(**values)


def context(lang: str = "id") -> display.PageContext:
    return display.PageContext(lang, NOW, timezone(timedelta(hours=7)), {"open": "terbuka", "resolved": "selesai"}, "/tickets/", timedelta(minutes=60))


def test_row_masks_numbers_and_handles_unless_revealed():
    masked = display.queue_row(item(), context(), reveal=False)
    assert masked.contact == "bu***@example.com" and "0812" in masked.preview and "3456" not in masked.preview
    shown = display.queue_row(item(), context(), reveal=True)
    assert shown.contact == "budi.santoso@example.com" and "0812-3456-7890" in shown.preview
    named = display.queue_row(item(contact_name="Budi"), context(), reveal=False)
    assert named.contact == "Budi"


def test_row_fields_in_the_agents_words():
    row = display.queue_row(item(), context(), reveal=False)
    assert (row.url, row.due_state, row.due_text, row.age_text, row.label_title) == ("/tickets/7", "fine", "2 jam lagi", "3 jam", "Insentif belum masuk · 88%")
    assert (row.label_name, row.assignee) == ("Insentif belum masuk", "")  # nobody holds it: no status word
    late = display.queue_row(item(due_at=NOW - timedelta(minutes=30), status="claimed", assignee_name="Agen Satu"), context("en"), reveal=False)
    assert (late.due_state, late.due_text, late.assignee, late.label_name) == ("overdue", "overdue 30 min", "Agen Satu", "Incentive not received")
    soon = display.queue_row(item(due_at=NOW + timedelta(minutes=40)), context(), reveal=False)
    assert soon.due_state == "soon"
    done = display.queue_row(item(due_at=NOW - timedelta(hours=5), status="resolved"), context(), reveal=False)
    assert done.due_state == "fine"  # a closed ticket's deadline is no alarm


def test_rows_are_plain_text_and_the_template_escapes_them(app):
    hostile = item(subject=HOSTILE, preview=HOSTILE, contact_name=HOSTILE, due_explanation=HOSTILE, status="claimed", assignee_name=HOSTILE)
    row = display.queue_row(hostile, context(), reveal=True)
    assert not any(isinstance(value, Markup) for value in row)
    with app.test_request_context("/"):
        html = render_template("_queue_rows.html", rows=[row], filter_args={}, poll=False)
    assert "<script>" not in html and "<img" not in html
    # as text: subject, preview, contact, assignee; as titles: the first line (twice: subject — preview), contact, why
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 8
