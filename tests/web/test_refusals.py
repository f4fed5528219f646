"""Refusals from the services read in the page's language, never as the services' English."""
from __future__ import annotations

import pytest
from flask import session as flask_session

from triage.users import UserError
from triage.web.refusals import quarantine_reason, refusal_text
from web.test_language import leaks

REASONS = [
    "password must have at least 10 characters",
    "username must be 1-64 letters, digits, '.', '_' or '-'",
    "username 'agen1' is taken",
    "role must be one of agent, supervisor, admin",
    "capacity must be between 1 and 100",
    "unknown categories: bogus",
    "you cannot deactivate your own account",
    "only an admin can change a supervisor's or admin's account",
    "invalid literal for int() with base 10: 'x'",
    "only an open ticket can be resolved",
    "only a resolved ticket or noise can be reopened",
    "a merged ticket cannot be reopened; open the ticket it was merged into",
    "give the ticket a category before reopening it",
    "only an open ticket can be marked as noise",
    "a ticket cannot be merged into itself",
    "ticket 7 was itself merged into 9",
    "this ticket is already merged",
    "unknown placeholders: {nama}",
    "something no table knows",
]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_known_reason_reads_in_the_pages_language(app, lang):
    with app.test_request_context("/"):
        flask_session["lang"] = lang
        texts = {reason: refusal_text(UserError(reason)) for reason in REASONS}
    found = {reason: (text, leaks(text, lang)) for reason, text in texts.items() if leaks(text, lang)}
    assert found == {}
    if lang == "en":
        assert texts["username 'agen1' is taken"] == "The username agen1 is taken."
        assert texts["ticket 7 was itself merged into 9"] == "Ticket #7 was itself merged into #9; merge into that ticket."
        assert texts["something no table knows"] == "This action could not be done."
    else:
        assert all(reason not in text for reason, text in texts.items())
        assert texts["password must have at least 10 characters"] == "Kata sandi minimal 10 karakter."


def test_screen_reasons_are_named_and_others_left_as_technical_detail(app):
    with app.test_request_context("/"):
        flask_session["lang"] = "en"
        assert quarantine_reason("empty text") == "empty text"
        assert quarantine_reason("unknown channel 'fax' (expected one of email, instagram)") == "unknown channel"
        assert quarantine_reason("pipeline error: IntegrityError: x") is None
    with app.test_request_context("/"):
        assert quarantine_reason("missing or invalid time") == "waktu tidak ada atau tidak valid"
