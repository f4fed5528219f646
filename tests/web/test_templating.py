"""Template gettext: our one-call `_` gives exactly what Jinja's newstyle gettext gives."""
from __future__ import annotations

import flask_babel
import pytest
from flask import render_template_string
from jinja2 import Environment

from web.conftest import csrf_token

CASES = [
    ("{{ _('Antrean') }}", {}),
    ("{{ _('Dipegang: %(held)d dari %(cap)d', held=2, cap=5) }}", {}),
    ("{{ _('Tiket ini sedang ditangani %(name)s.', name=who) }}", {"who": "<b>Budi</b> & co"}),
    ("{{ _('naik 100%% hari ini') }}", {}),
    ("{{ _('tanpa variabel', n=3) }}", {}),
    ("{{ gettext('Keluar') }}", {}),
]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_gettext_matches_jinja_newstyle(app, lang):
    with app.test_request_context("/"):
        flask_babel.refresh()
        from flask import session

        session["lang"] = lang
        reference = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
        reference.install_gettext_translations(flask_babel.get_translations(), newstyle=True)
        for source, values in CASES:
            assert render_template_string(source, **values) == reference.from_string(source).render(**values), source


def test_english_pages_are_translated(app):
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert render_template_string("{{ _('Keluar') }}") != "Keluar"


def test_status_names_follow_each_requests_language(app):
    from flask import session

    from triage.web.templating import page_context

    for lang, expected in (("en", "open"), ("id", "terbuka"), ("en", "open")):
        with app.test_request_context("/"):
            session["lang"] = lang
            assert page_context().status_names["open"] == expected


def test_kept_parts_follow_each_viewers_role_language_and_filters(app, session):
    """The menu, key list, column headers and filter choices are rendered once and kept
    (templating.fixed_part), per language and role/choice: one app serves them all here."""
    from builders import user
    from web.test_sessions import logged_in

    user(session, "agen1", "agent")
    user(session, "supervisor1", "supervisor")
    session.commit()
    boss, agent = logged_in(app, "supervisor1"), logged_in(app, "agen1")

    assert 'href="/supervisor/"' in boss.get("/").get_data(as_text=True)
    page = agent.get("/").get_data(as_text=True)
    assert 'href="/supervisor/"' not in page
    assert 'href="/groups"' in page
    assert ">Antrean</a>" in page and "Tombol pintas" in page and ">Jatuh tempo</th>" in page

    agent.post("/language", data={"lang": "en", "csrf_token": csrf_token(page)})
    english = agent.get("/").get_data(as_text=True)
    assert ">Queue</a>" in english and ">Due</th>" in english and "Keyboard shortcuts" in english
    assert "Tombol pintas" not in english and ">Antrean</a>" not in english
    assert ">Antrean</a>" in boss.get("/").get_data(as_text=True)  # the other viewer keeps their language

    noise = agent.get("/?label=noise&review=1").get_data(as_text=True)
    registration = agent.get("/?label=registration").get_data(as_text=True)
    assert '<option value="noise" selected>' in noise and '<option value="1" selected>' in noise
    assert '<option value="registration" selected>' in registration
    assert '<option value="noise" selected>' not in registration and '<option value="1" selected>' not in registration


def test_kept_parts_are_bounded(app, session, monkeypatch):
    """A key from an unexpected, unbounded set would render each time instead of filling memory."""
    from triage.web import templating

    monkeypatch.setattr(templating, "FIXED_PARTS_KEPT", 2)
    with app.test_request_context("/"):
        for review in (True, False, None, True):
            templating.fixed_part("_queue_selects.html", label=None, channel=None, status="active", review=review)
        assert len(app.extensions["triage.fixed_parts"]) == 2
        assert 'value="1" selected' in templating.fixed_part("_queue_selects.html", label=None, channel=None, status="active", review=True)
        assert 'value="0" selected' in templating.fixed_part("_queue_selects.html", label=None, channel=None, status="active", review=False)
