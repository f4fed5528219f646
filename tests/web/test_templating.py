"""Template gettext: our one-call `_` gives exactly what Jinja's newstyle gettext gives."""
from __future__ import annotations

import flask_babel
import pytest
from flask import render_template_string
from jinja2 import Environment

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
